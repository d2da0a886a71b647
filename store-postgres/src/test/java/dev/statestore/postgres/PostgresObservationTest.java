package dev.statestore.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.statestore.DeploymentLease;
import dev.statestore.DeploymentMeta;
import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.StateConflictException;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.StateStores;
import dev.statestore.StateWriteFencedException;
import dev.statestore.micrometer.StoreObservations;
import dev.statestore.spi.StateJson;
import dev.statestore.testkit.postgres.PostgresFixture;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The observations of a server backend, opened by URL: the tags the memory store's test checks, from PostgreSQL. */
class PostgresObservationTest {

    private static final PostgresFixture FIXTURE = new PostgresFixture();

    @AfterEach
    void unobserved() {
        StoreObservations.observeUrlOpens(ObservationRegistry.NOOP);
    }

    @Test
    void callsOfAStoreOpenedByUrlAreTimedByOperationAndOutcomeWithNothingOfTheStateInATag() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        ObservationRegistry observations = ObservationRegistry.create();
        observations.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
        StoreObservations.observeUrlOpens(observations);
        String secret = "hunter2-" + System.nanoTime();
        try (StateStore store = StateStores.open(FIXTURE.newStoreUrl())) {
            StateScope scope = store.scope("billing", "prod-eu");
            ResourceState record = ResourceState.builder("Payments-Db", ResourceStatus.CREATED)
                    .props(StateJson.nodes().objectNode().put("password", secret)).build();
            scope.create(record);
            assertThatThrownBy(() -> scope.update(record, 9)).isInstanceOf(StateConflictException.class);
            DeploymentLease old = scope.deployments().begin(DeploymentMeta.deploy(null), Duration.ofMinutes(1));
            scope.deployments().begin(DeploymentMeta.deploy(null), Duration.ofMinutes(1), old.version());
            assertThatThrownBy(() -> scope.fenced(old.version()).put(record)).isInstanceOf(StateWriteFencedException.class);
        }
        assertThat(meters.get("statestore.call").tags("backend", "postgresql", "operation", "create", "outcome", "ok")
                .timer().count()).isEqualTo(1);
        assertThat(meters.get("statestore.call").tags("operation", "update", "outcome", "conflict").timer().count()).isEqualTo(1);
        assertThat(meters.get("statestore.call").tags("operation", "deployments.begin", "outcome", "ok").timer().count())
                .isEqualTo(2);
        assertThat(meters.get("statestore.call.fenced").tags("backend", "postgresql").counter().count()).isEqualTo(1);
        assertThat(meters.get("statestore.call.conflict").tags("backend", "postgresql").counter().count()).isEqualTo(1);
        List<String> values = new ArrayList<>();
        for (Meter meter : meters.getMeters()) {
            meter.getId().getTags().stream().map(Tag::getValue).forEach(values::add);
        }
        assertThat(values).noneMatch(v -> v.contains(secret) || v.contains("Payments") || v.equals("billing")
                || v.equals("prod-eu") || v.contains("statestore_test"));
    }
}
