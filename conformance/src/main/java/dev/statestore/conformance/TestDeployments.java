package dev.statestore.conformance;

import dev.statestore.DeploymentLease;
import dev.statestore.DeploymentMeta;
import dev.statestore.DeploymentOutcome;
import dev.statestore.StateScope;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * A whole deployment in one call, for a backend's own tests beside the suite: begun (a lease of a minute), its writes
 * made through the scope fenced by it, ended as succeeded. Throws what the scope throws; a deployment whose writes
 * throw is left open, as a crashed deploy would leave it.
 */
public final class TestDeployments {

    private TestDeployments() {}

    /** A deployment started by this process; returns its version. */
    public static long deploy(StateScope scope, Consumer<StateScope> writes) {
        return deploy(scope, DeploymentMeta.Initiator.thisProcess(), writes);
    }

    /** A deployment started by {@code initiator}; returns its version. */
    public static long deploy(StateScope scope, DeploymentMeta.Initiator initiator, Consumer<StateScope> writes) {
        DeploymentLease lease = scope.deployments().begin(DeploymentMeta.deploy(initiator), Duration.ofMinutes(1));
        writes.accept(scope.fenced(lease.version()));
        scope.deployments().end(lease.version(), lease.token(), DeploymentOutcome.SUCCEEDED, null);
        return lease.version();
    }
}
