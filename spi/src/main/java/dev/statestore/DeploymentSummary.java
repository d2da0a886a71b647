package dev.statestore;

import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * What a deployment did, recorded by {@link Deployments#end} for lists that should not read journals.
 *
 * @param counts the number of each action ({@code create: 3, update: 1}), copied and sorted
 * @param error a short digest of the failure, for a failed deployment
 */
public record DeploymentSummary(Map<String, Long> counts, @Nullable String error) {

    public DeploymentSummary {
        counts = java.util.Collections.unmodifiableMap(new TreeMap<>(counts));
    }
}
