package dev.statestore;

import java.util.List;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;

/**
 * The past of one scope, from the change log the store keeps of every write and delete (unless the store was opened
 * with {@code history=off}): what happened to a record, what a deployment changed, the scope at the end of any
 * deployment still in the history, diffs, and restore.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Every write and delete made through the store is recorded once, with the version it made (or deleted), the
 *       document, the time and, for a fenced write ({@link StateScope#fenced}), its deployment; in the same atomic
 *       step as the write on every backend but S3 (see its documentation). A write that failed its condition or its
 *       fence left no change.
 *   <li>{@link #at} is exact for a fenced deployment's writes: the state at the end of deployment {@code v} holds
 *       every change of deployments up to {@code v} and none of later ones. An unfenced write is placed by its time
 *       against the deployment's end, to the millisecond (a write within the millisecond of the end counts as before
 *       it); both times are the store's clock where it has one (PostgreSQL, Redis), this process's otherwise.
 *   <li>The history keeps the newest {@code historyDeployments} deployments (URL option, default 100) that ended within
 *       {@code historyDays} (default 90) exactly restorable; older changes no point of that window needs are pruned.
 *   <li>{@link #restore} is a deployment of its own, with fenced conditional writes; it takes over an open
 *       deployment whose own lease ran out (a crashed deploy) and refuses a live one.
 * </ul>
 *
 * <h2>Errors</h2>
 * {@link HistoryNotKeptException} when history is off or does not reach back far enough;
 * {@link DeploymentNotFoundException} for a deployment the scope never had; and as for every call,
 * {@link StateStoreUnavailableException} and {@link CorruptStateException}.
 */
public interface History {

    /** Whether the store keeps history (the URL option {@code history}, on unless {@code off}). */
    boolean isKept();

    /** Every change kept of the record at {@code fqn}, newest first. */
    List<StateChange> of(String fqn);

    /** Every change kept of the stack output, newest first. */
    List<StateChange> ofOutput();

    /**
     * Every change kept of the scope, record after record (the stack output among them), each one's oldest first,
     * read in the backend's batches: a scope of any size passes in bounded memory.
     */
    void forEach(java.util.function.Consumer<StateChange> action);

    /** The changes deployment {@code deployment} made, in the order they were made. */
    List<StateChange> changes(long deployment);

    /**
     * The scope as it was when deployment {@code deployment} ended (for one still open, as it is now; for one that
     * never ended, when the next one began).
     *
     * @throws HistoryNotKeptException if a record's state then is older than the history kept
     */
    ScopeSnapshot at(long deployment);

    /** The scope as it is now, with the versions of its records: what {@link #at} is compared against. */
    ScopeSnapshot now();

    /** What changed from the end of deployment {@code from} to the end of {@code to} (to now, if null). */
    StateDiff diff(long from, @Nullable Long to);

    /**
     * Makes the scope exactly what it was at the end of deployment {@code deployment}, as a new deployment (command
     * {@code restore}) whose writes are fenced and conditional on the versions it read: records created since are
     * deleted, changed ones written back, deleted ones created again, and the stack output likewise.
     *
     * @param progress told the number of writes made so far, after each one
     * @throws DeploymentInProgressException if another deployment is live (nothing is written)
     * @throws RestoreIncompleteException if it stopped part way (a concurrent writer, a newer deployment, an outage):
     *     running it again continues
     */
    RestoreResult restore(long deployment, DeploymentMeta.@Nullable Initiator initiator, LongConsumer progress);

    default RestoreResult restore(long deployment) {
        return restore(deployment, DeploymentMeta.Initiator.thisProcess(), done -> { });
    }
}
