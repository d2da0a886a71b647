package dev.statestore;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The records, the stack output, the deploy lock and the deployments of one (stack, stage) scope.
 *
 * <h2>Atomicity and optimistic locking</h2>
 * Every write is atomic: a reader sees the old record or the new one, never a mix, and a crash never
 * leaves a torn record. Each record has a version (see {@link Versioned}) that grows by one on every
 * write and never repeats for an fqn, even across delete and re-create. The conditional writes
 * ({@link #create}, {@link #update}, {@link #delete(String, long)}) apply only if the stored version is
 * the expected one, as one atomic step of the backend; otherwise they throw
 * {@link StateConflictException} and change nothing. The unconditional {@link #put} and
 * {@link #delete(String)} are last-writer-wins, as Alchemy's engine writes.
 *
 * <h2>Listing</h2>
 * Listings are in {@link StateNames#ORDER} of the fqn, and are not snapshots: a page reflects the
 * writes that finished before it was read.
 *
 * <h2>Errors</h2>
 * Every method may throw {@link StateStoreUnavailableException}; a method given an invalid fqn throws
 * {@link InvalidStateException} before any I/O; a stored document that does not parse throws
 * {@link CorruptStateException} naming where it is.
 */
public interface StateScope {

    /** The largest page {@link #list(String, int)} returns. */
    int MAX_PAGE_SIZE = 1000;

    ScopeId id();

    /**
     * This scope, with every write made through it fenced by deployment {@code deployment} (the version of the
     * caller's {@link DeploymentLease}, or the fencing token of its {@link LockLease}): a write, delete or stack
     * output write is refused with {@link StateWriteFencedException}, writing nothing, once any deployment newer than
     * it has begun, so a deploy that lost its lease can never overwrite its successor's state. With a conditional
     * write, both conditions must hold. Reads are unchanged. The check and the write are one atomic step on every
     * backend but S3 (see its documentation for the exact guarantee there).
     *
     * @throws InvalidStateException if {@code deployment} is below 1
     */
    StateScope fenced(long deployment);

    /** The record at {@code fqn}, empty if none. */
    Optional<Versioned<ResourceState>> get(String fqn);

    /** The record at {@code fqn}. @throws StateNotFoundException if there is none */
    default Versioned<ResourceState> require(String fqn) {
        return get(fqn).orElseThrow(() -> new StateNotFoundException(id(), fqn));
    }

    /**
     * Up to {@code limit} records whose fqn sorts after {@code afterFqn} (from the first if it is
     * {@code null}), in fqn order.
     *
     * @param limit 1 to {@link #MAX_PAGE_SIZE}
     */
    Page<Versioned<ResourceState>> list(@Nullable String afterFqn, int limit);

    /** Every record of the scope, in fqn order, read page by page. */
    default List<Versioned<ResourceState>> listAll() {
        List<Versioned<ResourceState>> all = new ArrayList<>();
        String after = null;
        while (true) {
            Page<Versioned<ResourceState>> page = list(after, MAX_PAGE_SIZE);
            all.addAll(page.items());
            if (!page.hasMore()) {
                return all;
            }
            after = page.nextAfter().orElseThrow();
        }
    }

    /**
     * Every record of the scope, in fqn order, read lazily a page at a time: a scope of any size streams
     * in bounded memory. The stream reflects writes made while it runs, page by page.
     */
    default java.util.stream.Stream<Versioned<ResourceState>> stream() {
        int pageSize = 250;
        java.util.Iterator<Versioned<ResourceState>> pages = new java.util.Iterator<>() {
            private java.util.Iterator<Versioned<ResourceState>> current = java.util.Collections.emptyIterator();
            private String after;
            private boolean more = true;

            @Override
            public boolean hasNext() {
                while (!current.hasNext() && more) {
                    Page<Versioned<ResourceState>> page = list(after, pageSize);
                    current = page.items().iterator();
                    more = page.hasMore();
                    after = page.nextAfter().orElse(null);
                }
                return current.hasNext();
            }

            @Override
            public Versioned<ResourceState> next() {
                if (!hasNext()) {
                    throw new java.util.NoSuchElementException();
                }
                return current.next();
            }
        };
        return java.util.stream.StreamSupport.stream(java.util.Spliterators.spliteratorUnknownSize(pages,
                java.util.Spliterator.ORDERED | java.util.Spliterator.NONNULL), false);
    }

    /**
     * Every record of the scope by fqn, in fqn order (Alchemy's {@code getAll}): read in the backend's native
     * batches, a page of whole documents at a time, never a read per record; iterates in fqn order. Not a snapshot,
     * as {@link #list} is not.
     */
    default java.util.Map<String, Versioned<ResourceState>> getAll() {
        java.util.LinkedHashMap<String, Versioned<ResourceState>> all = new java.util.LinkedHashMap<>();
        listAll().forEach(record -> all.put(record.value().fqn(), record));
        return java.util.Collections.unmodifiableMap(all);
    }

    /** The records whose status is one of {@code statuses}, in fqn order. */
    List<Versioned<ResourceState>> listByStatus(Set<ResourceStatus> statuses);

    /** The records left in an intermediate status: what a crashed deploy left to finish. */
    default List<Versioned<ResourceState>> listPending() {
        return listByStatus(ResourceStatus.intermediate());
    }

    /** The {@code replaced} records, whose old generation still has to be deleted. */
    default List<Versioned<ResourceState>> listReplaced() {
        return listByStatus(EnumSet.of(ResourceStatus.REPLACED));
    }

    /**
     * Creates the record if none exists at its fqn. Its version is 1, or one more than the last
     * version of a record deleted at that fqn.
     *
     * @throws StateConflictException if a record exists
     */
    Versioned<ResourceState> create(ResourceState record);

    /**
     * Replaces the record if its stored version is {@code expectedVersion}.
     *
     * @throws StateConflictException if the stored version differs or no record exists
     */
    Versioned<ResourceState> update(ResourceState record, long expectedVersion);

    /** Writes the record whatever is stored: last writer wins. The version still grows by one. */
    Versioned<ResourceState> put(ResourceState record);

    /**
     * Deletes the record if its stored version is {@code expectedVersion}.
     *
     * @throws StateConflictException if the stored version differs or no record exists
     */
    void delete(String fqn, long expectedVersion);

    /** Deletes the record whatever its version. @return whether there was one */
    boolean delete(String fqn);

    /** The scope's stack output, empty if none. */
    Optional<Versioned<StackOutput>> output();

    /** Writes the stack output if none exists. @throws StateConflictException if one exists */
    Versioned<StackOutput> createOutput(StackOutput output);

    /** Replaces the stack output if its version is {@code expectedVersion}. @throws StateConflictException otherwise */
    Versioned<StackOutput> updateOutput(StackOutput output, long expectedVersion);

    /** Writes the stack output whatever is stored. */
    Versioned<StackOutput> putOutput(StackOutput output);

    /** Deletes the stack output. @return whether there was one */
    boolean deleteOutput();

    /**
     * Deletes every record and the stack output of this scope (the stage). Each deletion is atomic;
     * versions are not reset. Does not touch the deploy lock.
     */
    void deleteAll();

    /**
     * Takes the scope's deploy lock for {@code ttl}, if no unexpired lease holds it. Each acquisition
     * gets a fencing token greater than every earlier one of this scope.
     *
     * @param owner who deploys, for people to read (a user and host, a CI job)
     * @throws LockConflictException if another lease is in force (even one of the same owner)
     */
    LockLease acquireLock(String owner, Duration ttl);

    /**
     * Extends the lease {@code lockId} to {@code ttl} from now, keeping its fencing token.
     *
     * @throws LockConflictException if {@code lockId} is not the lease in force (expired and taken, released, force-released)
     */
    LockLease renewLock(String lockId, Duration ttl);

    /**
     * Releases the lease {@code lockId}.
     *
     * @throws LockConflictException if {@code lockId} is not the lease in force
     */
    void releaseLock(String lockId);

    /** The lease in force, empty if the lock is free or its lease has expired. */
    Optional<LockInfo> lockInfo();

    /** Releases whatever lease is in force: for an operator. @return whether one was */
    boolean forceReleaseLock();

    /**
     * The deployments of this scope: their records, journals and the lease of the open one, which is this scope's
     * deploy lock (the lock methods above open and close deployments).
     */
    Deployments deployments();

    /**
     * The past of this scope: every change kept of its records and stack output, the scope at the end of any
     * deployment still in the history, diffs and restore. Writes made through a {@link #fenced} view are recorded
     * as that deployment's.
     */
    History history();

    /**
     * An operator's tools for this scope's records: forget, rename, move, edit, mark and repair, each planned first
     * and applied as a deployment of its own, recorded in the history so that a restore undoes it.
     */
    Surgery surgery();
}
