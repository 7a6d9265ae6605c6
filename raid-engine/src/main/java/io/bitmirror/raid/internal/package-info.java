/**
 * Not API: the test hooks of the array (a power cut, the write path's threads, deliberate
 * bitmap bugs), for the project's own tests, the crash explorer (fault-injection) and the
 * benchmarks only. An embedding program has no use for them and must not call them; they may
 * change or disappear in any release. No system property, environment variable or CLI option
 * of an array command reaches them (docs/API.md, "Test hooks").
 */
package io.bitmirror.raid.internal;
