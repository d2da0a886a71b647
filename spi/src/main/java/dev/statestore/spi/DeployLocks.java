package dev.statestore.spi;

import dev.statestore.LockInfo;
import dev.statestore.LockLease;
import dev.statestore.ScopeId;
import java.time.Duration;
import java.util.Optional;

/**
 * The deploy locks of a backend, one per scope: the lock operations of {@link dev.statestore.StateScope} once the
 * shared layer has checked their arguments. A backend does not write these: it supplies a {@link LeaseStore} and
 * returns {@link #overLeases}, the one implementation every store shares. Only a backend whose lock runs elsewhere
 * (a server that has its own) implements this interface.
 *
 * <p>The contract, which the conformance suite checks: at most one unexpired lease per scope at any instant; the
 * fencing token of a scope grows with every acquisition and never repeats; only the lease's id renews or releases
 * it, and only before it expires; refusals throw {@link dev.statestore.LockConflictException} describing the lease
 * in force (never its id); thread-safe.
 */
public interface DeployLocks {

    /**
     * Takes the lock as lease {@code lockId} if it is free or its lease has expired.
     *
     * @throws dev.statestore.LockConflictException if an unexpired lease holds it
     */
    LockLease acquire(ScopeId scope, String lockId, String owner, Duration ttl);

    /** @throws dev.statestore.LockConflictException if {@code lockId} is not the unexpired lease in force */
    LockLease renew(ScopeId scope, String lockId, Duration ttl);

    /** @throws dev.statestore.LockConflictException if {@code lockId} is not the unexpired lease in force */
    void release(ScopeId scope, String lockId);

    /** The unexpired lease in force, if any. */
    Optional<LockInfo> info(ScopeId scope);

    /** Ends the lease in force, whoever holds it. @return whether one was in force */
    boolean forceRelease(ScopeId scope);

    /**
     * The shared implementation over a backend's compare-and-set of one small lease document per scope: each
     * operation reads the document, computes the next one ({@link LockState}), and writes it only if the document
     * is still the one it read, reading again when another writer came first.
     */
    static DeployLocks overLeases(LeaseStore store) {
        return new LeaseLocks(store);
    }
}
