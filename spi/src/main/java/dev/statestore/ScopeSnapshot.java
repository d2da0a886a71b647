package dev.statestore;

import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A scope as it was at one point, rebuilt from its history ({@link History#at}) or read now: every record with
 * the version it had then, and the stack output.
 *
 * @param deployment the deployment at whose end the scope was so, 0 for the scope as it is now
 * @param records by fqn, in fqn order
 */
public record ScopeSnapshot(ScopeId scope, long deployment, Map<String, Versioned<ResourceState>> records,
        @Nullable Versioned<StackOutput> output) {

    public ScopeSnapshot {
        Objects.requireNonNull(scope, "scope");
        java.util.TreeMap<String, Versioned<ResourceState>> sorted = new java.util.TreeMap<>(StateNames.ORDER);
        sorted.putAll(records);
        records = java.util.Collections.unmodifiableMap(sorted);
    }
}
