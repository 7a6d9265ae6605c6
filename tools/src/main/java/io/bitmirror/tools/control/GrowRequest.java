package io.bitmirror.tools.control;

import com.fasterxml.jackson.databind.JsonNode;

import io.bitmirror.bitmapfile.BitmapFileWriter;
import io.bitmirror.bitmapfile.ExternalBitmap;
import io.bitmirror.bitmapfile.config.BitmapRegistry;
import io.bitmirror.raid.array.ArrayStatus;
import io.bitmirror.raid.array.BitmapChange;
import io.bitmirror.raid.array.RaidArray;
import io.bitmirror.raid.create.ArrayCreator;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code {"request":"grow","bitmap":"none|internal|/abs/path","chunk":BYTES,"config":PATH}}:
 * mdadm's {@code --grow --bitmap} on the running array ({@link RaidArray#growBitmap}). A bitmap
 * file is created, resolved and recorded in the bitmap registry ({@code config}, else the
 * server's default) before the array formats it and starts using it; removing an external bitmap
 * forgets its record once the superblocks no longer need it.
 */
final class GrowRequest implements RequestHandler {
    @Override
    public String name() {
        return "grow";
    }

    @Override
    public boolean serializedWithManage() {
        // It looks at the array's state (bitmap present, sync pass) and then changes it.
        return true;
    }

    @Override
    public JsonNode handle(Request r) throws IOException {
        String bitmap = r.text("bitmap");
        long chunk = r.args().path("chunk").asLong(0);
        if (chunk < 0) {
            throw new RequestException("grow: \"chunk\" must be a positive number of bytes");
        }
        JsonNode cfg = r.args().get("config");
        Path config = cfg == null || cfg.isNull() ? null : Path.of(cfg.asText());
        RaidArray a = r.array();
        String said;
        if (bitmap.equals("none")) {
            boolean external = a.bitmapKind().equals("file");
            said = a.growBitmap(BitmapChange.none());
            if (external) {
                // After the superblocks were written without it: until then a crash assembles with
                // the recorded file (older events than the superblocks: a full resync, still safe).
                BitmapRegistry.locate(config).remove(a.uuid());
            }
        } else if (bitmap.equals("internal")) {
            said = a.growBitmap(BitmapChange.internal(chunk));
        } else {
            Path file = Path.of(bitmap);
            if (!file.isAbsolute()) {
                throw new RequestException("grow: \"bitmap\" must be none, internal or an absolute path: " + bitmap);
            }
            List<Path> members = new ArrayList<>();
            for (ArrayStatus.Member m : a.status().members()) {
                if (m.device() != null) {
                    members.add(Path.of(m.device()));
                }
            }
            if (a.bitmapKind().equals("none")) {
                // Checked before the file is created (W7): stable addresses, not on a member.
                ExternalBitmap.validateLocation(file, members);
            }
            said = a.growBitmap(BitmapChange.file(chunk, (uuid, sectors, c) -> {
                BitmapFileWriter.create(file, uuid, sectors, c, ArrayCreator.DEFAULT_DAEMON_SLEEP, false, false);
                ExternalBitmap.register(file, uuid, members, config);
                return ExternalBitmap.open(file, uuid, members, config, false).store();
            }, file.toString()));
        }
        return ControlJson.MAPPER.createObjectNode().put("message", "bitmirror: " + said);
    }
}
