package dev.statestore;

import java.util.Objects;
import java.util.Optional;

/**
 * The deploy lock of a scope could not be taken, renewed or released: another owner holds it, or the caller's
 * lock id is not the current lease's (it expired and someone else took it, or it was force-released).
 * {@link #holder()} describes the lease in force, if any; it never reveals that lease's id. Not a
 * {@link StateConflictException}: no record and no record version are involved.
 */
public class LockConflictException extends StateStoreException {

    private final ScopeId scope;
    private final LockInfo holder;

    public LockConflictException(ScopeId scope, String message, Optional<LockInfo> holder) {
        super(message + " (" + scope + (holder.isPresent() ? ", held by " + holder.get() : ", not held") + ")");
        this.scope = Objects.requireNonNull(scope, "scope");
        this.holder = holder.orElse(null);
    }

    /** The scope whose lock it is. */
    public ScopeId scope() {
        return scope;
    }

    /** The lease in force when the call failed, empty when the lock was free. */
    public Optional<LockInfo> holder() {
        return Optional.ofNullable(holder);
    }
}
