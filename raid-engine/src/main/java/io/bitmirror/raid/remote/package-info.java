/**
 * Remote members: an NBD export on any standard server (nbdkit, qemu-nbd, nbd-server) as a
 * member of the array. {@link io.bitmirror.raid.remote.NbdMemberUri} names it,
 * {@link io.bitmirror.raid.remote.NbdClient} is the member (a pipelined NBD client, its requests
 * handed to it through its own {@link io.bitmirror.raid.member.MemberPort}), and
 * {@link io.bitmirror.raid.remote.RemoteMembers} sends probing, metadata reads and opening of a
 * member path to the client or to the local device.
 */
package io.bitmirror.raid.remote;
