package dev.statestore.micrometer;

import dev.statestore.ScopeId;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import io.micrometer.observation.Observation;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** A store whose every call is observed; scopes and deployments handed out are observed too. */
final class ObservedStore implements StateStore {

    /** Leases opened in this process and not ended yet, by token; the oldest are dropped past this many. */
    private static final int OPEN_LEASES = 1000;

    private final StateStore store;
    private final Observer observer;
    /** A lease held here: its observation, its ttl, and when it was last begun or heartbeaten (System.nanoTime). */
    private record Held(Observation observation, long ttlNanos, long beatNanos) {}

    private final Map<String, Held> leases = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Held> eldest) {
            if (size() > OPEN_LEASES) {
                // Ended elsewhere (taken over, or by another process): no longer measurable from here.
                eldest.getValue().observation().lowCardinalityKeyValue("ended_by", "unknown").stop();
                return true;
            }
            return false;
        }
    };

    ObservedStore(StateStore store, Observer observer) {
        this.store = store;
        this.observer = observer;
    }

    @Override
    public StateScope scope(String stack, String stage) {
        return new ObservedScope(store.scope(stack, stage), observer, this);
    }

    @Override
    public List<String> stacks() {
        return observer.call("stacks", store::stacks);
    }

    @Override
    public List<String> stages(String stack) {
        return observer.call("stages", () -> store.stages(stack));
    }

    @Override
    public void deleteStack(String stack) {
        observer.run("deleteStack", () -> store.deleteStack(stack));
    }

    @Override
    public List<String> diagnose() {
        return observer.call("diagnose", store::diagnose);
    }

    @Override
    public String describe() {
        return store.describe();
    }

    @Override
    public dev.statestore.StoreLimits limits() {
        return store.limits();
    }

    @Override
    public void close() {
        store.close();
    }

    @Override
    public String toString() {
        return store.toString();
    }

    // ---- leases held by this process ----------------------------------------------------------------

    private static String key(ScopeId scope, String token) {
        return scope.stack() + '\u0000' + scope.stage() + '\u0000' + token;
    }

    void leaseOpened(ScopeId scope, String token, String how, Duration ttl) {
        Observation lease = observer.lease(how);
        synchronized (leases) {
            leases.put(key(scope, token), new Held(lease, ttl.toNanos(), System.nanoTime()));
        }
    }

    /**
     * A heartbeat (or a renewal) of a lease held here, about to be made: missed if the one before it (or the begin)
     * is older than the lease's ttl, so that any begin meanwhile could have closed the deployment as abandoned.
     *
     * @return the time to note as the lease's last heartbeat once this one is made
     */
    long leaseBeating(ScopeId scope, String token) {
        long now = System.nanoTime();
        Held held;
        synchronized (leases) {
            held = leases.get(key(scope, token));
        }
        if (held != null && now - held.beatNanos() > held.ttlNanos()) {
            observer.heartbeatMissed();
        }
        return now;
    }

    /** The heartbeat begun at {@code at} was made: the lease's ttl from now on is {@code ttl} (null: unchanged). */
    void leaseBeaten(ScopeId scope, String token, long at, @Nullable Duration ttl) {
        synchronized (leases) {
            leases.computeIfPresent(key(scope, token), (k, held) -> new Held(held.observation(),
                    ttl != null ? ttl.toNanos() : held.ttlNanos(), Math.max(at, held.beatNanos())));
        }
    }

    void leaseEnded(ScopeId scope, String token, String how) {
        Held lease;
        synchronized (leases) {
            lease = leases.remove(key(scope, token));
        }
        if (lease != null) {
            lease.observation().lowCardinalityKeyValue("ended_by", how).stop();
        }
    }

    /** A force-release ends whatever lease this process held in the scope: the scope's lock is free. */
    void leasesEnded(ScopeId scope) {
        String prefix = key(scope, "");
        synchronized (leases) {
            leases.entrySet().removeIf(e -> {
                if (e.getKey().startsWith(prefix)) {
                    e.getValue().observation().lowCardinalityKeyValue("ended_by", "force_release").stop();
                    return true;
                }
                return false;
            });
        }
    }
}
