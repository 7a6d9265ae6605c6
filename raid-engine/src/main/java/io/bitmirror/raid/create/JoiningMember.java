package io.bitmirror.raid.create;

import io.bitmirror.raid.device.DirectIo;
import io.bitmirror.raid.member.MemberDevice;
import io.bitmirror.raid.superblock.FeatureMap;
import io.bitmirror.raid.superblock.Superblock;
import io.bitmirror.raid.superblock.SuperblockLayout;
import io.bitmirror.raid.superblock.SuperblockValidator;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;

/**
 * Makes a new device a member of a running array ({@code manage --add}): a superblock cloned from
 * an in-sync member's (same array geometry, its own dev_number and device uuid, events 0 so that
 * until recovery finishes it is never taken for current) and, with an internal bitmap, a copy of
 * that member's bitmap area, so the device is a readable md member at every moment. The array
 * then recovers it; creation's other half lives in {@link ArrayCreator}.
 */
public final class JoiningMember {
    private JoiningMember() {
    }

    /**
     * Writes the new member's metadata to {@code device}: bitmap area first, the superblock last
     * (durable), so a crash in between leaves no superblock pointing at an unwritten bitmap.
     *
     * @param template an in-sync member's superblock block (not changed)
     * @param templateDevice that member's whole device, to copy the bitmap area from
     * @param devNumber the new member's dev_number (a free one)
     * @param slot its role: the slot it will fill
     * @param writeMostly the new member is write-mostly ({@code manage --add -W}); the template's
     *     own flag is not inherited
     */
    public static void write(MemberDevice device, ByteBuffer template, MemberDevice templateDevice, int devNumber,
            int slot, boolean writeMostly) throws IOException {
        Superblock from = new Superblock().wrap(template, 0);
        ByteBuffer block = DirectIo.allocate(SuperblockLayout.BLOCK);
        block.put(0, template, 0, SuperblockLayout.BLOCK);
        Superblock sb = new Superblock().wrap(block, 0);
        byte[] devUuid = new byte[16];
        new SecureRandom().nextBytes(devUuid);
        sb.devNumber(devNumber).deviceUuid(devUuid).events(0)
                .dataSize(device.sizeBytes() / 512 - from.dataOffset());
        sb.devflags((from.devflags() & ~SuperblockLayout.DEVFLAG_WRITE_MOSTLY)
                | (writeMostly ? SuperblockLayout.DEVFLAG_WRITE_MOSTLY : 0));
        sb.devRole(devNumber, slot).updateChecksum();
        if (from.hasFeature(FeatureMap.BITMAP_OFFSET)) {
            // The array rewrites every page to it before it counts as a copy; this copy only
            // keeps the device readable as an md member until then.
            long at = (from.superOffset() + from.bitmapOffset()) * 512;
            ByteBuffer area = DirectIo.allocate((int) SuperblockValidator.bitmapRoomBytes(from));
            templateDevice.read(at, area);
            area.clear();
            device.write(at, area, false);
            // The area durable before the superblock that points at it is written: a completed
            // write may still sit in a volatile cache (the page cache with --cache=writeback, the
            // disk's own with O_DIRECT), and the superblock's FUA flush below would otherwise
            // let both reach the media in either order.
            device.flush();
        }
        block.clear();
        device.write(from.superOffset() * 512, block, true);
    }
}
