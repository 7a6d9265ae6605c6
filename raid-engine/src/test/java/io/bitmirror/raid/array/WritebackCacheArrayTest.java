package io.bitmirror.raid.array;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.CreateSpec;
import io.bitmirror.raid.member.CacheMode;
import io.bitmirror.raid.member.PageCacheProbe;
import io.bitmirror.raid.metadata.MetadataReader;
import io.bitmirror.raid.metadata.TestArrays;
import io.bitmirror.raid.superblock.Superblock;
import io.bitmirror.testsupport.Requirements;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An array on members in cache mode writeback (the page cache as their volatile cache) on real
 * files. The page flags of the members' files ({@link PageCacheProbe}) show the array flushes
 * where a disk cache must be flushed: the bitmap page and the superblock are durable before a
 * data write goes out (W1), a client flush leaves nothing dirty, and the daemon clears a bit on
 * disk only after the data of its chunk left the page cache (W2). Data survives stop, add (a new
 * member recovered through the page cache), reassembly and a read-only assembly, and the real
 * mdadm reads the members afterwards.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class WritebackCacheArrayTest {
    private static final long MEMBER = 16L << 20;
    private static final int CHUNK = 64 << 10;
    private static final int PAGE = 4096;

    @TempDir
    Path dir;

    /** Where things sit on a member, read before assembly (an O_DIRECT read writes the dirty range back). */
    private record Layout(long superBytes, long bitmapBytes, long dataBytes) {
        static Layout of(Path p) throws Exception {
            Superblock sb = MetadataReader.read(p).superblock();
            return new Layout(sb.superOffset() * 512, (sb.superOffset() + sb.bitmapOffset()) * 512,
                    sb.dataOffset() * 512);
        }
    }

    private List<Path> create(int members) throws Exception {
        List<Path> m = TestArrays.files(dir, members, MEMBER);
        ArrayCreator.plan(CreateSpec.builder().raidDevices(2).bitmapChunkBytes(CHUNK).name("wb").homehost("h")
                .assumeClean(true).devices(m.subList(0, 2)).build()).write();
        return m;
    }

    private static ByteBuffer random(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return ByteBuffer.wrap(b);
    }

    @Test
    void intentAndSuperblockDurableBeforeDataAndFlushIsFdatasync() throws Exception {
        Requirements.requireRoot("page flags through /proc/kpageflags");
        List<Path> m = create(2);
        List<Layout> lay = List.of(Layout.of(m.get(0)), Layout.of(m.get(1)));
        // No daemon pass and no safe mode during the test: every flush is the one the test asks for.
        try (RaidArray a = RaidArray.assemble(AssembleOptions.builder(m).cache(CacheMode.WRITEBACK)
                .daemonSleepMillis(600_000).safeModeMillis(600_000).build())) {
            assertEquals("writeback", a.status().cache());
            long at = 5L * CHUNK;
            a.write(at, random(new Random(1), 2 * PAGE), false);
            for (int i = 0; i < 2; i++) {
                Path p = m.get(i);
                Layout l = lay.get(i);
                assertEquals(2, PageCacheProbe.unsyncedPages(p, l.dataBytes() + at, 2 * PAGE),
                        "the data write is in the page cache of member " + i + ", nothing flushed it");
                assertEquals(0, PageCacheProbe.unsyncedPages(p, l.bitmapBytes(), PAGE),
                        "W1: the chunk's bit is durable on member " + i + " before its data went out");
                assertEquals(0, PageCacheProbe.unsyncedPages(p, l.superBytes() & -PAGE, PAGE),
                        "the superblock said active durably on member " + i + " before the first write");
            }
            a.write(at + 7 * CHUNK, random(new Random(2), PAGE), true);
            for (int i = 0; i < 2; i++) {
                assertEquals(0, PageCacheProbe.unsyncedPages(m.get(i), lay.get(i).dataBytes() + at + 7 * CHUNK, PAGE),
                        "a FUA write is durable on member " + i + " when the array returns");
            }
            a.write(at + 9 * CHUNK, random(new Random(3), 4 * PAGE), false);
            a.flush();
            for (int i = 0; i < 2; i++) {
                assertEquals(0, PageCacheProbe.unsyncedPages(m.get(i), lay.get(i).dataBytes(), (int) (MEMBER / 2)),
                        "a client flush leaves nothing dirty on member " + i);
            }
        }
    }

    @Test
    void bitClearsOnDiskOnlyAfterItsDataLeftThePageCache() throws Exception {
        Requirements.requireRoot("page flags through /proc/kpageflags");
        List<Path> m = create(2);
        List<Layout> lay = List.of(Layout.of(m.get(0)), Layout.of(m.get(1)));
        // A fast daemon, no safe mode: the daemon's own member flush is the only one (L1).
        try (RaidArray a = RaidArray.assemble(AssembleOptions.builder(m).cache(CacheMode.WRITEBACK)
                .daemonSleepMillis(50).safeModeMillis(600_000).build())) {
            Random r = new Random(4);
            for (int c = 0; c < 4; c++) {
                a.write((long) (3 + 5 * c) * CHUNK, random(r, CHUNK), false);
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            // Read through O_DIRECT: writes back the bitmap range only, never the data.
            while (!ArrayCrashTest.unionDirtyChunks(m).isEmpty()) {
                assertTrue(System.nanoTime() < end, "the daemon cleared the bits within 20 s");
                Thread.sleep(20);
            }
            for (int i = 0; i < 2; i++) {
                assertEquals(0, PageCacheProbe.unsyncedPages(m.get(i), lay.get(i).dataBytes(), 24 * CHUNK),
                        "W2: a bit is clear on disk, so its chunk's data must be durable on member " + i);
            }
        }
    }

    @Test
    void dataSurvivesAddStopAndReassemblyAndMdadmReadsTheMembers() throws Exception {
        List<Path> m = create(3);
        Path spare = m.get(2);
        AssembleOptions wb = AssembleOptions.builder(m.subList(0, 2)).cache(CacheMode.WRITEBACK).build();
        Random r = new Random(5);
        long size;
        byte[] model;
        try (RaidArray a = RaidArray.assemble(wb)) {
            size = a.sizeBytes();
            model = new byte[(int) size];
            for (int i = 0; i < 200; i++) {
                int len = 1 + r.nextInt(3 * PAGE);
                int at = r.nextInt((int) size - len);
                ByteBuffer b = random(r, len);
                b.get(0, model, at, len);
                a.write(at, b, r.nextInt(5) == 0);
            }
            a.flush();
            // A new member joins through the page cache and is recovered.
            a.fail(m.get(1));
            a.remove(m.get(1));
            a.add(spare);
            assertTrue(a.awaitSyncIdle(60_000), "recovery finished");
            assertFalse(a.status().degraded(), a.status().state());
            for (int i = 0; i < 50; i++) {
                int len = 1 + r.nextInt(2 * PAGE);
                int at = r.nextInt((int) size - len);
                ByteBuffer b = random(r, len);
                b.get(0, model, at, len);
                a.write(at, b, false);
            }
        }
        List<Path> now = List.of(m.get(0), spare);
        ArrayCrashTest.assertMembersIdentical(now, size);
        try (RaidArray a = RaidArray.assemble(AssembleOptions.builder(now).cache(CacheMode.WRITEBACK).build())) {
            assertEquals("writeback", a.status().cache());
            assertEquals(0, a.status().resyncedChunks(), "stopped clean: no resync");
            assertReads(a, model);
        }
        try (RaidArray a = RaidArray.assemble(AssembleOptions.builder(now).cache(CacheMode.WRITEBACK).readOnly(true)
                .build())) {
            assertTrue(a.status().readOnly());
            assertEquals("writeback", a.status().cache());
            assertReads(a, model);
        }
        Requirements.requireTools("mdadm");
        long events = -1;
        for (Path p : now) {
            String e = run("mdadm", "--examine", p.toString());
            assertTrue(e.contains("State : clean"), e);
            assertTrue(e.contains("Internal Bitmap"), e);
            Matcher ev = Pattern.compile("Events : (\\d+)").matcher(e);
            assertTrue(ev.find(), e);
            long v = Long.parseLong(ev.group(1));
            assertTrue(events < 0 || events == v, "both members at the same events: " + e);
            events = v;
        }
    }

    private static void assertReads(RaidArray a, byte[] model) throws Exception {
        ByteBuffer got = ByteBuffer.allocate(model.length);
        a.read(0, got);
        assertArrayEquals(model, got.array(), "the array reads back every write");
    }

    private static String run(String... cmd) throws Exception {
        Process pr = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, pr.waitFor(), String.join(" ", cmd) + ": " + out);
        return out.replaceAll("[ \t]+", " ");
    }
}
