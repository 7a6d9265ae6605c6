/**
 * Crash campaigns: record every workload once, explore a budget of distinct crash states across
 * them, and sum up states, violations, the seed, the first violation and the time. Used by the
 * {@code bitmirror fault-campaign} command and by the tests.
 */
package io.bitmirror.faults.campaign;
