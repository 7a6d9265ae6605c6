package io.bitmirror.raid.array;

import io.bitmirror.raid.ArrayException;
import io.bitmirror.raid.member.MemberDevice;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DRBD's self-healing link on md's verbs: a remote member whose connection broke is failed (the
 * array goes on degraded, no bit is cleared: W4), then reconnected with backoff and re-added by
 * the array itself. The re-add is md's: a catch-up from the bitmap when the member's events
 * allow it, else a full recovery ({@link MemberManager#reAdd}).
 *
 * <p>One thread per array, only when a member is remote. A member a user failed or removed by
 * hand ({@code manage --fail/--remove}) is left alone until a manual {@code --re-add} or
 * {@code --add}: the link watcher never undoes a request.
 */
final class RemoteLinks {
    private static final Logger LOG = LoggerFactory.getLogger(RemoteLinks.class);
    /** How often the links are looked at. */
    private static final long TICK_NANOS = 250_000_000L;
    /** First wait between reconnect attempts; doubled after each failure up to {@link #MAX_BACKOFF_MILLIS}. */
    static final long FIRST_BACKOFF_MILLIS = 500;
    static final long MAX_BACKOFF_MILLIS = 8_000;

    /** What a remote member's link is doing, as {@code detail} shows it. */
    enum State {
        /** In sync over a working connection. */
        CONNECTED,
        /** The link broke; trying to connect again. */
        RECONNECTING,
        /** Connected again and re-added; the recovery copies what it missed. */
        CATCHING_UP,
        /** Failed or removed by request: left alone ({@code --no-reconnect} members too). */
        MANUAL
    }

    private final String name;
    private final Members members;
    private final RaidArray array;
    private final boolean reconnect;
    /** Remote members by path, in the order they became known. Guarded by this. */
    private final Map<Path, Entry> links = new LinkedHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    private static final class Entry {
        State state = State.CONNECTED;
        long since = System.currentTimeMillis();
        String lastError;
        int attempts;
        long nextAttempt;
        long backoff = FIRST_BACKOFF_MILLIS;
    }

    RemoteLinks(String name, Members members, RaidArray array, boolean reconnect) {
        this.name = name;
        this.members = members;
        this.array = array;
        this.reconnect = reconnect;
        this.thread = new Thread(this::run, name + "-links");
        thread.setDaemon(true);
    }

    /** Watches a remote member (assembled, added or re-added by hand); the thread starts with the first. */
    synchronized void watch(Path device) {
        if (!thread.isAlive() && running) {
            thread.start();
        }
        Entry e = links.computeIfAbsent(device, p -> new Entry());
        if (e.state == State.MANUAL || e.state == State.RECONNECTING) {
            change(device, e, State.CONNECTED, null);
        }
    }

    /** A member failed or removed by request: not reconnected by itself. */
    synchronized void leaveAlone(Path device) {
        Entry e = links.get(device);
        if (e != null && e.state != State.MANUAL) {
            change(device, e, State.MANUAL, "by request");
        }
    }

    void stop() {
        synchronized (this) {
            running = false;
        }
        if (!thread.isAlive()) {
            return;
        }
        LockSupport.unpark(thread);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The links now, for status. */
    synchronized List<ArrayStatus.RemoteLink> links() {
        List<ArrayStatus.RemoteLink> out = new ArrayList<>();
        for (Map.Entry<Path, Entry> me : links.entrySet()) {
            Entry e = me.getValue();
            out.add(new ArrayStatus.RemoteLink(io.bitmirror.raid.remote.RemoteMembers.text(me.getKey()), word(e.state), e.since, e.lastError, e.attempts));
        }
        return out;
    }

    private void run() {
        while (running) {
            LockSupport.parkNanos(this, TICK_NANOS);
            if (!running) {
                return;
            }
            List<Path> paths;
            synchronized (this) {
                paths = new ArrayList<>(links.keySet());
            }
            for (Path p : paths) {
                try {
                    look(p);
                } catch (RuntimeException e) {
                    LOG.warn("{}: link watcher: {}: {}", name, p, e.toString());
                }
            }
        }
    }

    /** One member's link: notices a broken one, reconnects, follows the catch-up. */
    private void look(Path p) {
        Entry e;
        synchronized (this) {
            e = links.get(p);
        }
        if (e == null || e.state == State.MANUAL) {
            return;
        }
        MemberSet set = members.current();
        int s = set.slotOf(p);
        MemberState st = s < 0 ? MemberState.MISSING : set.state(s);
        MemberDevice d = s < 0 ? null : set.device(s);
        if (st == MemberState.IN_SYNC || st == MemberState.RECOVERING) {
            if (d != null && d.linkDown()) {
                // Idle arrays notice a broken link here rather than at the next write.
                LOG.warn("{}: {}: link lost", name, p);
                try {
                    array.failLink(p);
                } catch (ArrayException x) {
                    LOG.warn("{}: {}: {}", name, p, x.getMessage());
                }
                return;
            }
            synchronized (this) {
                State now = st == MemberState.IN_SYNC ? State.CONNECTED : State.CATCHING_UP;
                if (e.state == State.RECONNECTING || (e.state != now && e.state != State.MANUAL)) {
                    change(p, e, now, null);
                }
            }
            return;
        }
        if (st == MemberState.FAULTY && d != null && !d.linkDown()) {
            // The server answered with errors (its disk, not the link): as a local disk's
            // failure, left for a manual re-add; reconnecting would only fail again.
            synchronized (this) {
                if (e.state != State.MANUAL) {
                    change(p, e, State.MANUAL, "failed by errors the server reported; re-add it by hand");
                }
            }
            return;
        }
        if (!reconnect) {
            synchronized (this) {
                if (e.state != State.MANUAL) {
                    change(p, e, State.MANUAL, "failed; --no-reconnect: re-add it by hand (manage --re-add)");
                }
            }
            return;
        }
        synchronized (this) {
            if (e.state != State.RECONNECTING) {
                change(p, e, State.RECONNECTING, st == MemberState.FAULTY ? "failed" : "missing");
                e.backoff = FIRST_BACKOFF_MILLIS;
                e.nextAttempt = System.currentTimeMillis();
                e.attempts = 0;
            }
            if (System.currentTimeMillis() < e.nextAttempt) {
                return;
            }
            e.attempts++;
        }
        try {
            if (st == MemberState.FAULTY) {
                // md's order: a faulty member is removed before it can come back.
                array.removeLink(p);
            }
            array.reAddLink(p);
            LOG.info("{}: {}: connected again after {} attempt(s); catching up", name, p, e.attempts);
            synchronized (this) {
                change(p, e, State.CATCHING_UP, null);
            }
        } catch (ArrayException x) {
            synchronized (this) {
                e.lastError = x.getMessage();
                e.nextAttempt = System.currentTimeMillis() + e.backoff;
                e.backoff = Math.min(MAX_BACKOFF_MILLIS, e.backoff * 2);
            }
            LOG.debug("{}: {}: reconnect attempt {} failed: {}", name, p, e.attempts, x.getMessage());
        }
    }

    /** Under this: a new state, logged once. */
    private void change(Path p, Entry e, State to, String why) {
        if (e.state == to) {
            return;
        }
        LOG.info("{}: {}: link {} -> {}{}", name, p, word(e.state), word(to), why == null ? "" : " (" + why + ")");
        e.state = to;
        e.since = System.currentTimeMillis();
        if (to != State.RECONNECTING) {
            e.lastError = null;
        }
    }

    static String word(State s) {
        return s.name().toLowerCase().replace('_', '-');
    }
}
