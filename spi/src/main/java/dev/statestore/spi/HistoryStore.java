package dev.statestore.spi;

import dev.statestore.ScopeId;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;

/**
 * The change log a backend keeps of each scope, written by the backend itself: a write or delete whose
 * {@link WriteCondition#recorded()} is set also stores its {@link StoredChange} (key, version, document or deletion,
 * time, fencing deployment), in the same atomic step as the write wherever the backend has one, and a failed
 * conditional or fenced write stores none. A backend whose two steps can be torn apart (S3) says what a crash leaves
 * and hides from these reads any change whose write never landed.
 *
 * <p>{@link dev.statestore.StateScope#history()} (what a deployment changed, the scope at the end of any deployment,
 * diffs and restore) is built on these reads once, for every backend. Implementations are thread-safe.
 * Unreachable: {@link dev.statestore.StateStoreUnavailableException}.
 */
public interface HistoryStore {

    /** The changes kept of {@code key}, oldest first (by {@link StoredChange#seq}). */
    List<StoredChange> changes(ScopeId scope, StateKey key);

    /**
     * Every change kept of the scope, key after key, each key's oldest first; keys in any order. Reads in the
     * backend's batches; a scope of any size passes in bounded memory.
     */
    void forEachChange(ScopeId scope, Consumer<StoredChange> action);

    /**
     * Every change kept of the scope as {@link #forEachChange} passes them, without their documents: what a reader
     * needs to decide which documents it must read (a point in the past rebuilt from the scope as it is now reads only
     * those of the keys changed since). Where a backend can leave the documents out of its reads it does (less read,
     * less sent); by default, {@link #forEachChange} with the documents dropped.
     */
    default void forEachChangeSummary(ScopeId scope, Consumer<ChangeSummary> action) {
        forEachChange(scope, change -> action.accept(ChangeSummary.of(change)));
    }

    /** Removes these changes (retention). One already gone is skipped; not atomic as a whole. */
    void remove(ScopeId scope, Collection<StoredChange> changes);

    /**
     * Deletes what the scope's storage holds of changes that no history will ever read: the changes of writes that
     * never landed (a crash between a change and its record, where the two are separate steps), once they are older
     * than any write still in progress could be. Called after retention's pruning; a failure is the caller's to log.
     * Nothing by default: a backend that records a change in the write's own atomic step leaves none.
     */
    default void sweep(ScopeId scope) {}
}
