package io.bitmirror.tools.run;

import io.bitmirror.raid.array.AssembleOptions;
import io.bitmirror.raid.array.RaidArray;
import io.bitmirror.raid.nbd.Dispatch;
import io.bitmirror.raid.nbd.NbdOptions;
import io.bitmirror.raid.nbd.NbdServer;
import io.bitmirror.tools.control.ControlServer;
import io.bitmirror.tools.notify.SystemdNotify;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an assembled array until asked to stop: the NBD export and the control socket are
 * started after the array, and stopped before it, so that the last client request is answered
 * before the array drains, flushes and is marked clean.
 */
final class ArrayRunner {
    private static final Logger LOG = LoggerFactory.getLogger(ArrayRunner.class);

    private ArrayRunner() {
    }

    static int run(AssembleOptions opts, String exportUri, boolean allowRemote, NbdOptions nbdOptions, Path control,
            PrintWriter out, Runnable afterStart) throws IOException, InterruptedException {
        // Before anything touches a member: a refused endpoint leaves them as they were.
        Endpoints.check(exportUri, allowRemote, control);
        Signals signals = new Signals();
        SystemdNotify systemd = SystemdNotify.fromEnvironment();
        systemd.status("assembling");
        RaidArray array = RaidArray.assemble(opts);
        NbdServer nbd = null;
        ControlServer ctl = null;
        String name = array.status().name();
        // A stop request waits here until the array is stopped, then answers with the result.
        java.util.concurrent.CompletableFuture<String> stopped = new java.util.concurrent.CompletableFuture<>();
        Path runEntry = null;
        try {
            int colon = name.indexOf(':');
            nbd = NbdServer.start(array, colon >= 0 ? name.substring(colon + 1) : name, exportUri, allowRemote,
                    nbdOptions);
            if (control != null) {
                ctl = ControlServer.start(array, exportUri, control);
                if (opts.externalBitmap() instanceof ExternalBitmapOpener ext && ext.used() != null) {
                    // detail's "Intent Bitmap : PATH", as mdadm names an external bitmap.
                    ctl.bitmapFile(ext.used().toAbsolutePath().toString());
                }
                ctl.onStop(() -> {
                    signals.trigger("stop request");
                    try {
                        return stopped.get();
                    } catch (java.util.concurrent.ExecutionException e) {
                        throw new IOException("stopping failed: " + e.getCause().getMessage(), e.getCause());
                    }
                });
            }
            // Through the logger, as every other line of a running array: one format, timestamped.
            LOG.info("{}: started, exported at {}{}", name, exportUri, control == null ? "" : ", control at " + ctl.path());
            runEntry = register(name, array.status().uuid(), exportUri, ctl == null ? null : ctl.path());
            afterStart.run();
            out.flush();
            // Only now: the export and the control socket accept connections (Type=notify units
            // that come After= this one may use them at once).
            systemd.ready(name + ": " + array.status().state() + ", exported at " + exportUri);
            String sig = signals.await();
            LOG.info("{}: {}: stopping", name, sig);
            systemd.stopping(name + ": stopping (" + sig + ")");
        } finally {
            // Not listed as running from the moment it stops serving.
            if (runEntry != null) {
                java.nio.file.Files.deleteIfExists(runEntry);
            }
            if (ctl != null) {
                ctl.close();
            }
            if (nbd != null) {
                nbd.stop();
            }
            try {
                array.stop();
            } catch (IOException | RuntimeException e) {
                stopped.completeExceptionally(e);
                throw e;
            }
        }
        // A read-only array marks nothing clean: it is left as it was.
        String how = array.readOnly() ? "stopped (read-only: nothing was written)" : "stopped cleanly";
        LOG.info("{}: {}", name, how);
        stopped.complete("bitmirror: " + name + ": " + how);
        if (ctl != null) {
            ctl.awaitStopAnswered(5_000);
        }
        out.flush();
        return 0;
    }

    /** The run directory entry; an array that cannot register still runs, and says why. */
    private static Path register(String name, String uuid, String exportUri, Path control) {
        try {
            return RunDirectory.register(name, uuid, exportUri, control);
        } catch (IOException e) {
            LOG.warn("{}: not registered in {} ({}): list and stop by name will not find it", name,
                    RunDirectory.locate(), e.getMessage());
            return null;
        }
    }
}
