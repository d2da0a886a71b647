package dev.statestore.micrometer;

import io.micrometer.observation.Observation;
import org.jspecify.annotations.Nullable;

/**
 * The context of one store call's observation: its tags as key values (for every handler) and as fields, so that
 * {@link StoreMeterHandler} keys its meters without building tags from key values on each call.
 */
final class StoreCall extends Observation.Context {

    final String backend;
    final String operation;
    /** Set when the call ends: its {@code outcome} and {@code exception} tags. */
    @Nullable String outcome;
    @Nullable String exception;
    /** The meter registry clock's reading when {@link StoreMeterHandler} saw the call start. */
    long startedNanos;

    StoreCall(String backend, String operation) {
        this.backend = backend;
        this.operation = operation;
    }
}
