package dev.statestore.micrometer;

import dev.statestore.ScopeId;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import io.micrometer.observation.Observation;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A store whose every call is observed; scopes and deployments handed out are observed too. */
final class ObservedStore implements StateStore {

    /** Leases opened in this process and not ended yet, by token; the oldest are dropped past this many. */
    private static final int OPEN_LEASES = 1000;

    private final StateStore store;
    private final Observer observer;
    private final Map<String, Observation> leases = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Observation> eldest) {
            if (size() > OPEN_LEASES) {
                // Ended elsewhere (taken over, or by another process): no longer measurable from here.
                eldest.getValue().lowCardinalityKeyValue("ended_by", "unknown").stop();
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

    void leaseOpened(ScopeId scope, String token, String how) {
        Observation lease = observer.lease(how);
        synchronized (leases) {
            leases.put(key(scope, token), lease);
        }
    }

    void leaseEnded(ScopeId scope, String token, String how) {
        Observation lease;
        synchronized (leases) {
            lease = leases.remove(key(scope, token));
        }
        if (lease != null) {
            lease.lowCardinalityKeyValue("ended_by", how).stop();
        }
    }

    /** A force-release ends whatever lease this process held in the scope: the scope's lock is free. */
    void leasesEnded(ScopeId scope) {
        String prefix = key(scope, "");
        synchronized (leases) {
            leases.entrySet().removeIf(e -> {
                if (e.getKey().startsWith(prefix)) {
                    e.getValue().lowCardinalityKeyValue("ended_by", "force_release").stop();
                    return true;
                }
                return false;
            });
        }
    }
}
