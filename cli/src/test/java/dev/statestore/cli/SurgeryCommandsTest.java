package dev.statestore.cli;

import static dev.statestore.cli.StatestoreCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.statestore.DeploymentLease;
import dev.statestore.DeploymentMeta;
import dev.statestore.DeploymentOutcome;
import dev.statestore.MemoryStores;
import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.StateStores;
import dev.statestore.cli.StatestoreCommandTest.Run;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** rm, mv, edit, mark, repair and quarantine on the memory and the file store, with their exit codes. */
class SurgeryCommandsTest {

    private static final DeploymentMeta.Initiator ALICE = new DeploymentMeta.Initiator("alice", "laptop", 1L);

    @TempDir
    Path tmp;

    private String memory;

    @BeforeEach
    void names() {
        memory = "memory:surgery-" + UUID.randomUUID();
    }

    @AfterEach
    void reset() {
        MemoryStores.drop(memory.substring("memory:".length()));
        SurgeryCommands.editor = file -> {
            throw new AssertionError("no editor in this test");
        };
        HistoryCommands.answers = () -> null;
    }

    private String url(String kind) {
        return kind.equals("memory") ? memory : "file:" + tmp.resolve("state");
    }

    private static ResourceState record(String fqn, ResourceStatus status, String... downstream) {
        return ResourceState.builder(fqn, status).resourceType("Test.Thing").downstream(List.of(downstream)).build();
    }

    private static void deploy(String url, Consumer<StateScope> writes) {
        try (StateStore store = StateStores.open(url)) {
            StateScope scope = store.scope("app", "prod");
            DeploymentLease lease = scope.deployments().begin(DeploymentMeta.deploy(ALICE), Duration.ofMinutes(1));
            writes.accept(scope.fenced(lease.version()));
            scope.deployments().end(lease.version(), lease.token(), DeploymentOutcome.SUCCEEDED, null);
        }
    }

    private static Map<String, String> documents(String url, String stage) {
        try (StateStore store = StateStores.open(url)) {
            Map<String, String> documents = new TreeMap<>();
            store.scope("app", stage).getAll().forEach((fqn, r) -> documents.put(fqn, r.value().toJson()));
            return documents;
        }
    }

