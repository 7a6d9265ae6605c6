package io.bitmirror.tools.control;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.bitmirror.raid.array.ArrayStatus;
import io.bitmirror.raid.array.MemberState;
import io.bitmirror.raid.array.RaidArray;
import io.bitmirror.raid.array.SuperblockFacts;

import java.time.Instant;

import java.util.Arrays;
import java.util.List;

/**
 * The detail object of docs/CONTROL.md, the one schema of {@code detail --json}, {@code list
 * --json} and the detail request: one unit per field (bytes, seconds), the state as a word and
 * a list of flags. {@link DetailFormatter} renders the text view from this same object.
 */
public final class DetailJson {
    private DetailJson() {
    }

    public static ObjectNode of(RaidArray array, String exportUri) {
        ObjectNode o = of(array.status(), exportUri);
        if (o.path("bitmap").isObject()) {
            // Changed-block bitmaps (manage --track-changes) with their changed chunks.
            ArrayNode tracking = ((ObjectNode) o.get("bitmap")).putArray("changeBitmaps");
            for (io.bitmirror.bitmap.engine.ChangeBitmap cb : array.changes().all()) {
                ObjectNode t = tracking.addObject();
                t.put("name", cb.name());
                t.put("context", "qemu:dirty-bitmap:" + cb.name());
                t.put("dirtyChunks", cb.dirtyChunks());
                t.put("inconsistent", cb.inconsistent());
            }
        }
        SuperblockFacts f = array.superblockFacts();
        if (f != null) {
            o.put("creationTime", Instant.ofEpochSecond(f.ctimeSeconds()).toString());
            o.put("updateTime", Instant.ofEpochSecond(f.utimeSeconds()).toString());
            o.put("usedDevSizeBytes", f.usedDevSectors() * 512);
            // mdadm's "Intent Bitmap : Internal"; the detail request puts an external file's path.
            o.put("intentBitmap", f.internalBitmap() ? "Internal" : o.path("bitmap").isObject() ? "external file" : null);
        }
        return o;
    }

