package dev.statestore;

import java.util.List;

/**
 * A {@link Surgery#apply} that stopped part way, after its first deployment had begun: a writer changed a record
 * since the plan read it (a conditional write failed), a newer deployment fenced it, or the store became unreachable.
 * The cause says which. Its deployments were ended as failed (where the store could still be reached); the writes
 * made so far are in the history as theirs, so a restore to the version before each undoes them.
 */
public final class SurgeryIncompleteException extends StateStoreException {

    private final SurgeryPlan plan;
    private final List<Long> deployments;
    private final int applied;

    public SurgeryIncompleteException(SurgeryPlan plan, List<Long> deployments, int applied,
            StateStoreException cause) {
        super("the " + plan.operation() + " of " + plan.scope() + " stopped after " + applied + " of "
                + plan.steps().size() + " writes (deployments " + deployments + "): " + cause.getMessage()
                + "; plan it again to see what is left", cause);
        this.plan = plan;
        this.deployments = List.copyOf(deployments);
        this.applied = applied;
    }

    public SurgeryPlan plan() {
        return plan;
    }

    /** The deployment each scope's writes were made in, as {@link SurgeryResult#deployments()}. */
    public List<Long> deployments() {
        return deployments;
    }

    /** The writes made before it stopped: the plan's first {@code applied} steps. */
    public int applied() {
        return applied;
    }

    @Override
    public boolean isRetryable() {
        return getCause() instanceof StateStoreException cause && cause.isRetryable();
    }
}
