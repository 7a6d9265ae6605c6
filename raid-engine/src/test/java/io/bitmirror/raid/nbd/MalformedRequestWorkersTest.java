package io.bitmirror.raid.nbd;

/** {@link MalformedRequestTest}'s cases with every request handed to a worker. */
class MalformedRequestWorkersTest extends MalformedRequestTest {
    @Override
    Dispatch dispatch() {
        return Dispatch.WORKERS;
    }
}
