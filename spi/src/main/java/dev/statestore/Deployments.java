package dev.statestore;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The deployments of one scope: a numbered sequence of lifecycle records, each with an append-only journal of
 * events, and the lease that lets one deploy at a time run (Alchemy's deployment store). An open deployment is the
 * scope's deploy lock ({@link StateScope#acquireLock} opens one), and its version is the fencing token.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Versions are 1, 2, 3, ... per scope, allocated atomically by {@link #begin}: two racing begins never get the
 *       same one, and none is reused, even after the scope's records are deleted.
 *   <li>At most one live open deployment per scope. An open one is stale once its heartbeat is older than the ttl
 *       of the {@code begin} that finds it; that begin closes it as {@link DeploymentOutcome#ABANDONED}.
 *   <li>Appends are idempotent by {@code seq}; {@link #end} is idempotent (the first outcome stays), and ending an
 *       abandoned deployment records {@link DeploymentOutcome#COMPLETED_LATE}.
 *   <li>Tokens are random, returned once by {@link #begin} and stored only as a hash; no record carries one and
 *       no error reveals one.
 * </ul>
 *
 * <h2>Errors</h2>
 * {@link DeploymentInProgressException} (with the holder's record), {@link DeploymentTokenInvalidException},
 * {@link DeploymentNotFoundException}; {@link InvalidStateException} for bad arguments, before any I/O;
 * {@link CorruptStateException} for a stored document that does not parse; and, as for every call,
 * {@link StateStoreUnavailableException}.
 */
public interface Deployments {

    /** The ttl Alchemy's engine uses when it gives none. */
    Duration DEFAULT_TTL = Duration.ofSeconds(60);

    /** The longest {@link #list} page. */
    int MAX_LIST = 1000;

    /**
     * Opens the next deployment, after closing as {@link DeploymentOutcome#ABANDONED} an open one whose heartbeat is
     * at least {@code ttl} old.
     *
     * @param ttl how old a heartbeat may be before an open deployment counts as dead: the new deployment's lease
     *     (it heartbeats more often than that), and the patience of this begin with the open one it finds
     * @throws DeploymentInProgressException if a live deployment is open
     */
    DeploymentLease begin(DeploymentMeta meta, Duration ttl);

    /**
     * As {@link #begin(DeploymentMeta, Duration)}, but an open deployment whose version is exactly {@code supersede}
     * is closed as abandoned however fresh its heartbeat: a takeover by a caller who has proved it dead (its
     * process is gone). Any other live open deployment still wins.
     */
    DeploymentLease begin(DeploymentMeta meta, Duration ttl, long supersede);

    /**
     * Appends events to the journal of deployment {@code version}; an event whose {@code seq} is not above the
     * highest stored one is already there and is ignored, so a retried batch adds nothing twice. Accepted after the
     * deployment ended (a deploy that lost its lease may still be flushing its journal).
     *
     * @return the highest {@code seq} stored
     */
    long appendEvents(long version, String token, List<DeploymentEvent> events);

    /** Refreshes the open deployment's heartbeat; does nothing once it has ended. */
    void heartbeat(long version, String token);

    /**
     * Closes the deployment with {@code outcome} (one an engine may give). If it was already closed, the first
     * outcome stays, except that an abandoned one becomes {@link DeploymentOutcome#COMPLETED_LATE}.
     */
    void end(long version, String token, DeploymentOutcome outcome, @Nullable DeploymentSummary summary);

    /**
     * Records newest first, of versions below {@code before} (all, if null): pass the last version of a page to read
     * the next.
     *
     * @param limit 1 to {@link #MAX_LIST}
     */
    List<DeploymentRecord> list(@Nullable Long before, int limit);

    /** The record of deployment {@code version}, empty if there is none. */
    Optional<DeploymentRecord> get(long version);

    /** The journal of deployment {@code version} from {@code fromSeq} on (inclusive), in {@code seq} order. */
    List<DeploymentEvent> readEvents(long version, long fromSeq);

    /** The open deployment, live or stale, if there is one. */
    default Optional<DeploymentRecord> open() {
        return list(null, 1).stream().filter(DeploymentRecord::isOpen).findFirst();
    }
}
