package dev.statestore;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * The deploy lock of a scope could not be taken, renewed or released: another owner holds it, or
 * the caller's lock id is not the current lease's (it expired and someone else took it, or it was
 * force-released). {@link #holder()} describes the lease in force, if any; it never reveals that
 * lease's id. The versions of {@link StateConflictException} do not apply: {@link #key()} is
 * {@code "deploy lock"} and {@link #currentVersion()} is empty.
 */
public class LockConflictException extends StateConflictException {

    private final LockInfo holder;

    public LockConflictException(ScopeId scope, String message, Optional<LockInfo> holder) {
        super(scope, "deploy lock", 0, OptionalLong.empty(), message + " (" + scope + (holder.isPresent() ? ", held by " + holder.get() : ", not held") + ")");
        this.holder = holder.orElse(null);
    }

    /** The lease in force when the call failed, empty when the lock was free. */
    public Optional<LockInfo> holder() {
        return Optional.ofNullable(holder);
    }
}
