package dev.statestore.internal;

import java.time.Duration;

/**
 * Internal: what the shared layer keeps of a scope's past, from the store URL's options (see {@link
 * dev.statestore.StateStores}).
 *
 * @param journals the newest deployments whose journals are kept
 * @param history whether writes are recorded in the history
 * @param historyDeployments the newest deployments at whose end the scope can still be rebuilt exactly
 * @param historyAge how old a deployment may be (by its end) and still be in that window
 */
public record Retention(int journals, boolean history, int historyDeployments, Duration historyAge) {

    public static final Retention DEFAULT = new Retention(dev.statestore.StateStores.DEFAULT_JOURNALS, true,
            dev.statestore.StateStores.DEFAULT_HISTORY_DEPLOYMENTS,
            Duration.ofDays(dev.statestore.StateStores.DEFAULT_HISTORY_DAYS));

    /**
     * Whether the history is pruned after deployment {@code version} ended: about ten times per window, so a scope's
     * changes are scanned once every tenth of the window rather than after every deployment.
     */
    boolean prunesHistoryAfter(long version) {
        return history && version > historyDeployments && version % Math.max(1, historyDeployments / 10) == 0;
    }
}
