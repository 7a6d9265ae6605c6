/**
 * Crash-state exploration, in the spirit of CrashMonkey: a workload runs once over recording
 * members; every crash state (a crash point in the log, and per member an independent choice of
 * which writes completed after its last flush survived, whole or torn) is rebuilt as member
 * images, assembled by the real engine, resynced and checked against W1, W4 and C1.
 */
package io.bitmirror.faults.crash;
