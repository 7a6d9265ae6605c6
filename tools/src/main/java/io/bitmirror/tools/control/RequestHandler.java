package io.bitmirror.tools.control;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;

/**
 * One control request, by name: {@code {"request":NAME, ...args}} is answered by the handler
 * registered under NAME in {@link RequestRegistry}. A handler is one small class with no state of
 * its own per client; the server may call it from several session threads at once.
 *
 * <p>Most handlers return a result, which the server sends as {@code {"ok":true,"result":...}},
 * or throw: an {@link IOException} (an {@code ArrayException}, a {@link RequestException}) becomes
 * {@code {"ok":false,"error":MESSAGE}} with its one-line message. A handler that answers with more
 * than one line (an event stream) calls {@link Request#stream(JsonNode)} and then writes its lines
 * itself, for as long as it likes; it returns {@code null} when it is done, and the server closes
 * the connection. See docs/CONTROL.md.
 */
public interface RequestHandler {
    /** The value of {@code "request"} this handler answers, e.g. {@code "detail"}. */
    String name();

    /**
     * True for requests that look at member states and then act on them (fail, add, sync-action,
     * grow ...): the server runs these one at a time, under one lock, since {@code RaidArray}'s
     * manage operations have no lock around the check and the act. A streaming handler must not
     * return true (it would hold the lock for as long as its client listens).
     */
    boolean serializedWithManage();

    /**
     * Answers one request.
     *
     * @return the result (any JSON value), or {@code null} once {@link Request#stream} was used
     * @throws IOException with the one-line message the client gets as its error
     */
    JsonNode handle(Request request) throws IOException;
}
