package dev.statestore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.statestore.LockLease;
import dev.statestore.MemoryStores;
import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.ScopeId;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.StateStores;
import dev.statestore.Versioned;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every command, on the memory and the file store, with its exit codes. */
class StatestoreCommandTest {

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cli = Statestore.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @TempDir
    Path tmp;

    private String memory;

    @BeforeEach
    void names() {
        memory = "memory:cli-" + UUID.randomUUID();
    }

    @AfterEach
    void drop() {
        MemoryStores.drop(memory.substring("memory:".length()));
    }

    private String url(String kind) {
        return kind.equals("memory") ? memory : "file:" + tmp.resolve("state");
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "file"})
    void demoThenTheReadCommands(String kind) {
        String store = url(kind);
        Run demo = run("--store", store, "demo");
        assertThat(demo.code()).as(demo.err()).isZero();
        assertThat(demo.out()).contains("Api/Db", "Api/Worker", "Bucket", "Queue", "creating", "Try next");

        assertThat(run("--store", store, "stacks").out()).contains("demo-app", "dev");
        assertThat(run("--store", store, "stages", "demo-app").out()).contains("dev");
        Run ls = run("ls", "demo-app", "dev", "--store", store);
        assertThat(ls.out().lines().skip(1).map(l -> l.split("\\s+")[0]).collect(Collectors.toList()))
                .containsExactly("Api/Db", "Api/Worker", "Bucket", "Queue");
        assertThat(run("--store", store, "ls", "demo-app", "dev", "--status", "created,updated").out())
                .contains("Api/Db", "Bucket", "Api/Worker").doesNotContain("Queue");
        Run pending = run("--store", store, "--json", "pending", "demo-app", "dev");
        assertThat(pending.out()).contains("\"fqn\": \"Queue\"").doesNotContain("Bucket");
        Run show = run("--store", store, "show", "demo-app", "dev", "Api/Db");
        assertThat(show.code()).isZero();
        assertThat(show.out()).contains("version 5", "\"resourceType\": \"Neon.Database\"", "__redacted__");
        assertThat(run("--store", store, "demo").code()).as("the demo runs again").isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "file"})
    void exportThenImportElsewhereIsIdentical(String kind) throws Exception {
        String store = url(kind);
        run("--store", store, "demo");
        Path file = tmp.resolve("export.json");
        Run export = run("--store", store, "export", "demo-app", "dev", "-o", file.toString());
        assertThat(export.code()).as(export.err()).isZero();
        String text = Files.readString(file);
        assertThat(text).startsWith("{\"format\":\"statestore-export\",\"formatVersion\":1,\"resources\":[");

        String other = "memory:import-" + UUID.randomUUID();
        Run imported = run("--store", other, "import", file.toString());
        assertThat(imported.code()).as(imported.err()).isZero();
        assertThat(imported.out()).contains("4 created");
        assertThat(run("--store", other, "import", file.toString()).out()).contains("0 created", "4 unchanged");
        try (StateStore a = StateStores.open(store); StateStore b = StateStores.open(other)) {
            assertThat(digest(b, "demo-app", "dev")).isEqualTo(digest(a, "demo-app", "dev"));
            assertThat(b.scope("demo-app", "dev").output()).isPresent();
            // A record that differs is refused, with nothing written, unless --overwrite.
            Versioned<ResourceState> bucket = b.scope("demo-app", "dev").require("Bucket");
            b.scope("demo-app", "dev").update(bucket.value().toBuilder().status(ResourceStatus.DELETING).build(), bucket.version());
            Run refused = run("--store", other, "import", file.toString());
            assertThat(refused.code()).isEqualTo(Statestore.CONFLICT);
            assertThat(refused.err()).contains("Bucket", "--overwrite", "nothing was written");
            assertThat(run("--store", other, "import", "--overwrite", file.toString()).code()).isZero();
            assertThat(digest(b, "demo-app", "dev")).isEqualTo(digest(a, "demo-app", "dev"));
        } finally {
            MemoryStores.drop(other.substring("memory:".length()));
        }
    }

    @Test
    void importReadsAlchemysOwnExport() throws Exception {
        Path file = tmp.resolve("alchemy-export.json");
        Files.writeString(file, "{\"resources\":[{\"stack\":\"MyApp\",\"stage\":\"prod\",\"fqn\":\"Bucket\",\"state\":"
                + "{\"kind\":\"resource\",\"fqn\":\"Bucket\",\"status\":\"created\",\"resourceType\":\"R2\"}}]}");
        assertThat(run("--store", memory, "import", file.toString()).code()).isZero();
        assertThat(run("--store", memory, "ls", "MyApp", "prod").out()).contains("Bucket", "R2");
        Files.writeString(file, "{\"formatVersion\":99,\"resources\":[]}");
        Run newer = run("--store", memory, "import", file.toString());
        assertThat(newer.code()).isEqualTo(Statestore.USAGE);
        assertThat(newer.err()).contains("format version 99");
    }

    @Test
    void migrateBetweenStoreTypesInterruptedAndResumedEndsIdentical() throws Exception {
        String file = "file:" + tmp.resolve("local");
        try (StateStore source = StateStores.open(file)) {
            StateScope scope = source.scope("big", "prod");
            for (int i = 0; i < 2000; i++) {
                scope.create(ResourceState.builder(String.format("svc%02d/res-%04d", i % 17, i), ResourceStatus.CREATED)
                        .resourceType("Test.Thing").props(dev.statestore.spi.StateJson.nodes().objectNode().put("i", i))
                        .build());
            }
            scope.putOutput(dev.statestore.StackOutput.fromJson("{\"url\":\"https://big\"}"));
        }
        // Interrupted halfway: the thread is interrupted once 1,000 records are across.
        try (StateStore from = StateStores.open(file); StateStore to = StateStores.open(memory)) {
            AtomicReference<RuntimeException> failure = new AtomicReference<>();
            Thread worker = new Thread(() -> {
                try {
                    new Migrator(from, to, false, "test", new Migrator.Progress() {
                        @Override
                        public void scopeStarted(ScopeId scope, long total) {}

                        @Override
                        public void recordDone(ScopeId scope, long done) {
                            if (done == 1000) {
                                Thread.currentThread().interrupt();
                            }
                        }
                    }).migrate(new ScopeId("big", "prod"));
                } catch (RuntimeException e) {
                    failure.set(e);
                }
            });
            worker.start();
            worker.join();
            assertThat(failure.get()).hasMessageContaining("interrupted after 1000 records");
            assertThat(to.scope("big", "prod").listAll()).hasSize(1000);
            assertThat(to.scope("big", "prod").lockInfo()).as("locks released on the way out").isEmpty();
        }
        Run resumed = run("migrate", "--from", file, "--to", memory, "--stack", "big", "--stage", "prod");
        assertThat(resumed.code()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("1000 created", "1000 already there", "verified: 2000 records");

        // And back, into a fresh folder: the same digest.
        String back = "file:" + tmp.resolve("back");
        Run returned = run("--json", "migrate", "--from", memory, "--to", back, "--all");
        assertThat(returned.code()).as(returned.err()).isZero();
        assertThat(returned.out()).contains("\"verified\": true", "\"created\": 2000");
        try (StateStore a = StateStores.open(file); StateStore b = StateStores.open(back)) {
            assertThat(digest(b, "big", "prod")).isEqualTo(digest(a, "big", "prod"));
            assertThat(b.scope("big", "prod").output()).isPresent();
        }
    }

    @Test
    void migrateRefusesDifferingRecordsAndAHeldLock() {
        run("--store", memory, "demo");
        String target = "memory:target-" + UUID.randomUUID();
        try (StateStore to = StateStores.open(target)) {
            to.scope("demo-app", "dev").create(ResourceState.builder("Bucket", ResourceStatus.DELETING).build());
            Run refused = run("migrate", "--from", memory, "--to", target, "--stack", "demo-app");
            assertThat(refused.code()).isEqualTo(Statestore.CONFLICT);
            assertThat(refused.out()).contains("1 refused", "Bucket", "NOT verified");
            assertThat(run("migrate", "--from", memory, "--to", target, "--stack", "demo-app", "--overwrite").code()).isZero();

            LockLease deploy = to.scope("demo-app", "dev").acquireLock("alice deploying", Duration.ofMinutes(5));
            Run locked = run("migrate", "--from", memory, "--to", target, "--all");
            assertThat(locked.code()).isEqualTo(Statestore.CONFLICT);
            assertThat(locked.err()).contains("alice deploying", "lock release --force");
            to.scope("demo-app", "dev").releaseLock(deploy.lockId());
        } finally {
            MemoryStores.drop(target.substring("memory:".length()));
        }
    }

    @Test
    void lockStatusAndForcedRelease() {
        try (StateStore store = StateStores.open(memory)) {
            store.scope("app", "prod").acquireLock("crashed-ci-job", Duration.ofHours(1));
            assertThat(run("--store", memory, "lock", "status", "app", "prod").out()).contains("held by 'crashed-ci-job'");
            Run noForce = run("--store", memory, "lock", "release", "app", "prod");
            assertThat(noForce.code()).isEqualTo(Statestore.USAGE);
            assertThat(noForce.err()).contains("--force");
            Run forced = run("--store", memory, "lock", "release", "--force", "app", "prod");
            assertThat(forced.code()).isZero();
            assertThat(forced.out()).contains("released the lock held by 'crashed-ci-job'");
            assertThat(run("--store", memory, "--json", "lock", "status", "app", "prod").out()).contains("\"held\": false");
        }
    }

    @Test
    void deploymentsListTheJournalNewestFirstAndOneShowsItsEvents() {
        try (StateStore store = StateStores.open(memory)) {
            var deployments = store.scope("app", "prod").deployments();
            var meta = new dev.statestore.DeploymentMeta("deploy", new dev.statestore.DeploymentMeta.Initiator("sam", "laptop",
                    4242L), "2.0.0", "abc123");
            var first = deployments.begin(meta, Duration.ofMinutes(1));
            deployments.appendEvents(first.version(), first.token(), java.util.List.of(new dev.statestore.DeploymentEvent(1,
                    java.time.Instant.parse("2026-11-30T10:00:00Z"), "Api/Bucket",
                    dev.statestore.spi.StateJson.nodes().objectNode().put("op", "create"))));
            deployments.end(first.version(), first.token(), dev.statestore.DeploymentOutcome.SUCCEEDED,
                    new dev.statestore.DeploymentSummary(java.util.Map.of("create", 3L), null));
            var second = deployments.begin(new dev.statestore.DeploymentMeta("destroy", null, null, null), Duration.ofMinutes(1));

            Run listed = run("--store", memory, "deployments", "app", "prod");
            assertThat(listed.code()).as(listed.err()).isZero();
            assertThat(listed.out()).contains("VERSION").contains("COUNTS");
            assertThat(listed.out().indexOf("destroy")).as("newest first").isLessThan(listed.out().indexOf("deploy "));
            assertThat(listed.out()).contains("sam@laptop (pid 4242)").contains("succeeded").contains("create 3").contains("open");
            assertThat(run("--store", memory, "--json", "deployments", "app", "prod").out())
                    .contains("\"version\": 2").contains("\"outcome\": \"succeeded\"").doesNotContain(second.token());

            Run shown = run("--store", memory, "deployment", "app", "prod", "1");
            assertThat(shown.code()).as(shown.err()).isZero();
            assertThat(shown.out()).contains("Api/Bucket").contains("{\"op\":\"create\"}").contains("1 events")
                    .contains("commit abc123");
            assertThat(run("--store", memory, "--json", "deployment", "app", "prod", "1").out()).contains("\"events\"");
            Run missing = run("--store", memory, "deployment", "app", "prod", "9");
            assertThat(missing.code()).isEqualTo(Statestore.NOT_FOUND);

            Run status = run("--store", memory, "lock", "status", "app", "prod");
            assertThat(status.out()).contains("open deployment 2: destroy");
            assertThat(run("--store", memory, "--json", "lock", "status", "app", "prod").out()).contains("\"deployment\"");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "file"})
    void historyDiffAndRestore(String kind) {
        String url = url(kind);
        var alice = new dev.statestore.DeploymentMeta.Initiator("alice", "laptop", 1L);
        try (StateStore store = StateStores.open(url)) {
            var scope = store.scope("app", "prod");
            for (int round = 1; round <= 2; round++) {
                var lease = scope.deployments().begin(dev.statestore.DeploymentMeta.deploy(alice), Duration.ofMinutes(1));
                var deploy = scope.fenced(lease.version());
                deploy.put(dev.statestore.ResourceState.builder("Api/Bucket", round == 1
                        ? dev.statestore.ResourceStatus.CREATED : dev.statestore.ResourceStatus.UPDATED)
                        .attr(dev.statestore.spi.StateJson.nodes().objectNode().put("url", "https://v" + round)
                                .set("key", dev.statestore.spi.StateJson.nodes().objectNode().put("__redacted__", "k" + round)))
                        .build());
                if (round == 1) {
                    deploy.put(dev.statestore.ResourceState.builder("Queue", dev.statestore.ResourceStatus.CREATED).build());
                } else {
                    deploy.delete("Queue");
                    deploy.put(dev.statestore.ResourceState.builder("Topic", dev.statestore.ResourceStatus.CREATED).build());
                }
                scope.deployments().end(lease.version(), lease.token(), dev.statestore.DeploymentOutcome.SUCCEEDED, null);
            }
        }
        Run history = run("--store", url, "history", "app", "prod");
        assertThat(history.code()).as(history.err()).isZero();
        assertThat(history.out()).contains("DEPLOYMENT", "alice@laptop", "delete", "Queue", "Topic", "Api/Bucket");
        Run one = run("--store", url, "history", "app", "prod", "Api/Bucket");
        assertThat(one.out().lines().skip(1).map(l -> l.split("\\s+")[1]).collect(Collectors.toList()))
                .as("newest first, by deployment").containsExactly("2", "1");
        assertThat(run("--store", url, "--json", "history", "app", "prod", "Queue").out()).contains("\"deleted\": true");

        Run diff = run("--store", url, "diff", "app", "prod", "1", "2");
        assertThat(diff.code()).as(diff.err()).isZero();
        assertThat(diff.out()).contains("+ Topic", "- Queue", "~ Api/Bucket", "/attr/url: \"https://v1\" -> \"https://v2\"",
                "/attr/key: (secret changed)", "1 added, 1 removed, 1 changed").doesNotContain("k1").doesNotContain("k2")
                .doesNotContain("\u001b");
        assertThat(run("--store", url, "--json", "diff", "app", "prod", "1").out()).contains("\"kind\": \"changed\"")
                .contains("\"to\": null");
        assertThat(run("--store", url, "diff", "app", "prod", "7").code()).isEqualTo(Statestore.NOT_FOUND);

        HistoryCommands.answers = () -> "n";
        try {
            Run declined = run("--store", url, "restore", "app", "prod", "--to", "1");
            assertThat(declined.code()).isEqualTo(Statestore.CONFLICT);
            assertThat(declined.err()).contains("[y/N]", "not restored");
            assertThat(declined.out()).contains("- Queue");
        } finally {
            HistoryCommands.answers = () -> null;
        }
        assertThat(run("--store", url, "--json", "restore", "app", "prod", "--to", "1").code())
                .as("no one to ask").isEqualTo(Statestore.USAGE);
        Run restored = run("--store", url, "restore", "app", "prod", "--to", "1", "--yes");
        assertThat(restored.code()).as(restored.err()).isZero();
        assertThat(restored.out()).contains("as deployment 3", "1 created, 1 updated, 1 deleted", "--to 2");
        assertThat(run("--store", url, "ls", "app", "prod").out()).contains("Queue").doesNotContain("Topic");
        Run again = run("--store", url, "--json", "restore", "app", "prod", "--to", "1", "--yes");
        assertThat(again.out()).contains("\"changes\": 0");
    }

    @Test
    void rekeyMovesAScopeToTheNewPrimaryKey() throws Exception {
        byte[] k1 = new byte[32];
        byte[] k2 = new byte[32];
        new java.security.SecureRandom().nextBytes(k1);
        new java.security.SecureRandom().nextBytes(k2);
        var b64 = java.util.Base64.getEncoder();
        Path old = Files.writeString(tmp.resolve("old.keys"), "k1:" + b64.encodeToString(k1));
        Path both = Files.writeString(tmp.resolve("both.keys"), "k2:" + b64.encodeToString(k2) + "\nk1:" + b64.encodeToString(k1));
        Path onlyNew = Files.writeString(tmp.resolve("new.keys"), "k2:" + b64.encodeToString(k2));
        String state = "file:" + tmp.resolve("state") + "?encryptionKey=file:";
        assertThat(run("--store", state + old, "demo").code()).isZero();

        Run rekey = run("--store", state + both, "rekey", "demo-app", "dev");
        assertThat(rekey.code()).as(rekey.err()).isZero();
        assertThat(rekey.out()).containsPattern("demo-app/dev: (\\d+) of \\1 documents re-sealed; all are now under the key 'k2'");
        Run again = run("--store", state + both, "--json", "rekey", "demo-app", "dev");
        assertThat(again.out()).contains("\"resealed\": 0", "\"primaryKey\": \"k2\"");
        Run readsWithNewKeyOnly = run("--store", state + onlyNew, "ls", "demo-app", "dev");
        assertThat(readsWithNewKeyOnly.code()).as(readsWithNewKeyOnly.err()).isZero();

        Run plain = run("--store", "file:" + tmp.resolve("state"), "rekey", "demo-app", "dev");
        assertThat(plain.code()).isEqualTo(Statestore.USAGE);
        assertThat(plain.err()).contains("encryptionKey");
    }

    @Test
    void benchMeasuresTheStoreAndCleansUp() throws Exception {
        Run bench = run("--store", memory, "bench", "--ops", "50", "--records", "100", "--threads", "4");
        assertThat(bench.code()).as(bench.err()).isZero();
        assertThat(bench.out()).contains("get", "create", "update", "delete", "deploy of 100 resources on 4 threads");
        assertThat(bench.out()).as("the deploy phase by phase")
                .containsPattern("(?m)^  create +\\(creating, created\\) +[0-9.]+ s +[0-9]+ writes/s$")
                .containsPattern("(?m)^  list +\\(the scope read whole\\) +[0-9.]+ s +[0-9]+ records/s$")
                .containsPattern("(?m)^  update +\\(updating, updated\\) +[0-9.]+ s")
                .containsPattern("(?m)^  delete +\\(each deleted\\) +[0-9.]+ s");
        Run json = run("--store", memory, "--json", "bench", "--ops", "20", "--records", "20", "--threads", "1");
        assertThat(json.out()).contains("\"operation\": \"get\"", "\"opsPerSecond\"");
        com.fasterxml.jackson.databind.JsonNode deploy = dev.statestore.spi.StateJson.parse(
                json.out().getBytes(java.nio.charset.StandardCharsets.UTF_8)).get(4);
        assertThat(deploy.get("operation").asText()).isEqualTo("deploy");
        assertThat(deploy.get("count").asInt()).isEqualTo(20);
        double phases = 0;
        for (String phase : List.of("create", "list", "update", "delete")) {
            assertThat(deploy.at("/phaseSeconds/" + phase).isNumber()).as(phase).isTrue();
            phases += deploy.at("/phaseSeconds/" + phase).asDouble();
        }
        assertThat(deploy.get("seconds").asDouble()).as("the phases add up to the deploy").isCloseTo(phases,
                org.assertj.core.data.Offset.offset(1e-9));
        assertThat(run("--store", memory, "stacks").out()).as("its scratch stack is gone").doesNotContain("statestore-bench");
        assertThat(run("--store", memory, "bench", "--threads", "0").code()).isEqualTo(Statestore.USAGE);

        Path dir = tmp.resolve("bench");
        Run file = run("--store", "file:" + dir, "bench", "--ops", "20", "--records", "20", "--threads", "2");
        assertThat(file.code()).as(file.err()).isZero();
        assertThat(file.out()).contains("deleted the scratch stack", "last version");
        assertThat(dir.resolve("state")).as("no folder left where Alchemy lists stacks").isEmptyDirectory();
    }

    @Test
    void recordsAlchemyNamedAsThisStoreNeverWritesAreListedExportedAndNamedButNotWritten() throws Exception {
        String store = url("file");
        try (StateStore s = StateStores.open(store)) {
            s.scope("app", "dev").create(ResourceState.builder("Bucket", ResourceStatus.CREATED).build());
        }
        Path dir = tmp.resolve("state/state/app/dev");
        // Alchemy's own names for "/lead" and "a//b": "/" as "__".
        Files.writeString(dir.resolve("__lead.json"), "{\"fqn\":\"/lead\",\"status\":\"creating\",\"kind\":\"resource\"}");
        Files.writeString(dir.resolve("a____b.json"), "{\"fqn\":\"a//b\",\"status\":\"created\",\"kind\":\"resource\"}");

        Run ls = run("--store", store, "ls", "app", "dev");
        assertThat(ls.code()).as(ls.err()).isZero();
        assertThat(ls.out()).contains("/lead (!)", "a//b (!)", "2 record(s) named as this store never writes", "doctor");
        assertThat(ls.out().lines().filter(l -> l.startsWith("Bucket")).findFirst()).get().asString().doesNotContain("(!)");
        assertThat(run("--store", store, "--json", "ls", "app", "dev").out()).contains("\"readOnlyName\"", "empty segment");
        assertThat(run("--store", store, "pending", "app", "dev").out()).contains("/lead (!)").doesNotContain("a//b");
        Run show = run("--store", store, "show", "app", "dev", "/lead");
        assertThat(show.code()).as(show.err()).isZero();
        assertThat(show.out()).contains("version 1", "\"creating\"");

        Path export = tmp.resolve("export.json");
        assertThat(run("--store", store, "export", "app", "dev", "-o", export.toString()).code()).isZero();
        assertThat(Files.readString(export)).contains("\"fqn\":\"/lead\"", "\"fqn\":\"a//b\"", "\"readOnlyName\"");
        Run imported = run("--store", memory, "import", export.toString());
        assertThat(imported.code()).isEqualTo(Statestore.USAGE);
        assertThat(imported.err()).contains("2 row(s)", "resources[0] (app/dev)", "never writes", "nothing was written");

        Run migrate = run("migrate", "--from", store, "--to", memory, "--stack", "app");
        assertThat(migrate.code()).isEqualTo(Statestore.CONFLICT);
        assertThat(migrate.out()).contains("1 created", "2 not copied", "/lead", "a//b", "NOT verified");

        Run doctor = run("--store", store, "doctor", "--rounds", "1");
        assertThat(doctor.out() + doctor.err()).contains(dir.resolve("__lead.json").toString(), dir.resolve("a____b.json").toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"memory", "file"})
    void doctorChecksTheStore(String kind) {
        Run doctor = run("--store", url(kind), "doctor");
        assertThat(doctor.code()).as(doctor.out() + doctor.err()).isZero();
        assertThat(doctor.out()).contains("60 rounds of 16 racing creates, 60 rounds of 16 racing updates: exactly one "
                + "winner every round", "caught with probability 95%", "ok");
        if (kind.equals("memory")) {
            assertThat(doctor.out()).contains("warning", "lost when it exits");
        }
        assertThat(run("--store", url(kind), "stacks").out()).doesNotContain("statestore-doctor");
    }

    @Test
    void badInputHasItsExitCodeAndSaysWhatToDo() throws Exception {
        Run unknown = run("--store", "nosuch://x", "stacks");
        assertThat(unknown.code()).isEqualTo(Statestore.USAGE);
        assertThat(unknown.err()).contains("nosuch", "file", "memory", "postgresql", "redis");

        Run malformed = run("--store", "not a url", "stacks");
        assertThat(malformed.code()).isEqualTo(Statestore.USAGE);

        Run missingScope = run("--store", memory, "ls", "nope", "nope");
        assertThat(missingScope.code()).isEqualTo(Statestore.NOT_FOUND);
        assertThat(missingScope.err()).contains("no stack 'nope' stage 'nope'");

        run("--store", memory, "demo");
        Run missingRecord = run("--store", memory, "show", "demo-app", "dev", "Nope");
        assertThat(missingRecord.code()).isEqualTo(Statestore.NOT_FOUND);
        assertThat(missingRecord.err()).contains("Nope");

        Run badName = run("--store", memory, "ls", "a/b", "dev");
        assertThat(badName.code()).isEqualTo(Statestore.USAGE);

        Run noCommand = run();
        assertThat(noCommand.code()).isEqualTo(Statestore.USAGE);
        Run badOption = run("ls", "--no-such-option");
        assertThat(badOption.code()).isEqualTo(Statestore.USAGE);

        String file = "file:" + tmp.resolve("corrupt");
        run("--store", file, "demo");
        Files.writeString(tmp.resolve("corrupt/state/demo-app/dev/Bucket.json"), "{\"fqn\": \"Bucket\", ");
        Run corrupt = run("--store", file, "ls", "demo-app", "dev");
        assertThat(corrupt.code()).isEqualTo(Statestore.CORRUPT);
        assertThat(corrupt.err()).contains("Bucket.json", "left untouched");
        assertThat(run("--store", file, "show", "demo-app", "dev", "Bucket").code()).isEqualTo(Statestore.CORRUPT);
        assertThat(run("--store", file, "show", "demo-app", "dev", "Queue").code()).as("other records read").isZero();

        Run unavailable = run("--store", "postgresql://u:hunter2@127.0.0.1:1/db?connectTimeout=1", "stacks");
        assertThat(unavailable.code()).isEqualTo(Statestore.UNAVAILABLE);
        assertThat(unavailable.err()).doesNotContain("hunter2").contains("reachable");

        assertThat(run("--help").out()).contains("Exit codes", "6  doctor found a problem");
    }

    private static String digest(StateStore store, String stack, String stage) {
        List<String> all = store.scope(stack, stage).listAll().stream()
                .map(v -> v.value().fqn() + "\u0000" + v.value().toJson()).collect(Collectors.toList());
        return Integer.toHexString(all.hashCode()) + "/" + all.size();
    }
}
