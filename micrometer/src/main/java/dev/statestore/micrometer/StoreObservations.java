package dev.statestore.micrometer;

import dev.statestore.StateStore;
import io.micrometer.observation.ObservationRegistry;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Metrics and traces of every call of a {@link StateStore}, through Micrometer's Observation API: with a
 * {@link #meterHandler} (or Micrometer's {@code DefaultMeterObservationHandler}) the calls become timers and counters
 * in the application's meter registry;
 * with micrometer-tracing's OpenTelemetry bridge they become spans. What is observed, with what names and tags, is
 * listed in {@code docs/observability.md}; no tag holds an fqn, a stack or stage name, a document or a credential.
 *
 * <p>Two ways in: {@link #observe} wraps one store the application opened; {@link #observeUrlOpens} sets the
 * registry every later {@link dev.statestore.StateStores#open(String)} uses (this module's
 * {@link dev.statestore.spi.StateStoreDecorator}). Without either, nothing is wrapped and nothing is paid.
 */
public final class StoreObservations {

    private static volatile ObservationRegistry urlOpens = ObservationRegistry.NOOP;

    private StoreObservations() {}

    /**
     * The store, observed in {@code registry}; the store itself if the registry is a no-op one. Closing the result
     * closes the store.
     *
     * @param backend the backend's name for the {@code backend} tag ({@code postgresql}, {@code s3}, ...)
     */
    public static StateStore observe(StateStore store, ObservationRegistry registry, String backend) {
        return observe(store, registry, backend, null, null);
    }

    /**
     * As {@link #observe(StateStore, ObservationRegistry, String)}, and the size of every document written as the
     * distribution summary {@code statestore.document.size} in {@code meters} (the one meter an observation cannot
     * make: this form needs micrometer-core on the classpath).
     */
    public static StateStore observe(StateStore store, ObservationRegistry registry, String backend,
            io.micrometer.core.instrument.MeterRegistry meters) {
        Objects.requireNonNull(meters, "meters");
        return observe(store, registry, backend, DocumentSizes.of(meters, backend), DocumentSizes.outputs(meters, backend));
    }

    /**
     * The handler to register for metrics in {@code meters} (needs micrometer-core): store calls recorded by a
     * {@link StoreMeterHandler}, every other observation by Micrometer's {@code DefaultMeterObservationHandler} without
     * a long task timer per observation. The same meters as the default handler alone makes, at less cost a call.
     */
    public static io.micrometer.observation.ObservationHandler<io.micrometer.observation.Observation.Context> meterHandler(
            io.micrometer.core.instrument.MeterRegistry meters) {
        return new io.micrometer.observation.ObservationHandler.FirstMatchingCompositeObservationHandler(
                new StoreMeterHandler(meters), new io.micrometer.core.instrument.observation.DefaultMeterObservationHandler(
                        meters, io.micrometer.core.instrument.observation.DefaultMeterObservationHandler.IgnoredMeters
                                .LONG_TASK_TIMER));
    }

    private static StateStore observe(StateStore store, ObservationRegistry registry, String backend,
            java.util.function.@Nullable LongConsumer recordSizes, java.util.function.@Nullable LongConsumer outputSizes) {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(backend, "backend");
        if (registry.isNoop() || store instanceof ObservedStore) {
            return store;
        }
        return new ObservedStore(store, new Observer(registry, backend, recordSizes, outputSizes));
    }

    /**
     * The registry that every store {@link dev.statestore.StateStores#open(String)} opens from now on is observed in
     * (the URL's scheme as the backend); {@link ObservationRegistry#NOOP} turns it off again. Stores already open are
     * unchanged.
     */
    public static void observeUrlOpens(ObservationRegistry registry) {
        urlOpens = Objects.requireNonNull(registry, "registry");
    }

    static ObservationRegistry urlOpens() {
        return urlOpens;
    }
}
