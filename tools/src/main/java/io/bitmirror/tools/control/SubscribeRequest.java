package io.bitmirror.tools.control;

import com.fasterxml.jackson.databind.JsonNode;

import io.bitmirror.raid.array.ArrayEvent;
import io.bitmirror.raid.array.ArrayEventSubscription;
import io.bitmirror.raid.array.RaidArray;

import java.io.IOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code {"request":"subscribe"}}: the array's events as they occur (what {@code bitmirror
 * monitor} reads). The first reply is {@code {"ok":true,"result":{"name":...,"uuid":...}}}, then
 * one event object ({@link EventJson}) per line until the client closes or the array stops
 * (DeviceDisappeared is the last line). The connection holds one of the server's subscriber
 * places, not a client slot; a client that stops reading is dropped after the idle time (the
 * write fails), and events it missed meanwhile are counted by the array's bounded queue.
 */
final class SubscribeRequest implements RequestHandler {
    /** How often the session looks whether the client went away while no event comes. */
    private static final long LOOK_MILLIS = 200;

    @Override
    public String name() {
        return "subscribe";
    }

    @Override
    public boolean serializedWithManage() {
        return false;
    }

    @Override
    public JsonNode handle(Request r) throws IOException {
        r.becomeSubscriber();
        RaidArray array = r.array();
        // One place: the subscription's own bounded queue is where events wait (and are counted
        // when dropped); this hand-off only blocks the subscription's delivery thread.
        BlockingQueue<ArrayEvent> handOff = new ArrayBlockingQueue<>(1);
        try (ArrayEventSubscription sub = array.subscribe(e -> {
            try {
                handOff.put(e);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        })) {
            var st = array.status();
            ReplyStream out = r.stream(ControlJson.MAPPER.createObjectNode().put("name", st.name())
                    .put("uuid", st.uuid()));
            while (true) {
                ArrayEvent e = handOff.poll(LOOK_MILLIS, TimeUnit.MILLISECONDS);
                if (e != null) {
                    out.send(EventJson.of(e));
                    if (ArrayEvent.DEVICE_DISAPPEARED.equals(e.event())) {
                        return null;
                    }
                } else if (out.clientClosed() || (sub.done() && handOff.isEmpty())) {
                    return null;
                }
            }
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
