/**
 * The control socket of a running array (a 0600 Unix socket): one request line per connection
 * ({@code detail}, {@code detail-json}, {@code fail PATH}, {@code remove PATH}, {@code add PATH},
 * {@code re-add PATH}, {@code sync-action check|repair|idle}), answered with {@code ok} or {@code error: MESSAGE} and then the text.
 * Clients are served concurrently (at most 8), each request line is at most 4 KiB and must come
 * within 5 s ({@link io.bitmirror.tools.control.ControlSession}); manage requests run one at a
 * time. {@link io.bitmirror.tools.control.DetailFormatter} renders the detail view.
 */
package io.bitmirror.tools.control;
