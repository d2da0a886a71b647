package dev.statestore.spi;

import dev.statestore.ScopeId;
import java.time.Instant;
import java.util.Optional;

/**
 * What a backend supplies for its deploy locks: one small document per scope that it can read and
 * compare-and-set, as ShedLock's storage accessors and Bucket4j's compare-and-swap do. {@link DeployLocks#overLeases}
 * turns it into the locks; the backend never computes a lease itself.
 *
 * <p>Implementations are thread-safe. Unreachable: {@link dev.statestore.StateStoreUnavailableException}; a stored
 * document that is not a lease: {@link dev.statestore.CorruptStateException}, naming where it is.
 */
public interface LeaseStore {

    /** The scope's lease document as stored, with whatever {@link #compareAndSetLease} needs to recognise it. */
    Optional<StoredLease> readLease(ScopeId scope);

    /**
     * Stores {@code next} as the scope's lease document if the stored one is still {@code expected} (empty: none is
     * stored), as one atomic step of the backend.
     *
     * @return false, writing nothing, if another writer changed the document since {@code expected} was read
     */
    boolean compareAndSetLease(ScopeId scope, Optional<StoredLease> expected, LockState next);

    /**
     * The time leases are measured on. The default is this process's clock; a backend with a clock of its own that
     * every client shares (a database server's) returns that, so that clients whose clocks differ agree on when a
     * lease runs out. A value read a little late only makes a lease look held a little longer.
     */
    default Instant leaseTime(ScopeId scope) {
        return Instant.now();
    }
}
