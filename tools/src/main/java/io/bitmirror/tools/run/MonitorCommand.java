package io.bitmirror.tools.run;

import io.bitmirror.tools.UsageException;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Set;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bitmirror monitor (--control=SOCKET | NAME | --scan) [--program=CMD]}: as {@code mdadm
 * --monitor}. Subscribes to the server's events (the control socket's subscribe request, never
 * by polling detail) and, for each, runs CMD with mdadm's arguments (EVENT, the array as
 * {@code /dev/md/NAME}, the member when there is one) or prints one timestamped line. One array
 * ends after its DeviceDisappeared; {@code --scan} watches every array of the run directory,
 * picks up new ones (NewArray) and runs until interrupted.
 */
@Command(name = "monitor", mixinStandardHelpOptions = true,
        description = "Watch arrays' events (mdadm --monitor): run --program=CMD EVENT /dev/md/NAME [DEVICE] "
                + "for each, or print one line per event.")
public final class MonitorCommand implements Callable<Integer> {
    /** How often --scan looks at the run directory for new arrays. */
    private static final long SCAN_MILLIS = 500;

    @Spec
    CommandSpec spec;

    @Mixin
    ControlTarget target;

    @Option(names = "--scan", description = "Watch every running array (the run directory), and new ones.")
    boolean scan;

    @Option(names = "--program", paramLabel = "CMD", description = "Run CMD EVENT /dev/md/NAME [DEVICE] for "
            + "each event (as mdadm --program; run directly, not through a shell; one at a time).")
    String program;

    @Parameters(paramLabel = "NAME", arity = "0..1", description = "The array's name or UUID, instead of --control.")
    String name;

    @Override
    public Integer call() throws Exception {
        target.name(name);
        boolean one = target.control != null || target.array != null;
        if (scan == one) {
            throw new UsageException("monitor needs exactly one of --control=SOCKET, the array's NAME or --scan");
        }
        if (program != null && program.isBlank()) {
            throw new UsageException("--program: empty command");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        EventSink sink = new EventSink(program, out, err);
        if (!scan) {
            Path socket = target.socket("monitor");
            // Connected, or the one-line error of a socket nobody serves.
            EventWatch w = EventWatch.open(socket, err);
            w.run(sink, false);
            return 0;
        }
        return scanLoop(sink, err);
    }

    /** Watches each array the run directory lists, once, on its own thread, until interrupted. */
    private static int scanLoop(EventSink sink, PrintWriter err) throws IOException {
        Set<Path> watching = ConcurrentHashMap.newKeySet();
        Set<Thread> threads = new HashSet<>();
        try {
            while (!Thread.currentThread().isInterrupted()) {
                for (RunDirectory.Entry e : RunDirectory.running(stale -> { })) {
                    Path c = e.control();
                    if (c == null || !watching.add(c)) {
                        continue;
                    }
                    EventWatch w;
                    try {
                        w = EventWatch.open(c, err);
                    } catch (IOException notServing) {
                        // Registered but not answering (starting or stopping): looked at again later.
                        watching.remove(c);
                        continue;
                    }
                    Thread t = new Thread(() -> {
                        try {
                            // Every array --scan finds is new to it, as mdadm's scan reports it.
                            w.run(sink, true);
                        } finally {
                            // Gone: should it come back (assembled again), it is new again.
                            watching.remove(c);
                        }
                    }, "monitor-" + e.name());
                    t.setDaemon(true);
                    threads.add(t);
                    t.start();
                }
                Thread.sleep(SCAN_MILLIS);
            }
        } catch (InterruptedException stop) {
            Thread.currentThread().interrupt();
        } finally {
            threads.forEach(Thread::interrupt);
        }
        return 0;
    }
}