    public static ObjectNode of(ArrayStatus s, String exportUri) {
        ObjectNode o = ControlJson.MAPPER.createObjectNode();
        o.put("uuid", s.uuid());
        o.put("name", s.name());
        o.put("metadataVersion", s.metadataVersion());
        o.put("raidLevel", "raid1");
        o.putNull("creationTime");
        o.putNull("updateTime");
        o.putNull("usedDevSizeBytes");
        o.putNull("intentBitmap");
        o.put("arraySizeBytes", s.sizeBytes());
        o.put("raidDevices", s.raidDisks());
        o.put("memberIo", s.memberIo());
        o.put("cache", s.cache());
        long total = s.members().stream().filter(m -> m.device() != null).count();
        long active = count(s, MemberState.IN_SYNC);
        long failed = count(s, MemberState.FAULTY);
        long spare = count(s, MemberState.RECOVERING);
        o.put("totalDevices", total);
        o.put("activeDevices", active);
        o.put("workingDevices", total - failed);
        o.put("failedDevices", failed);
        o.put("spareDevices", spare);
        // "clean, degraded, read-only": the word, then what is appended to it.
        List<String> words = Arrays.asList(s.state().split(",\\s*"));
        o.put("state", words.get(0));
        ArrayNode flags = o.putArray("flags");
        words.subList(1, words.size()).forEach(flags::add);
        o.put("events", s.events());
        o.put("consistencyPolicy", s.bitmapChunks() > 0 ? "bitmap" : "resync");
        if (s.bitmapChunks() > 0) {
            ObjectNode b = o.putObject("bitmap");
            b.put("chunks", s.bitmapChunks());
            b.put("chunkBytes", s.bitmapChunkBytes());
            b.put("dirtyChunks", s.dirtyChunks());
            b.put("pageWrites", s.bitmapPageWrites());
            b.put("groupCommits", s.bitmapEpochs());
        } else {
            o.putNull("bitmap");
        }
        ObjectNode sync = o.putObject("sync");
        sync.put("action", s.syncAction());
        boolean running = !"idle".equals(s.syncAction());
        if (running) {
            double pct = s.syncTotalSectors() == 0 ? 0 : 100.0 * s.syncDoneSectors() / s.syncTotalSectors();
            sync.put("percent", Math.round(pct * 10) / 10.0);
            long leftBytes = (s.syncTotalSectors() - s.syncDoneSectors()) * 512;
            long speed = s.syncSpeedKiB() * 1024;
            if (speed > 0) {
                sync.put("etaSeconds", leftBytes / speed);
            } else {
                sync.putNull("etaSeconds");
            }
        } else {
            sync.putNull("percent");
            sync.putNull("etaSeconds");
        }
        sync.put("doneBytes", s.syncDoneSectors() * 512);
        sync.put("totalBytes", s.syncTotalSectors() * 512);
        sync.put("speedBytesPerSecond", s.syncSpeedKiB() * 1024);
        sync.put("resyncPending", s.resyncPending());
        ObjectNode c = o.putObject("counters");
        // md's mismatch_cnt counts 512-byte sectors; here in bytes like every other size.
        c.put("mismatchBytes", s.mismatchSectors() * 512);
        c.put("copiedChunks", s.resyncedChunks());
        c.put("copiedBytes", s.resyncedBytes());
        // Client requests completed since assembly (ArrayStatus.Io).
        ArrayStatus.Io io = s.io();
        c.put("reads", io.reads());
        c.put("readBytes", io.readBytes());
        c.put("writes", io.writes());
        c.put("writeBytes", io.writeBytes());
        c.put("trims", io.trims());
        c.put("trimBytes", io.trimBytes());
        c.put("flushes", io.flushes());
        // Writes acknowledged while a write-mostly member still has them to do (write-behind).
        c.put("writesBehind", s.writesBehind());
        o.put("export", exportUri);
        ArrayNode ms = o.putArray("members");
        for (ArrayStatus.Member m : s.members()) {
            ObjectNode j = ms.addObject();
            if (m.state() == MemberState.MISSING) {
                j.putNull("number");
                j.putNull("raidDevice");
            } else {
                j.put("number", m.slot());
                if (m.state() == MemberState.FAULTY) {
                    // mdadm shows a faulty device's RaidDevice as "-": it holds no role any more.
                    j.putNull("raidDevice");
                } else {
                    j.put("raidDevice", m.slot());
                }
            }
            ArrayNode st = j.putArray("state");
            switch (m.state()) {
                case IN_SYNC: st.add("active").add("sync"); break;
                case RECOVERING: st.add("spare").add("rebuilding"); break;
                case FAULTY: st.add("faulty"); break;
                default: st.add("removed");
            }
            if (m.writeMostly()) {
                st.add("writemostly");
            }
            j.put("device", m.device());
            j.put("slot", m.slot());
            long[] mm = m.device() == null ? null : DeviceNumbers.of(m.device());
            if (mm != null) {
                j.put("major", mm[0]);
                j.put("minor", mm[1]);
            }
        }
        ArrayNode ls = o.putArray("links");
        for (ArrayStatus.RemoteLink l : s.links()) {
            ObjectNode j = ls.addObject();
            j.put("device", l.device());
            j.put("state", l.state());
            j.put("since", java.time.Instant.ofEpochMilli(l.sinceMillis()).toString());
            j.put("attempts", l.attempts());
            if (l.lastError() != null) {
                j.put("lastError", l.lastError());
            } else {
                j.putNull("lastError");
            }
            if ("catching-up".equals(l.state()) && s.syncTotalSectors() > 0) {
                j.put("percent", Math.floor(1000.0 * s.syncDoneSectors() / s.syncTotalSectors()) / 10);
            }
        }
        return o;
    }

    private static long count(ArrayStatus s, MemberState state) {
        return s.members().stream().filter(m -> m.state() == state).count();
    }
}
