package dev.statestore.micrometer;

import io.micrometer.common.KeyValue;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.MeterObservationHandler;
import io.micrometer.observation.Observation;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Records store calls ({@code statestore.call}) as the same meters Micrometer's {@code DefaultMeterObservationHandler}
 * makes of them, with fewer objects per call: the timer of each backend, operation, outcome and exception is looked
 * up by those four key values, not by tags built from all of the observation's key values, and the start is a clock
 * reading kept on the call's context rather than a {@code Timer.Sample} in its map. Meters: the timer {@code statestore.call}
 * (tags {@code backend}, {@code operation}, {@code outcome}, {@code exception}, {@code error}) and a counter per event
 * ({@code statestore.call.conflict}, {@code .fenced}, {@code .in_progress}, {@code .retry}), as the default handler
 * names and tags them; no long task timer. Key values an {@code ObservationFilter} adds are not tags here: with such
 * a filter, use the default handler.
 *
 * <p>It handles store calls only ({@link #supportsContext}): put it before the default handler, which records the
 * rest (the lease, takeovers, missed heartbeats), in one first-matching composite so that no call is recorded twice:
 * {@link StoreObservations#meterHandler} makes it.
 * Thread-safe.
 */
public final class StoreMeterHandler implements MeterObservationHandler<Observation.Context> {

    private record CallKey(String backend, String operation, String outcome, String exception, String error) {}

    private final MeterRegistry meters;
    private final Map<CallKey, Timer> timers = new ConcurrentHashMap<>();

    public StoreMeterHandler(MeterRegistry meters) {
        this.meters = Objects.requireNonNull(meters, "meters");
    }

    @Override
    public boolean supportsContext(Observation.Context context) {
        return context instanceof StoreCall;
    }

    @Override
    public void onStart(Observation.Context context) {
        ((StoreCall) context).startedNanos = meters.config().clock().monotonicTime();
    }

    @Override
    public void onStop(Observation.Context context) {
        StoreCall call = (StoreCall) context;
        long elapsed = meters.config().clock().monotonicTime() - call.startedNanos;
        Throwable error = call.getError();
        CallKey key = new CallKey(value(call, "backend"), value(call, "operation"), value(call, "outcome"),
                value(call, "exception"), error == null ? "none" : error.getClass().getSimpleName());
        timers.computeIfAbsent(key, k -> Timer.builder(call.getName()).tags(tags(call)).tag("error", k.error())
                .register(meters)).record(elapsed, TimeUnit.NANOSECONDS);
    }

    /** One of the call's key values, looked up by its key (no tags built); "none" if it has none. */
    private static String value(Observation.Context context, String key) {
        KeyValue value = context.getLowCardinalityKeyValue(key);
        return value == null ? "none" : value.getValue();
    }

    @Override
    public void onEvent(Observation.Event event, Observation.Context context) {
        // Rare (a conflict, a retry): looked up by tags as the default handler does.
        Counter.builder(context.getName() + "." + event.getName()).tags(tags(context)).register(meters).increment();
    }

    private static Tags tags(Observation.Context context) {
        Tags tags = Tags.empty();
        for (KeyValue value : context.getLowCardinalityKeyValues()) {
            tags = tags.and(value.getKey(), value.getValue());
        }
        return tags;
    }
}
