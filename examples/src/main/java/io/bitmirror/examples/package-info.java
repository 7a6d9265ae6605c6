/**
 * Example programs for the embedding API (docs/API.md): they use only the public classes of
 * raid-engine, never {@code io.bitmirror.raid.internal}. The build compiles them and a test
 * runs each, so they cannot drift from the API.
 */
package io.bitmirror.examples;