    private static ResourceState get(String url, String fqn) {
        try (StateStore store = StateStores.open(url)) {
            return store.scope("app", "prod").require(fqn).value();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "file"})
    void rmShowsFirstThenForgetsAndRestoreBringsItBack(String kind) {
        String url = url(kind);
        deploy(url, s -> {
            s.create(record("Db", ResourceStatus.CREATED));
            s.create(record("Api", ResourceStatus.CREATED, "Db"));
        });
        Map<String, String> before = documents(url, "prod");

        Run dry = run("--store", url, "rm", "app", "prod", "Db");
        assertThat(dry.code()).as(dry.err()).isZero();
        assertThat(dry.out()).contains("dry run", "- Db (delete, version 1)", "~ Api (update, version 1)",
                "/downstream/0: \"Db\" -> (absent)", "cloud resources of forgotten records are not touched");
        assertThat(documents(url, "prod")).as("a dry run writes nothing").isEqualTo(before);

        Run applied = run("--store", url, "rm", "app", "prod", "Db", "--yes", "--reason", "dropped by hand");
        assertThat(applied.code()).as(applied.err()).isZero();
        Matcher undo = Pattern.compile("to undo: statestore restore app prod --to (\\d+)").matcher(applied.out());
        assertThat(undo.find()).as(applied.out()).isTrue();
        assertThat(documents(url, "prod")).containsOnlyKeys("Api");
        Run shown = run("--store", url, "--json", "deployments", "app", "prod");
        assertThat(shown.out()).contains("\"command\": \"repair\"");

        Run restored = run("--store", url, "restore", "app", "prod", "--to", undo.group(1), "--yes");
        assertThat(restored.code()).as(restored.err()).isZero();
        assertThat(documents(url, "prod")).as("byte for byte").isEqualTo(before);

        Run json = run("--store", url, "--json", "rm", "app", "prod", "--status", "created");
        assertThat(json.out()).contains("\"action\": \"delete\"", "\"applied\": false");
        assertThat(run("--store", url, "rm", "app", "prod").code()).isEqualTo(Statestore.USAGE);
        assertThat(run("--store", url, "rm", "app", "prod", "Nope").code()).isEqualTo(Statestore.NOT_FOUND);
        assertThat(run("--store", url, "rm", "app", "prod", "--status", "sideways").code()).isEqualTo(Statestore.USAGE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "file"})
    void mvRenamesWithItsReferencesAndMovesBetweenStages(String kind) {
        String url = url(kind);
        deploy(url, s -> {
            s.create(record("Bucket", ResourceStatus.CREATED));
            s.create(record("Reader", ResourceStatus.CREATED, "Bucket"));
        });
        Run renamed = run("--store", url, "mv", "app", "prod", "Bucket", "data/Bucket", "--yes");
        assertThat(renamed.code()).as(renamed.err()).isZero();
        assertThat(get(url, "Reader").downstream()).containsExactly("data/Bucket");
        assertThat(get(url, "data/Bucket").fqn()).isEqualTo("data/Bucket");

        Run moved = run("--store", url, "mv", "app", "prod", "data/Bucket", "--to-stage", "staging", "--yes");
        assertThat(moved.code()).as(moved.err()).isZero();
        assertThat(moved.out()).contains("data/Bucket in app/staging (create)");
        assertThat(documents(url, "staging")).containsOnlyKeys("data/Bucket");
        assertThat(get(url, "Reader").downstream()).isEmpty();

        String other = "memory:surgery-other-" + UUID.randomUUID();
        try {
            Run toStore = run("--store", url, "mv", "app", "prod", "Reader", "--to-store", other, "--yes");
            assertThat(toStore.code()).as(toStore.err()).isZero();
            try (StateStore there = StateStores.open(other)) {
                assertThat(there.scope("app", "prod").require("Reader").value()).isEqualTo(
                        record("Reader", ResourceStatus.CREATED));
            }
            assertThat(documents(url, "prod")).isEmpty();
        } finally {
            MemoryStores.drop(other.substring("memory:".length()));
        }
        assertThat(run("--store", url, "mv", "app", "staging", "data/Bucket", "X", "--to-stage", "dev").code())
                .isEqualTo(Statestore.USAGE);
        assertThat(run("--store", url, "mv", "app", "staging", "data/Bucket", "--to-stage", "staging").code())
                .isEqualTo(Statestore.USAGE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "file"})
    void editChecksOnSaveWritesOnConfirmationAndKeepsTheCopyWhenRaced(String kind) throws Exception {
        String url = url(kind);
        deploy(url, s -> s.create(record("Fn", ResourceStatus.CREATED)));

        SurgeryCommands.editor = file -> rewrite(file, "\"Test.Thing\"", "\"Test.Function\"");
        HistoryCommands.answers = () -> "y";
        Run edited = run("--store", url, "edit", "app", "prod", "Fn");
        assertThat(edited.code()).as(edited.err()).isZero();
        assertThat(edited.out()).contains("/resourceType: \"Test.Thing\" -> \"Test.Function\"", "applied 1 writes");
        assertThat(get(url, "Fn").resourceType()).contains("Test.Function");

        AtomicReference<Path> copy = new AtomicReference<>();
        SurgeryCommands.editor = file -> {
            copy.set(file);
            rewrite(file, "\"Test.Function\"", "\"Test.Lambda\"");
            try (StateStore store = StateStores.open(url)) {
                store.scope("app", "prod").put(record("Fn", ResourceStatus.UPDATED));
            }
        };
        Run raced = run("--store", url, "edit", "app", "prod", "Fn", "--yes");
        assertThat(raced.code()).isEqualTo(Statestore.CONFLICT);
        assertThat(raced.err()).contains("your copy is kept at " + copy.get());
        assertThat(Files.readString(copy.get())).contains("Test.Lambda");
        assertThat(get(url, "Fn").status()).as("the concurrent change stands").isEqualTo(ResourceStatus.UPDATED);

        SurgeryCommands.editor = file -> rewrite(file, "\"updated\"", "\"sideways\"");
        Run invalid = run("--store", url, "edit", "app", "prod", "Fn", "--yes");
        assertThat(invalid.code()).isEqualTo(Statestore.USAGE);
        assertThat(invalid.err()).contains("not valid", "your copy is kept at");

        HistoryCommands.answers = () -> "n";
        SurgeryCommands.editor = file -> rewrite(file, "\"updated\"", "\"created\"");
        assertThat(run("--store", url, "edit", "app", "prod", "Fn").code()).isEqualTo(Statestore.CONFLICT);
        assertThat(get(url, "Fn").status()).isEqualTo(ResourceStatus.UPDATED);

        Run set = run("--store", url, "edit", "app", "prod", "Fn", "--set", "props.memory=512", "--set",
                "/attr/url=https://fn", "--yes");
        assertThat(set.code()).as(set.err()).isZero();
        ResourceState fn = get(url, "Fn");
        assertThat(fn.props().orElseThrow().get("memory").asInt()).isEqualTo(512);
        assertThat(fn.attr().orElseThrow().get("url").asText()).isEqualTo("https://fn");

        Run marked = run("--store", url, "mark", "app", "prod", "Fn", "--status", "creating", "--yes");
        assertThat(marked.code()).as(marked.err()).isZero();
        assertThat(get(url, "Fn").status()).isEqualTo(ResourceStatus.CREATING);
    }

