package io.bitmirror.tools.control;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The requests a control socket answers, by name; {@link #standard()} is the one place they are listed. */
public final class RequestRegistry {
    private final Map<String, RequestHandler> handlers = new LinkedHashMap<>();

    private RequestRegistry(List<RequestHandler> list) {
        for (RequestHandler h : list) {
            if (handlers.putIfAbsent(h.name(), h) != null) {
                throw new IllegalArgumentException("two control request handlers named " + h.name());
            }
        }
    }

    /**
     * Every request of a running array. A new request is one {@link RequestHandler} class and
     * one line here.
     */
    public static RequestRegistry standard() {
        return new RequestRegistry(List.of(
                new DetailRequest(),
                new FailRequest(),
                new RemoveRequest(),
                new ReAddRequest(),
                new AddRequest(),
                new SyncActionRequest(),
                new ChangesRequest.Track(),
                new ChangesRequest.Clear(),
                new ChangesRequest.Stop(),
                new StopRequest(),
                new SubscribeRequest(),
                new GrowRequest()));
    }

    /** This registry and {@code extra} (tests: a handler no array serves). */
    RequestRegistry with(RequestHandler extra) {
        List<RequestHandler> all = new java.util.ArrayList<>(handlers.values());
        all.add(extra);
        return new RequestRegistry(all);
    }

    /** The handler for {@code name}, or null. */
    RequestHandler get(String name) {
        return handlers.get(name);
    }

    public Set<String> names() {
        return handlers.keySet();
    }
}
