/**
 * A member of the array as the engine sees it: positioned reads and writes, flush and trim on
 * a block device or a regular file ({@link io.bitmirror.raid.member.MemberDevice}). The seam
 * where fault-injection wraps members to record, drop, tear or fail I/O.
 */
package io.bitmirror.raid.member;
