package dev.statestore.micrometer;

import dev.statestore.DeploymentEvent;
import dev.statestore.DeploymentLease;
import dev.statestore.DeploymentMeta;
import dev.statestore.DeploymentOutcome;
import dev.statestore.DeploymentRecord;
import dev.statestore.DeploymentSummary;
import dev.statestore.Deployments;
import dev.statestore.ScopeId;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/** A scope's deployments, every call observed ({@code deployments.begin}, ...), and the leases they hold. */
final class ObservedDeployments implements Deployments {

    private final Deployments deployments;
    private final ScopeId scope;
    private final Observer observer;
    private final ObservedStore store;

    ObservedDeployments(Deployments deployments, ScopeId scope, Observer observer, ObservedStore store) {
        this.deployments = deployments;
        this.scope = scope;
        this.observer = observer;
        this.store = store;
    }

    @Override
    public DeploymentLease begin(DeploymentMeta meta, Duration ttl) {
        return opened(observer.call("deployments.begin", () -> deployments.begin(meta, ttl)), ttl);
    }

    @Override
    public DeploymentLease begin(DeploymentMeta meta, Duration ttl, long supersede) {
        return opened(observer.call("deployments.begin", () -> deployments.begin(meta, ttl, supersede)), ttl);
    }

    private DeploymentLease opened(DeploymentLease lease, Duration ttl) {
        if (lease.tookOver() != null) {
            observer.tookOver();
        }
        store.leaseOpened(scope, lease.token(), lease.tookOver() != null ? "takeover" : "begin", ttl);
        return lease;
    }

    @Override
    public long appendEvents(long version, String token, List<DeploymentEvent> events) {
        return observer.call("deployments.appendEvents", () -> deployments.appendEvents(version, token, events));
    }

    @Override
    public void heartbeat(long version, String token) {
        long at = store.leaseBeating(scope, token);
        observer.run("deployments.heartbeat", () -> deployments.heartbeat(version, token));
        store.leaseBeaten(scope, token, at, null);
    }

    @Override
    public void end(long version, String token, DeploymentOutcome outcome, @Nullable DeploymentSummary summary) {
        observer.run("deployments.end", () -> deployments.end(version, token, outcome, summary));
        store.leaseEnded(scope, token, outcome.wireName());
    }

    @Override
    public List<DeploymentRecord> list(@Nullable Long before, int limit) {
        return observer.call("deployments.list", () -> deployments.list(before, limit));
    }

    @Override
    public Optional<DeploymentRecord> get(long version) {
        return observer.call("deployments.get", () -> deployments.get(version));
    }

    @Override
    public List<DeploymentEvent> readEvents(long version, long fromSeq) {
        return observer.call("deployments.readEvents", () -> deployments.readEvents(version, fromSeq));
    }
}
