package dev.statestore;

import java.util.Objects;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * An open deployment held by the caller. {@link #token()} is the capability that appends to its journal,
 * heartbeats and ends it (and renews or releases it as a deploy lock); {@code toString()} leaves it out so that it
 * does not end up in logs. {@link #version()} is the fencing token of the writes made under it.
 *
 * @param tookOver the version of the open deployment this begin closed as abandoned (stale, or superseded), if it
 *     did and the store says so (a server's deployments do not)
 */
public record DeploymentLease(ScopeId scope, long version, String token, @Nullable Long tookOver) {

    public DeploymentLease {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(token, "token");
    }

    public DeploymentLease(ScopeId scope, long version, String token) {
        this(scope, version, token, null);
    }

    /** The version of the deployment this begin took over, if any. */
    public OptionalLong tookOverVersion() {
        return tookOver == null ? OptionalLong.empty() : OptionalLong.of(tookOver);
    }

    @Override
    public String toString() {
        return "DeploymentLease[" + scope + ", version " + version + (tookOver == null ? "" : ", took over " + tookOver)
                + "]";
    }
}
