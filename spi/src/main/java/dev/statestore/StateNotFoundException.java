package dev.statestore;

/**
 * A record that the caller required ({@link StateScope#require(String)}) does not exist. Conditional
 * writes on a missing record throw {@link StateConflictException} instead, since their condition failed.
 */
public class StateNotFoundException extends StateStoreException {

    private final ScopeId scope;
    private final String fqn;

    public StateNotFoundException(ScopeId scope, String fqn) {
        super("no record '" + fqn + "' in " + scope);
        this.scope = scope;
        this.fqn = fqn;
    }

    public ScopeId scope() {
        return scope;
    }

    public String fqn() {
        return fqn;
    }
}
