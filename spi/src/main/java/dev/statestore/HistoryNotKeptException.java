package dev.statestore;

/**
 * The history does not reach back far enough to answer: history is off for the store ({@code history=off}), or a
 * record's state at the point asked for is older than what the history keeps (retention pruned it, or the record was
 * written before history was turned on).
 */
public final class HistoryNotKeptException extends StateStoreException {

    private final ScopeId scope;

    public HistoryNotKeptException(ScopeId scope, String message) {
        super(message);
        this.scope = scope;
    }

    public ScopeId scope() {
        return scope;
    }
}
