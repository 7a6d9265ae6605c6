package io.bitmirror.raid.bitmap;

import io.bitmirror.raid.member.MemberDevice;

/**
 * The members that hold a current copy of the internal bitmap, as one consistent snapshot: the
 * store takes one per page write, so the mask and the devices it writes always belong together.
 */
public interface BitmapCopies {
    /** Members whose bitmap area is written (in sync and recovering ones). */
    int copyMask();

    /** The whole device of member {@code m} (the bitmap sits outside the data area). */
    MemberDevice device(int m);
}
