package dev.statestore;

/** The scope has no deployment of that version (an append, heartbeat, end or journal read named it). */
public class DeploymentNotFoundException extends DeploymentException {

    public DeploymentNotFoundException(ScopeId scope, long version) {
        super(scope, version, "no deployment " + version + " of " + scope);
    }
}
