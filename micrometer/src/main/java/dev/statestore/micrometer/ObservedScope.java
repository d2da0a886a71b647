package dev.statestore.micrometer;

import dev.statestore.Deployments;
import dev.statestore.LockInfo;
import dev.statestore.LockLease;
import dev.statestore.Page;
import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.ScopeId;
import dev.statestore.StackOutput;
import dev.statestore.StateScope;
import dev.statestore.Versioned;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** A scope whose every call is observed, by operation (the method's name). */
final class ObservedScope implements StateScope {

    private final StateScope scope;
    private final Observer observer;
    private final ObservedStore store;

    ObservedScope(StateScope scope, Observer observer, ObservedStore store) {
        this.scope = scope;
        this.observer = observer;
        this.store = store;
    }

    @Override
    public ScopeId id() {
        return scope.id();
    }

    @Override
    public StateScope fenced(long deployment) {
        return new ObservedScope(scope.fenced(deployment), observer, store);
    }

    @Override
    public Optional<Versioned<ResourceState>> get(String fqn) {
        return observer.call("get", () -> scope.get(fqn));
    }

    @Override
    public Page<Versioned<ResourceState>> list(@Nullable String afterFqn, int limit) {
        return observer.call("list", () -> scope.list(afterFqn, limit));
    }

    /** Observed whole, its pages too (each a {@code list}). */
    @Override
    public Map<String, Versioned<ResourceState>> getAll() {
        return observer.call("getAll", StateScope.super::getAll);
    }

    @Override
    public List<Versioned<ResourceState>> listByStatus(Set<ResourceStatus> statuses) {
        return observer.call("listByStatus", () -> scope.listByStatus(statuses));
    }

    @Override
    public Versioned<ResourceState> create(ResourceState record) {
        return written(observer.call("create", () -> scope.create(record)));
    }

    @Override
    public Versioned<ResourceState> update(ResourceState record, long expectedVersion) {
        return written(observer.call("update", () -> scope.update(record, expectedVersion)));
    }

    @Override
    public Versioned<ResourceState> put(ResourceState record) {
        return written(observer.call("put", () -> scope.put(record)));
    }

    /** Measures the document only when sizes are recorded: otherwise this costs nothing. */
    private Versioned<ResourceState> written(Versioned<ResourceState> record) {
        if (observer.recordSizes != null) {
            observer.recordSizes.accept(record.value().toJson().getBytes(StandardCharsets.UTF_8).length);
        }
        return record;
    }

    private Versioned<StackOutput> writtenOutput(Versioned<StackOutput> output) {
        if (observer.outputSizes != null) {
            observer.outputSizes.accept(output.value().toJson().getBytes(StandardCharsets.UTF_8).length);
        }
        return output;
    }


    @Override
    public void delete(String fqn, long expectedVersion) {
        observer.run("delete", () -> scope.delete(fqn, expectedVersion));
    }

    @Override
    public boolean delete(String fqn) {
        return observer.call("delete", () -> scope.delete(fqn));
    }

    @Override
    public Optional<Versioned<StackOutput>> output() {
        return observer.call("output", scope::output);
    }

    @Override
    public Versioned<StackOutput> createOutput(StackOutput output) {
        return writtenOutput(observer.call("createOutput", () -> scope.createOutput(output)));
    }

    @Override
    public Versioned<StackOutput> updateOutput(StackOutput output, long expectedVersion) {
        return writtenOutput(observer.call("updateOutput", () -> scope.updateOutput(output, expectedVersion)));
    }

    @Override
    public Versioned<StackOutput> putOutput(StackOutput output) {
        return writtenOutput(observer.call("putOutput", () -> scope.putOutput(output)));
    }

    @Override
    public boolean deleteOutput() {
        return observer.call("deleteOutput", scope::deleteOutput);
    }

    @Override
    public void deleteAll() {
        observer.run("deleteAll", scope::deleteAll);
    }

    @Override
    public LockLease acquireLock(String owner, Duration ttl) {
        LockLease lease = observer.call("acquireLock", () -> scope.acquireLock(owner, ttl));
        store.leaseOpened(id(), lease.lockId(), "acquireLock", ttl);
        return lease;
    }

    @Override
    public LockLease renewLock(String lockId, Duration ttl) {
        long at = store.leaseBeating(id(), lockId);
        LockLease renewed = observer.call("renewLock", () -> scope.renewLock(lockId, ttl));
        store.leaseBeaten(id(), lockId, at, ttl);
        return renewed;
    }

    @Override
    public void releaseLock(String lockId) {
        observer.run("releaseLock", () -> scope.releaseLock(lockId));
        store.leaseEnded(id(), lockId, "release");
    }

    @Override
    public Optional<LockInfo> lockInfo() {
        return observer.call("lockInfo", scope::lockInfo);
    }

    @Override
    public boolean forceReleaseLock() {
        boolean released = observer.call("forceReleaseLock", scope::forceReleaseLock);
        if (released) {
            store.leasesEnded(id());
        }
        return released;
    }

    @Override
    public Deployments deployments() {
        return new ObservedDeployments(scope.deployments(), id(), observer, store);
    }

    /** The history's reads and a restore's writes are not observed one by one: a restore is seen as its deployment. */
    @Override
    public dev.statestore.History history() {
        return scope.history();
    }

    /** Unobserved: an operator's surgery is rare, and is recorded as a deployment of its own. */
    @Override
    public dev.statestore.Surgery surgery() {
        return scope.surgery();
    }
}
