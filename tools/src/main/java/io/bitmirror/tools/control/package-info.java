/**
 * The control socket of a running array (a 0600 Unix socket): one request per connection, a JSON
 * object on one line ({@code {"request":"detail"}}, {@code {"request":"fail","device":PATH}} ...),
 * answered with {@code {"ok":true,"result":...}} or {@code {"ok":false,"error":MESSAGE}}, or for a
 * streaming request with further lines (docs/CONTROL.md). Each request is one
 * {@link io.bitmirror.tools.control.RequestHandler}, listed in
 * {@link io.bitmirror.tools.control.RequestRegistry}. Clients are served concurrently (at most 8),
 * each request line is at most 4 KiB and must come within 5 s
 * ({@link io.bitmirror.tools.control.ControlSession}); manage requests run one at a time.
 * {@link io.bitmirror.tools.control.DetailJson} builds the detail object,
 * {@link io.bitmirror.tools.control.DetailFormatter} its text.
 */
package io.bitmirror.tools.control;
