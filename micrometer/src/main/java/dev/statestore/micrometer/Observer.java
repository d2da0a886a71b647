package dev.statestore.micrometer;

import dev.statestore.CorruptStateException;
import dev.statestore.DeploymentInProgressException;
import dev.statestore.DeploymentNotFoundException;
import dev.statestore.DeploymentTokenInvalidException;
import dev.statestore.InvalidStateException;
import dev.statestore.LockConflictException;
import dev.statestore.StateConflictException;
import dev.statestore.StateNotFoundException;
import dev.statestore.StateStoreUnavailableException;
import dev.statestore.StateWriteFencedException;
import dev.statestore.spi.ClientRetries;
import io.micrometer.common.KeyValues;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/** Runs a store call as an observation named {@value #CALL}, tagged with the backend, the operation and the outcome. */
final class Observer {

    static final String CALL = "statestore.call";
    static final String LEASE = "statestore.lease";
    static final String TAKEOVER = "statestore.lease.takeover";
    static final String HEARTBEAT_MISSED = "statestore.lease.heartbeat.missed";
    /** A request the backend's client sent again ({@link ClientRetries}): an event of the call, counted per call's tags. */
    private static final Observation.Event RETRY = Observation.Event.of("retry");

    private final ObservationRegistry registry;
    private final String backend;
    /** Told the UTF-8 size of each record and stack output written; null without a meter registry (nothing measured). */
    final @Nullable LongConsumer recordSizes;
    final @Nullable LongConsumer outputSizes;

    Observer(ObservationRegistry registry, String backend, @Nullable LongConsumer recordSizes,
            @Nullable LongConsumer outputSizes) {
        this.registry = registry;
        this.backend = backend;
        this.recordSizes = recordSizes;
        this.outputSizes = outputSizes;
    }

    /** What each operation's observations start with, made once: a call allocates as little as it can. */
    private record Operation(KeyValues tags, String contextualName) {}

    private final Map<String, Operation> operations = new ConcurrentHashMap<>();

    private static final KeyValues SUCCEEDED = KeyValues.of("outcome", "ok", "exception", "none");

    <T> T call(String operation, Supplier<T> work) {
        Operation prepared = operations.computeIfAbsent(operation, op -> new Operation(
                KeyValues.of("backend", backend, "operation", op), "statestore " + op));
        Observation observation = Observation.createNotStarted(CALL, StoreCall::new, registry)
                .lowCardinalityKeyValues(prepared.tags())
                .contextualName(prepared.contextualName());
        observation.start();
        // Retries the backend's client makes during this call become its events (statestore.call.retry).
        ClientRetries.Listener outer = ClientRetries.listen(client -> {
            // A read still running on a backend's pool after the call failed is not counted: the event would carry
            // the outcome's tags too, and a meter's tag keys must not change.
            if (observation.getContext().getLowCardinalityKeyValue("outcome") == null) {
                observation.event(RETRY);
            }
        });
        try (Observation.Scope scope = observation.openScope()) {
            T result = work.get();
            observation.lowCardinalityKeyValues(SUCCEEDED);
            return result;
        } catch (RuntimeException e) {
            String outcome = outcome(e);
            // The exception's class, never its message: messages name records and scopes, which no tag or span
            // carries (cardinality, and what the state holds).
            observation.lowCardinalityKeyValue("outcome", outcome)
                    .lowCardinalityKeyValue("exception", e.getClass().getSimpleName());
            if (outcome.equals("conflict") || outcome.equals("fenced") || outcome.equals("in_progress")) {
                // Counted on their own too: statestore.call.conflict, .fenced, .in_progress.
                observation.event(Observation.Event.of(outcome));
            }
            throw e;
        } finally {
            ClientRetries.listen(outer);
            observation.stop();
        }
    }

    void run(String operation, Runnable work) {
        call(operation, () -> {
            work.run();
            return null;
        });
    }

    /** A begin that closed an open deployment as abandoned: counted as {@value #TAKEOVER}. */
    void tookOver() {
        Observation.createNotStarted(TAKEOVER, registry).lowCardinalityKeyValue("backend", backend).start().stop();
    }

    /** A heartbeat made later than its lease's ttl after the one before: counted as {@value #HEARTBEAT_MISSED}. */
    void heartbeatMissed() {
        Observation.createNotStarted(HEARTBEAT_MISSED, registry).lowCardinalityKeyValue("backend", backend).start().stop();
    }

    /** An observation of a held lease, from the begin (or acquire) that opened it to its end in this process. */
    Observation lease(String how) {
        return Observation.createNotStarted(LEASE, registry)
                .lowCardinalityKeyValue("backend", backend)
                .lowCardinalityKeyValue("opened_by", how)
                .contextualName("statestore lease").start();
    }

    /** The outcome tag of each exception a store throws, most specific first. */
    private static final List<Map.Entry<Class<? extends RuntimeException>, String>> OUTCOMES = List.of(
            Map.entry(StateWriteFencedException.class, "fenced"),
            Map.entry(StateConflictException.class, "conflict"),
            Map.entry(DeploymentInProgressException.class, "in_progress"),
            Map.entry(LockConflictException.class, "lock_conflict"),
            Map.entry(StateNotFoundException.class, "not_found"),
            Map.entry(DeploymentNotFoundException.class, "not_found"),
            Map.entry(DeploymentTokenInvalidException.class, "token_invalid"),
            Map.entry(StateStoreUnavailableException.class, "unavailable"),
            Map.entry(CorruptStateException.class, "corrupt"),
            Map.entry(InvalidStateException.class, "invalid"));

    /** What a caller does next, as a tag: the classes a store throws, never their messages. */
    static String outcome(RuntimeException e) {
        for (Map.Entry<Class<? extends RuntimeException>, String> outcome : OUTCOMES) {
            if (outcome.getKey().isInstance(e)) {
                return outcome.getValue();
            }
        }
        return "error";
    }
}
