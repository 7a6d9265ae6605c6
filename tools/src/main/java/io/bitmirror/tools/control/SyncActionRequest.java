package io.bitmirror.tools.control;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.util.Set;

/** {@code {"request":"sync-action","action":"check|repair|idle"}}: md's sync_action file. */
final class SyncActionRequest implements RequestHandler {
    /** The words of md's sync_action that a running array accepts. */
    static final Set<String> ACTIONS = Set.of("check", "repair", "idle");

    @Override
    public String name() {
        return "sync-action";
    }

    @Override
    public boolean serializedWithManage() {
        // It looks at member states and then acts on them, as the member requests do.
        return true;
    }

    @Override
    public JsonNode handle(Request r) throws IOException {
        String action = r.text("action");
        if (!ACTIONS.contains(action)) {
            throw new RequestException("unknown sync action '" + action + "': check, repair or idle");
        }
        String said = r.array().syncAction(action);
        return ControlJson.MAPPER.createObjectNode().put("message",
                "bitmirror: " + r.array().status().name() + ": " + said);
    }
}
