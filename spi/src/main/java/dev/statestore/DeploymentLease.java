package dev.statestore;

import java.util.Objects;

/**
 * An open deployment held by the caller. {@link #token()} is the capability that appends to its journal,
 * heartbeats and ends it (and renews or releases it as a deploy lock); {@code toString()} leaves it out so that it
 * does not end up in logs. {@link #version()} is the fencing token of the writes made under it.
 */
public record DeploymentLease(ScopeId scope, long version, String token) {

    public DeploymentLease {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(token, "token");
    }

    @Override
    public String toString() {
        return "DeploymentLease[" + scope + ", version " + version + "]";
    }
}
