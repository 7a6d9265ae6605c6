package io.bitmirror.tools.control;

import com.fasterxml.jackson.databind.JsonNode;

/** {@code {"request":"detail"}}: the detail object of docs/CONTROL.md, from one snapshot of the array. */
final class DetailRequest implements RequestHandler {
    @Override
    public String name() {
        return "detail";
    }

    @Override
    public boolean serializedWithManage() {
        // The array's own snapshot is consistent; detail runs alongside manage requests.
        return false;
    }

    @Override
    public JsonNode handle(Request r) {
        return DetailJson.of(r.array(), r.exportUri());
    }
}
