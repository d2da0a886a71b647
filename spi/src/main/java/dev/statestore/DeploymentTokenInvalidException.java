package dev.statestore;

/**
 * The token given for a deployment is not that deployment's: the caller does not hold it. Never says what the
 * right token is.
 */
public class DeploymentTokenInvalidException extends DeploymentException {

    public DeploymentTokenInvalidException(ScopeId scope, long version) {
        super(scope, version, "that token does not hold deployment " + version + " of " + scope);
    }
}
