/**
 * Not API: the engine's deliberate bugs ({@link io.bitmirror.bitmap.engine.Mutant}) for the
 * project's model tests, fault-injection and the crash explorer only. Nothing reads a system
 * property, environment variable or array CLI option to reach it.
 */
package io.bitmirror.bitmap.engine.internal;
