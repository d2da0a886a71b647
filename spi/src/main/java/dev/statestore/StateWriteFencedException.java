package dev.statestore;

/**
 * A fenced write was refused, and wrote nothing: a deployment newer than its fence has begun, so the deploy that
 * made it has lost its lease (see {@link StateScope#fenced}). Never retryable: that lease is gone for good.
 */
public class StateWriteFencedException extends StateStoreException {

    private final ScopeId scope;
    private final long fence;

    public StateWriteFencedException(ScopeId scope, long fence) {
        super("a write fenced by deployment " + fence + " of " + scope + " was refused: deployment " + (fence + 1)
                + " or a later one has begun since");
        this.scope = scope;
        this.fence = fence;
    }

    public ScopeId scope() {
        return scope;
    }

    /** The deployment version the write was fenced by. */
    public long fence() {
        return fence;
    }
}