    private static void rewrite(Path file, String from, String to) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            assertThat(text).contains(from);
            Files.writeString(file, text.replace(from, to), StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * The README's worked example: a first deploy interrupted mid-way left a record 'creating', a reference to a
     * resource never written, and (on the file store) a file cut short. repair names each, fixes them as chosen,
     * and finds nothing the second time.
     */
    @Test
    void repairRecoversFromAnInterruptedFirstDeploy() throws Exception {
        String url = url("file");
        try (StateStore store = StateStores.open(url)) {
            StateScope scope = store.scope("app", "prod");
            DeploymentLease crashed = scope.deployments().begin(DeploymentMeta.deploy(ALICE), Duration.ofMillis(200));
            StateScope deploy = scope.fenced(crashed.version());
            deploy.create(record("Api/Bucket", ResourceStatus.CREATING));
            deploy.create(record("Api/Worker", ResourceStatus.CREATED, "Api/Route"));
            deploy.create(record("Api/Queue", ResourceStatus.CREATED));
        }
        Path cut = tmp.resolve("state/state/app/prod/Api__Queue.json");
        byte[] bytes = Files.readAllBytes(cut);
        byte[] truncated = java.util.Arrays.copyOf(bytes, bytes.length / 2);
        Files.write(cut, truncated);
        Thread.sleep(300); // the crashed deploy's lease runs out: nothing is live any more

        Run found = run("--store", url, "repair", "app", "prod");
        assertThat(found.code()).as(found.err()).isZero();
        assertThat(found.out()).contains("stuck: Api/Bucket", "dangling downstream: Api/Worker", "corrupt: Api/Queue",
                "3 problems found", "dry run", "note: 'Api/Bucket' is left 'creating'");
        assertThat(Files.readAllBytes(cut)).isEqualTo(truncated);
        Run json = run("--store", url, "--json", "repair", "app", "prod");
        assertThat(json.out()).contains("\"problem\": \"stuck\"", "\"problem\": \"corrupt\"",
                "\"action\": \"quarantine\"", "\"applied\": false");

        Run fixed = run("--store", url, "repair", "app", "prod", "--mark", "Api/Bucket=created", "--yes");
        assertThat(fixed.code()).as(fixed.err()).isZero();
        assertThat(fixed.out()).contains("! Api/Queue (quarantine", "applied 3 writes");
        assertThat(run("--store", url, "repair", "app", "prod").out()).contains("no problems found");
        assertThat(get(url, "Api/Bucket").status()).isEqualTo(ResourceStatus.CREATED);
        assertThat(get(url, "Api/Worker").downstream()).isEmpty();
        assertThat(cut).doesNotExist();

        Run quarantined = run("--store", url, "--json", "quarantine", "app", "prod");
        assertThat(quarantined.code()).as(quarantined.err()).isZero();
        com.fasterxml.jackson.databind.JsonNode entry = dev.statestore.spi.StateJson.parse(quarantined.out()).get(0);
        assertThat(entry.get("fqn").asText()).isEqualTo("Api/Queue");
        assertThat(entry.get("bytes").asText().getBytes(StandardCharsets.UTF_8)).isEqualTo(truncated);
        assertThat(run("--store", url, "quarantine", "app", "prod").out()).contains("Api/Queue", "Api__Queue.json");

        assertThat(run("--store", url, "repair", "app", "prod", "--mark", "Api/Worker=created").code())
                .as("only a stuck record is marked by repair").isEqualTo(Statestore.USAGE);
    }
}
