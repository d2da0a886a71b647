package dev.statestore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.statestore.spi.StateJson;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A 200-resource stack driven through 20 deployments (creates, updates, replacements, deletes, re-creates, one
 * deployment that crashed and was left to be abandoned), then restored to deployments 7 and 15: each time the scope
 * must be exactly what a snapshot taken at that deployment's end held, and every at(v) must equal its snapshot.
 */
class HistoryRestoreTest {

    private static final DeploymentMeta.Initiator CI = new DeploymentMeta.Initiator("ci", "runner", 7L);
    private static final int RESOURCES = 200;
    private static final int DEPLOYMENTS = 20;
    private static final long CRASHED = 10;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"memory", "file"})
    void twentyDeploymentsThenRestoreToSevenAndFifteen(String kind) {
        String url = kind.equals("memory") ? "memory:history-restore-" + System.nanoTime() : "file:" + dir;
        try (StateStore store = StateStores.open(url)) {
            StateScope scope = store.scope("shop", "prod");
            Map<Long, Map<String, String>> snapshots = new LinkedHashMap<>();
            Random random = new Random(20);
            List<String> live = new ArrayList<>();
            List<String> deleted = new ArrayList<>();
            for (long round = 1; round <= DEPLOYMENTS; round++) {
                DeploymentLease lease = scope.deployments().begin(DeploymentMeta.deploy(CI),
                        round == CRASHED + 1 ? Duration.ZERO : Duration.ofMinutes(5));
                assertThat(lease.version()).isEqualTo(round);
                if (round == CRASHED + 1) {
                    assertThat(lease.tookOver()).as("the crashed deployment, abandoned").isEqualTo(CRASHED);
                }
                StateScope deploy = scope.fenced(lease.version());
                if (round == 1) {
                    for (int i = 0; i < RESOURCES; i++) {
                        String fqn = "svc" + (i % 10) + "/res-" + i;
                        deploy.create(resource(fqn, ResourceStatus.CREATED, round, random));
                        live.add(fqn);
                    }
                } else {
                    for (int i = 0; i < 12; i++) {
                        String fqn = live.get(random.nextInt(live.size()));
                        Versioned<ResourceState> current = scope.require(fqn);
                        deploy.update(resource(fqn, ResourceStatus.UPDATED, round, random), current.version());
                    }
                    for (int i = 0; i < 3; i++) {
                        // A replacement: the old generation marked replaced, then the new one written over it.
                        String fqn = live.get(random.nextInt(live.size()));
                        deploy.put(resource(fqn, ResourceStatus.REPLACED, round, random));
                        deploy.put(resource(fqn, ResourceStatus.CREATED, round, random));
                    }
                    for (int i = 0; i < 4; i++) {
                        String fqn = live.remove(random.nextInt(live.size()));
                        deploy.delete(fqn, scope.require(fqn).version());
                        deleted.add(fqn);
                    }
                    for (int i = 0; i < 3; i++) {
                        // Brand new resources, and deleted ones created again.
                        String fqn = i == 0 && !deleted.isEmpty() ? deleted.remove(0) : "svc" + round + "/new-" + i;
                        deploy.create(resource(fqn, ResourceStatus.CREATED, round, random));
                        live.add(fqn);
                    }
                }
                deploy.putOutput(StackOutput.fromJson("{\"round\":" + round + ",\"count\":" + live.size() + "}"));
                if (round != CRASHED) {
                    scope.deployments().end(lease.version(), lease.token(), DeploymentOutcome.SUCCEEDED, null);
                }
                snapshots.put(round, view(scope.history().now(), true));
            }
            assertThat(scope.deployments().get(CRASHED).orElseThrow().outcome()).isEqualTo(DeploymentOutcome.ABANDONED);

            snapshots.forEach((v, expected) -> assertThat(view(scope.history().at(v), true)).as("at(%d)", v)
                    .isEqualTo(expected));

            RestoreResult seven = scope.history().restore(7, CI, done -> { });
            assertThat(view(scope.history().now(), false)).isEqualTo(withoutVersions(snapshots.get(7L)));
            assertThat(seven.changes()).isPositive();
            RestoreResult fifteen = scope.history().restore(15, CI, done -> { });
            assertThat(view(scope.history().now(), false)).isEqualTo(withoutVersions(snapshots.get(15L)));
            assertThat(fifteen.deployment()).isEqualTo(seven.deployment() + 1);
            // The restores are in the history: undoing the second brings back what the first made.
            scope.history().restore(seven.deployment(), CI, done -> { });
            assertThat(view(scope.history().now(), false)).isEqualTo(withoutVersions(snapshots.get(7L)));
        }
    }

    private static ResourceState resource(String fqn, ResourceStatus status, long round, Random random) {
        return ResourceState.builder(fqn, status).resourceType("AWS.Thing").instanceId("i-" + random.nextInt(1 << 20))
                .props(StateJson.nodes().objectNode().put("round", round).put("size", random.nextInt(100)))
                .build();
    }

    /** Each record's and the output's JSON text, with the version when asked. */
    private static Map<String, String> view(ScopeSnapshot snapshot, boolean versions) {
        Map<String, String> view = new TreeMap<>();
        snapshot.records().forEach((fqn, r) -> view.put(fqn, (versions ? r.version() + " " : "") + r.value().toJson()));
        if (snapshot.output() != null) {
            view.put("<output>", (versions ? snapshot.output().version() + " " : "") + snapshot.output().value().toJson());
        }
        return view;
    }

    private static Map<String, String> withoutVersions(Map<String, String> view) {
        Map<String, String> result = new TreeMap<>();
        view.forEach((key, text) -> result.put(key, text.substring(text.indexOf(' ') + 1)));
        return result;
    }
}
