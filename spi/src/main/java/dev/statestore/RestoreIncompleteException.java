package dev.statestore;

/**
 * A restore that stopped part way, after its deployment had begun: a writer changed a record it was about to write
 * back (its conditional write failed), a newer deployment fenced it, or the store became unreachable. The cause says
 * which. The deployment was ended as failed (when the store could still be reached), and the changes made so far
 * are in the history as that deployment's. Restoring to the same deployment again continues: it writes back only
 * what still differs.
 */
public final class RestoreIncompleteException extends StateStoreException {

    private final ScopeId scope;
    private final long restoredTo;
    private final long deployment;
    private final int applied;
    private final int planned;

    public RestoreIncompleteException(ScopeId scope, long restoredTo, long deployment, int applied, int planned,
            StateStoreException cause) {
        super("the restore of " + scope + " to deployment " + restoredTo + " (deployment " + deployment + ") stopped after "
                + applied + " of " + planned + " writes: " + cause.getMessage() + "; restoring to " + restoredTo
                + " again writes back what still differs", cause);
        this.scope = scope;
        this.restoredTo = restoredTo;
        this.deployment = deployment;
        this.applied = applied;
        this.planned = planned;
    }

    public ScopeId scope() {
        return scope;
    }

    public long restoredTo() {
        return restoredTo;
    }

    /** The restore's own deployment, which holds the writes it made. */
    public long deployment() {
        return deployment;
    }

    /** The writes made before it stopped. */
    public int applied() {
        return applied;
    }

    /** The writes the restore set out to make. */
    public int planned() {
        return planned;
    }

    @Override
    public boolean isRetryable() {
        return getCause() instanceof StateStoreException cause && cause.isRetryable();
    }
}
