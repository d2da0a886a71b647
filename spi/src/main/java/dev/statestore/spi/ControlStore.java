package dev.statestore.spi;

import dev.statestore.ScopeId;
import java.time.Instant;
import java.util.Optional;

/**
 * What a backend supplies for deployments and deploy locks: small JSON documents per scope, by name, that it can
 * read, create, compare-and-set and delete, as ShedLock's storage accessors and Bucket4j's compare-and-swap do.
 * {@link DeploymentJournal#overControlDocuments} builds the deployments, their journals and the deploy lock on it;
 * the backend never computes a lease itself.
 *
 * <p>Names are short ASCII paths ({@code head}, {@code deployment/12}, {@code events/12/1-40-k3j9}: lower-case
 * letters, digits, {@code / - _}), kept apart from the scope's records: no listing of records shows them, and
 * deleting a scope's records or a stack leaves them (versions are never reused).
 *
 * <p>A backend that supports fenced writes checks in the same atomic step as the write that the document
 * {@link #deploymentName deploymentName(fence + 1)} does not exist.
 *
 * <p>Implementations are thread-safe. Unreachable: {@link dev.statestore.StateStoreUnavailableException}.
 */
public interface ControlStore {

    /** The document {@code name} of the scope as stored, with whatever {@link #compareAndSet} needs to recognise it. */
    Optional<ControlDocument> read(ScopeId scope, String name);

    /**
     * Stores {@code json} as document {@code name} if the stored one is still {@code expected} (empty: none may be
     * stored), as one atomic step of the backend.
     *
     * @return false, writing nothing, if another writer changed the document since {@code expected} was read
     */
    boolean compareAndSet(ScopeId scope, String name, Optional<ControlDocument> expected, String json);

    /** Deletes document {@code name} if it is still {@code expected}. @return false if it changed or is gone */
    boolean delete(ScopeId scope, String name, ControlDocument expected);

    /**
     * The time leases are measured on. The default is this process's clock; a backend with a clock of its own that
     * every client shares (a database server's) returns that, so that clients whose clocks differ agree on when a
     * lease runs out. A value read a little late only makes a lease look held a little longer.
     */
    default Instant time(ScopeId scope) {
        return Instant.now();
    }

    /**
     * Whose clock {@link #time} reads: {@link dev.statestore.StoreLimits.LeaseClock#CLIENT} (the default) unless
     * {@link #time} is overridden with a clock every client shares, which then returns
     * {@link dev.statestore.StoreLimits.LeaseClock#STORE}.
     */
    default dev.statestore.StoreLimits.LeaseClock leaseClock() {
        return dev.statestore.StoreLimits.LeaseClock.CLIENT;
    }

    /**
     * How long a {@code begin} that took over an open deployment (stale, superseded) waits before it returns, so that
     * the fenced writes of the deployment it took over that checked their fence before the takeover have landed:
     * zero (the default) where the check and the write are one atomic step, as they must be wherever the backend
     * allows; S3 returns its measured window.
     */
    default java.time.Duration fenceSettling() {
        return java.time.Duration.ZERO;
    }

    /**
     * The deploy lock a release before deployments stored for the scope, if any: the first deployment operation
     * on the scope turns it into a deployment record (a held lock stays held, by the same id, with the same token
     * as its version), after which it is never read again.
     */
    default Optional<LockState> legacyLock(ScopeId scope) {
        return Optional.empty();
    }

    /** What the names of deployment records start with: creating one claims that version. */
    String DEPLOYMENT_PREFIX = "deployment/";

    /** The name of the record of deployment {@code version}: what a fenced write checks for. */
    static String deploymentName(long version) {
        return DEPLOYMENT_PREFIX + version;
    }
}
