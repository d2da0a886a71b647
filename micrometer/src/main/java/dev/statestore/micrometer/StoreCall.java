package dev.statestore.micrometer;

import io.micrometer.observation.Observation;

/**
 * The context of one store call's observation: what tells {@link StoreMeterHandler} the calls it records, and where
 * it keeps the call's start (its tags are the context's key values, as for every handler).
 */
final class StoreCall extends Observation.Context {

    /** The meter registry clock's reading when {@link StoreMeterHandler} saw the call start. */
    long startedNanos;
}
