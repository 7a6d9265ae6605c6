/**
 * systemd readiness ({@code sd_notify}): a running array tells the service manager it is ready,
 * what it is doing, and that it is stopping, when {@code $NOTIFY_SOCKET} says where to.
 */
package io.bitmirror.tools.notify;
