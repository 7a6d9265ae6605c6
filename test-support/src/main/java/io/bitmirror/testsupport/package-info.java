/**
 * Test-only helpers shared by every module (a test-scoped dependency, never shipped).
 *
 * <p>{@link io.bitmirror.testsupport.Requirements} is the one place a test decides that this
 * machine cannot run it: not root, a tool missing, no loop or fuse device. Such a test skips
 * loudly on a developer's machine, and fails under {@code CI=true}, where {@code .ci/run}
 * installs every tool and runs as root: a green CI run has run every test.
 */
package io.bitmirror.testsupport;
