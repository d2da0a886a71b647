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
        records = java.util.Collections.unmodifiableMap(inOrder(records));
    }

    /** A copy in fqn order: records read in that order (as getAll reads them) are copied as they come, not sorted. */
    private static Map<String, Versioned<ResourceState>> inOrder(Map<String, Versioned<ResourceState>> records) {
        String previous = null;
        for (String fqn : records.keySet()) {
            if (previous != null && StateNames.ORDER.compare(previous, fqn) >= 0) {
                java.util.TreeMap<String, Versioned<ResourceState>> sorted = new java.util.TreeMap<>(StateNames.ORDER);
                sorted.putAll(records);
                return sorted;
            }
            previous = fqn;
        }
        return new java.util.LinkedHashMap<>(records);
    }
}
