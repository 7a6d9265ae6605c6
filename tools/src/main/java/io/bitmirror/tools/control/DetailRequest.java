package io.bitmirror.tools.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

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
        ObjectNode d = DetailJson.of(r.array(), r.exportUri());
        String file = r.server().bitmapFile();
        if (file != null && !"Internal".equals(d.path("intentBitmap").asText())) {
            d.put("intentBitmap", file);
        }
        return d;
    }
}
