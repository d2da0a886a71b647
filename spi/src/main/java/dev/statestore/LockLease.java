package dev.statestore;

import java.util.Objects;

/**
 * A deploy lock held by the caller. {@link #lockId()} is the capability that renews and releases it;
 * {@code toString()} leaves it out so that it does not end up in logs.
 */
public record LockLease(ScopeId scope, String lockId, LockInfo info) {

    public LockLease {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(lockId, "lockId");
        Objects.requireNonNull(info, "info");
    }

    public long fencingToken() {
        return info.fencingToken();
    }

    @Override
    public String toString() {
        return "LockLease[" + scope + ", " + info + "]";
    }
}
