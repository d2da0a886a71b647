package dev.statestore;

/**
 * An error about one deployment of a scope, named by its version: the version does not exist
 * ({@link DeploymentNotFoundException}) or the caller's token does not hold it ({@link DeploymentTokenInvalidException}).
 */
public abstract class DeploymentException extends StateStoreException {

    private final ScopeId scope;
    private final long version;

    protected DeploymentException(ScopeId scope, long version, String message) {
        super(message);
        this.scope = scope;
        this.version = version;
    }

    public ScopeId scope() {
        return scope;
    }

    /** The version the call named. */
    public long version() {
        return version;
    }
}
