package io.bitmirror.raid.array;

import static org.junit.jupiter.api.Assertions.*;

import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.create.ArrayCreator;
import io.bitmirror.raid.create.CreateSpec;
import io.bitmirror.raid.metadata.TestArrays;
import io.bitmirror.raid.superblock.Superblock;
import io.bitmirror.raid.superblock.SuperblockLayout;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Assembly refuses members that do not make one array, with one line naming why, and writes nothing (B1). */
class AssembleRefusalTest {
    @TempDir
    Path dir;

    private List<Path> array(String sub, int n) throws Exception {
        Path d = Files.createDirectories(dir.resolve(sub));
        List<Path> m = TestArrays.files(d, n, 16L << 20);
        ArrayCreator.plan(CreateSpec.builder().raidDevices(n).name(sub).homehost("h").assumeClean(true).devices(m)
                .build()).write();
        return m;
    }

    private static String digest(List<Path> files) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (Path p : files) {
            md.update(Files.readAllBytes(p));
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static void refused(List<Path> devices, boolean run, String... fragments) throws Exception {
        String before = digest(devices.stream().distinct().toList());
        ArrayException e = assertThrows(ArrayException.class,
                () -> RaidArray.assemble(AssembleOptions.builder(devices).run(run).build()).stop());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + e.getMessage() + "' should contain '" + f + "'");
        }
        assertFalse(e.getMessage().contains("\n"));
        assertEquals(before, digest(devices.stream().distinct().toList()), "nothing may be written");
    }

    static void editSuperblock(Path p, Consumer<Superblock> edit) throws Exception {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(4096);
            ch.read(b, 4096);
            Superblock sb = new Superblock().wrap(b, 0);
            edit.accept(sb);
            sb.updateChecksum();
            b.clear();
            ch.write(b, 4096);
        }
    }

    @Test
    void membersOfDifferentArrays() throws Exception {
        List<Path> a = array("a", 2);
        List<Path> b = array("b", 2);
        refused(List.of(a.get(0), b.get(1)), true, "members of different arrays", "b/m1.img");
    }

    @Test
    void sameMemberTwice() throws Exception {
        List<Path> a = array("a", 2);
        refused(List.of(a.get(0), a.get(0).getParent().resolve("./m0.img")), true, "given twice");
    }

    @Test
    void wrongSize() throws Exception {
        List<Path> a = array("a", 2);
        try (RandomAccessFile f = new RandomAccessFile(a.get(1).toFile(), "rw")) {
            f.setLength(8L << 20);
        }
        refused(a, true, "m1.img", "data_size");
    }

    @Test
    void tooFewMembers() throws Exception {
        List<Path> a = array("a", 3);
        refused(a.subList(0, 2), false, "slot 2 is missing", "--run");
        refused(a.subList(0, 1), false, "is missing");
    }

    @Test
    void newerEventsButRecordedAsFailedIsSplitBrain() throws Exception {
        List<Path> a = array("a", 2);
        // m0's superblock says m1 failed (events 5); m1 claims newer events (9): they diverged.
        editSuperblock(a.get(0), sb -> sb.events(5).devRole(1, SuperblockLayout.ROLE_FAULTY));
        editSuperblock(a.get(1), sb -> sb.events(9));
        refused(a, true, "m1.img", "events 9", "recorded it as failed", "split brain");
    }

    @Test
    void twoMembersClaimingOneSlot() throws Exception {
        List<Path> a = array("a", 2);
        editSuperblock(a.get(1), sb -> sb.devNumber(0));
        refused(a, true, "both hold slot 0");
    }

    @Test
    void corruptMemberIsNamed() throws Exception {
        List<Path> a = array("a", 2);
        try (FileChannel ch = FileChannel.open(a.get(1), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), 4096 + 40);
        }
        refused(a, true, "m1.img", "sb_csum");
    }

    @Test
    void inUseByAnotherAssembly() throws Exception {
        List<Path> a = array("a", 2);
        RaidArray running = RaidArray.assemble(AssembleOptions.of(a));
        try {
            java.io.IOException e = assertThrows(java.io.IOException.class,
                    () -> RaidArray.assemble(AssembleOptions.of(a)));
            assertTrue(e.getMessage().contains("in use"), e.getMessage());
        } finally {
            running.stop();
        }
    }
}
