package io.bitmirror.tools.control;

import com.fasterxml.jackson.databind.JsonNode;
import io.bitmirror.raid.array.ChangeTracking;
import java.io.IOException;

/**
 * {@code {"request":"track-changes"|"clear-changes"|"stop-tracking","name":NAME}}: start, clear
 * (after a backup) or drop a changed-block bitmap, exported as {@code qemu:dirty-bitmap:NAME}.
 * Each returns once its change is durable.
 */
abstract class ChangesRequest implements RequestHandler {
    @Override
    public boolean serializedWithManage() {
        return true;
    }

    @Override
    public JsonNode handle(Request r) throws IOException {
        String name = r.text("name");
        act(r.array().changes(), name);
        return ControlJson.MAPPER.createObjectNode().put("message", "bitmirror: " + done(name));
    }

    abstract void act(ChangeTracking t, String name) throws IOException;

    abstract String done(String name);

    /** Starts a changed-block bitmap. */
    static final class Track extends ChangesRequest {
        @Override
        public String name() {
            return "track-changes";
        }

        @Override
        void act(ChangeTracking t, String name) throws IOException {
            t.track(name);
        }

        @Override
        String done(String name) {
            return "tracking changes in " + name + " (qemu:dirty-bitmap:" + name + ")";
        }
    }

    /** Clears a changed-block bitmap. */
    static final class Clear extends ChangesRequest {
        @Override
        public String name() {
            return "clear-changes";
        }

        @Override
        void act(ChangeTracking t, String name) throws IOException {
            t.clear(name);
        }

        @Override
        String done(String name) {
            return "cleared " + name;
        }
    }

    /** Drops a changed-block bitmap and its file. */
    static final class Stop extends ChangesRequest {
        @Override
        public String name() {
            return "stop-tracking";
        }

        @Override
        void act(ChangeTracking t, String name) throws IOException {
            t.stop(name);
        }

        @Override
        String done(String name) {
            return "stopped tracking " + name;
        }
    }
}
