package dev.statestore;

import java.util.List;

/**
 * A state store opened from a URL by {@link StateStores#open(String)}: the records of every deployed
 * resource, grouped by (stack, stage) scope.
 *
 * <p>Thread-safe: one instance serves a whole process, and two instances opened on the same URL (in
 * one process or two) see each other's writes and never lose one (see {@link StateScope}).
 *
 * <p>Every method may throw {@link StateStoreUnavailableException} when the backend cannot be reached,
 * and {@link InvalidStateException} for an invalid stack or stage name.
 */
public interface StateStore extends AutoCloseable {

    /** The records of one stack and stage. Cheap: no I/O. */
    StateScope scope(String stack, String stage);

    /** The records of one scope. Cheap: no I/O. */
    default StateScope scope(ScopeId scope) {
        return scope(scope.stack(), scope.stage());
    }

    /** The stacks that hold at least one record or stack output, in {@link StateNames#ORDER}. */
    List<String> stacks();

    /** The stages of {@code stack} that hold at least one record or stack output, in {@link StateNames#ORDER}. */
    List<String> stages(String stack);

    /**
     * Deletes every record and stack output of every stage of {@code stack}. Each record is deleted
     * atomically, the stack as a whole is not: a crash midway leaves some stages. Versions are not
     * reset: a record created again later continues from the deleted one's version.
     */
    void deleteStack(String stack);

    /**
     * Warnings about how the backend is set up that put state at risk (a Redis that keeps nothing on
     * disk, an in-memory store); empty when there are none. Reads only.
     */
    List<String> diagnose();

    /** Where this store keeps state, with any credential left out. */
    String describe();

    /** What this store declares where backends differ: its largest document, whose clock times leases. No I/O. */
    StoreLimits limits();

    /** Releases connections and files. Does not release deploy locks: they expire. Idempotent. */
    @Override
    void close();
}
