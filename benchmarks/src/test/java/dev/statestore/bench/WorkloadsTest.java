package dev.statestore.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.statestore.StateStore;
import dev.statestore.StateStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harness itself, small, on the memory store: what it measures, writes and draws (never how fast). */
class WorkloadsTest {

    /** A raw client over a map, counting its calls. */
    private static final class MapClient implements RawClient {
        final Map<String, String> documents = new HashMap<>();
        final List<String> calls = new ArrayList<>();

        @Override
        public String describe(String operation) {
            return "map " + operation;
        }

        @Override
        public void get(String key) {
            calls.add("get");
            documents.get(key);
        }

        @Override
        public void create(String key, String json) {
            calls.add("create");
            if (documents.putIfAbsent(key, json) != null) {
                throw new IllegalStateException("exists");
            }
        }

        @Override
        public void update(String key, String json) {
            calls.add("update");
            documents.put(key, json);
        }

        @Override
        public void delete(String key) {
            calls.add("delete");
            documents.remove(key);
        }
    }

    @Test
    void everyWorkloadGivesItsRowsAndLeavesNothingBehind() throws Exception {
        MapClient raw = new MapClient();
        try (StateStore store = StateStores.open("memory:")) {
            List<Row> single = Workloads.singleOperations("memory", store.scope("bench", "single"), raw, 10, 50);
            assertThat(single).extracting(Row::operation).containsExactly("create", "get", "update", "delete");
            for (Row r : single) {
                assertThat(r.records()).isEqualTo(50);
                assertThat(r.storeP50()).isPositive().isLessThanOrEqualTo(r.storeP99());
                assertThat(r.ratio()).isCloseTo(r.storeP50() / r.rawP50(), org.assertj.core.data.Offset.offset(1e-9));
                assertThat(r.note()).isEqualTo("map " + r.operation());
            }
            assertThat(raw.calls).hasSize(4 * (50 + 10)); // the warm-up round and the measured one
            assertThat(raw.documents).isEmpty();
            assertThat(store.scope("bench", "single").listAll()).isEmpty();

            Row deploy = Workloads.deploy("memory", store, "bench", 40, 4, null);
            assertThat(deploy.records()).isEqualTo(40);
            assertThat(deploy.threads()).isEqualTo(4);
            assertThat(deploy.storeOpsPerSecond()).isPositive();
            assertThat(store.scope("bench", "deploy-40-4").listAll()).isEmpty();
            assertThat(deploy.note()).matches("create [0-9.]+ s, list [0-9.]+ s, update [0-9.]+ s, delete [0-9.]+ s");
            Workloads.DeployPhases phases = Workloads.deployPhases(store.scope("bench", "phases"), 30, 2, null);
            assertThat(List.of(phases.create(), phases.list(), phases.update(), phases.delete())).allSatisfy(
                    seconds -> assertThat(seconds).isPositive());
            assertThat(store.scope("bench", "phases").listAll()).isEmpty();
            Row versusAlchemy = AlchemyComparison.row("deploy", 8, 40, 0.5, 2.0, "disk (ext4, /x)");
            assertThat(versusAlchemy.ratio()).isEqualTo(0.25);

            List<Row> deployments = Workloads.deployments("memory", store, "bench", 30, 200);
            assertThat(deployments).extracting(Row::operation).containsExactly("fenced put", "begin", "end", "getAll");
            assertThat(deployments.get(0).ratio()).isPositive();
            assertThat(deployments.get(1).records()).isEqualTo(10);
            assertThat(deployments.get(3).records()).isEqualTo(200);
            assertThat(store.scope("bench", "deployments").deployments().list(null, 100)).hasSize(11);
            assertThat(store.scope("bench", "getall").listAll()).hasSize(200);

            List<Row> observation = Workloads.observation("memory", store, "bench", 40);
            assertThat(observation).extracting(Row::operation).containsExactly("get", "update", "get, default handler",
                    "update, default handler");
            assertThat(observation).allSatisfy(r -> assertThat(r.ratio()).isPositive());
            for (String fqn : List.of("plain", "observed", "observed-by-default")) {
                assertThat(store.scope("bench", "observation").require(fqn).version()).as("warm-up and measured")
                        .isEqualTo(1 + 10 + 40);
            }

            Row load = Workloads.loadScope("memory", store, "bench", 300, 4);
            assertThat(load.note()).startsWith("peak heap ");
            Row contention = Workloads.contention("memory", store, "bench", 4, Duration.ofMillis(300));
            assertThat(contention.note()).startsWith("conflict rate ");
            assertThat(store.scope("bench", "contention").listAll()).isEmpty();

            List<Row> scaling = Workloads.scaling("memory", store, "bench", List.of(300, 20), 30, 4);
            assertThat(scaling).extracting(Row::operation, Row::records)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("get", 20), org.assertj.core.groups.Tuple.tuple("update", 20),
                            org.assertj.core.groups.Tuple.tuple("get", 300), org.assertj.core.groups.Tuple.tuple("update", 300));
            assertThat(scaling).allSatisfy(r -> assertThat(r.storeP50()).isPositive().isLessThanOrEqualTo(r.storeP99()));
            assertThat(store.scope("bench", "scaling").listAll()).isEmpty();

            List<Row> all = new ArrayList<>(single);
            all.addAll(List.of(deploy, load, contention));
            all.addAll(scaling);
            all.addAll(deployments);
            all.addAll(observation);
            all.add(versusAlchemy);
            String md = Report.markdown(all, "a test machine");
            assertThat(md).contains("Taken on: a test machine", "| memory | get |", "| memory | 40 | 4 |", "## Contention",
                    "| memory | update | 300 |", "## Deployments", "| memory | fenced put |", "| memory | 200 |", "## Observation",
                    "| disk (ext4, /x) | deploy | 40 | 8 | 0.50 | 2.00 | **0.25** |");
        }
    }

    @Test
    void rowsSurviveTheCsvAndTheReportDrawsItsCharts(@TempDir Path tmp) throws Exception {
        Row quoted = new Row("http (serve, memory)", "single", "get", 1, 10, 0.5, 0.9, 2000, 0.25, 0.5, 4000, 2.0, Double.NaN,
                "GET \"raw\", by hand");
        Path csv = tmp.resolve("results.csv");
        BenchmarkRun.append(csv, List.of(quoted));
        BenchmarkRun.append(csv, List.of(new Row("file", "deploy", "deploy", 8, 1000, Double.NaN, Double.NaN, 900,
                Double.NaN, Double.NaN, Double.NaN, Double.NaN, 5.5, "")));
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("backend,workload,operation");
        assertThat(Row.fromCsv(lines.get(1))).isEqualTo(quoted);

        Report.main(new String[] {csv.toString(), "a test machine"});
        assertThat(Files.readString(tmp.resolve("results.md"))).contains("**2.00**", "| file | 1000 | 8 | 5.5 | 900 |");
        assertThat(Files.size(tmp.resolve("ratios.png"))).isPositive();
        assertThat(Files.size(tmp.resolve("deploys.png"))).isPositive();
    }
}
