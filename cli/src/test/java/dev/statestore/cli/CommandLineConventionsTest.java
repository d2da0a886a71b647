package dev.statestore.cli;

import static dev.statestore.cli.StatestoreCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.statestore.MemoryStores;
import dev.statestore.ResourceStatus;
import dev.statestore.StateStore;
import dev.statestore.StateStores;
import dev.statestore.cli.StatestoreCommandTest.Run;
import dev.statestore.spi.StateJson;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** What the command line promises of every command: help, JSON, exit codes, messages for people, progress. */
class CommandLineConventionsTest {

    @TempDir
    Path tmp;

    private String memory;

    @BeforeEach
    void names() {
        memory = "memory:conventions-" + UUID.randomUUID();
    }

    @AfterEach
    void drop() {
        MemoryStores.drop(memory.substring("memory:".length()));
        Progress.lineInterval = Progress.DEFAULT_LINE_INTERVAL;
    }

    private static List<List<String>> commandPaths(CommandLine command, List<String> prefix) {
        List<List<String>> paths = new ArrayList<>();
        command.getSubcommands().forEach((name, sub) -> {
            if (name.equals("help")) {
                return;
            }
            List<String> path = new ArrayList<>(prefix);
            path.add(name);
            paths.add(path);
            paths.addAll(commandPaths(sub, path));
        });
        return paths;
    }

    @Test
    void everyCommandAnswersHelpWithItsUsage() {
        List<List<String>> paths = commandPaths(Statestore.commandLine(), List.of());
        assertThat(paths).extracting(p -> String.join(" ", p))
                .contains("serve", "export", "bench", "lock", "lock release", "lock status", "doctor", "demo", "import");
        for (List<String> path : paths) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            Run help = run(args.toArray(String[]::new));
            assertThat(help.code()).as(args + ": " + help.err()).isZero();
            assertThat(help.out()).as(String.join(" ", args)).startsWith("Usage: statestore " + String.join(" ", path));
        }
    }

    private static JsonNode json(Run run) throws Exception {
        assertThat(run.code()).as(run.err()).isZero();
        return StateJson.parse(run.out());
    }

    @Test
    void jsonIsHonouredByEveryCommandThatPrints() throws Exception {
        JsonNode demo = json(run("--store", memory, "--json", "demo"));
        assertThat(demo.path("records")).hasSize(4);
        assertThat(demo.path("pending")).hasSize(1);
        assertThat(demo.path("pending").get(0).path("fqn").asText()).isEqualTo("Queue");

        JsonNode stacks = json(run("--store", memory, "--json", "stacks"));
        assertThat(stacks.get(0).path("stack").asText()).isEqualTo("demo-app");
        assertThat(stacks.get(0).path("stages").get(0).asText()).as("what the table shows, the stages").isEqualTo("dev");

        Path file = tmp.resolve("export.json");
        assertThat(run("--store", memory, "export", "demo-app", "dev", "-o", file.toString()).code()).isZero();
        String other = "memory:conventions-import-" + UUID.randomUUID();
        try {
            JsonNode imported = json(run("--store", other, "--json", "import", file.toString()));
            assertThat(imported.path("created").isNumber()).isTrue();
            assertThat(imported.path("created").asInt()).isEqualTo(4);
            assertThat(imported.path("unchanged").asInt()).isZero();
        } finally {
            MemoryStores.drop(other.substring("memory:".length()));
        }

        try (StateStore store = StateStores.open(memory)) {
            store.scope("demo-app", "dev").acquireLock("crashed-ci-job", Duration.ofHours(1));
        }
        JsonNode released = json(run("--store", memory, "--json", "lock", "release", "--force", "demo-app", "dev"));
        assertThat(released.path("released").asBoolean()).isTrue();
        assertThat(released.path("owner").asText()).isEqualTo("crashed-ci-job");
        assertThat(json(run("--store", memory, "--json", "lock", "release", "--force", "demo-app", "dev"))
                .path("released").asBoolean()).isFalse();

        JsonNode doctor = json(run("--store", memory, "--json", "doctor"));
        for (String field : List.of("openMillis", "writeMillis", "readMillis", "deleteMillis", "createRounds", "detectionOfOneRoundIn20")) {
            assertThat(doctor.path(field).isNumber()).as(field + " is a JSON number: " + doctor.path(field)).isTrue();
        }
    }

    @Test
    void aCorruptVersionFileIsCorruptDataNamedByPathNotAnOutage() throws Exception {
        Path dir = tmp.resolve("state");
        String store = "file:" + dir;
        assertThat(run("--store", store, "demo").code()).isZero();
        Path meta = dir.resolve(".statestore/demo-app/dev/Bucket.meta");
        assertThat(meta).exists();
        Files.writeString(meta, "garbage{\n");
        Run show = run("--store", store, "show", "demo-app", "dev", "Bucket");
        assertThat(show.code()).isEqualTo(Statestore.CORRUPT);
        assertThat(show.err()).contains(meta.toString()).doesNotContain("try again", "Source: REDACTED");
        assertThat(Files.readString(meta)).as("left as it was").isEqualTo("garbage{\n");
    }

    @Test
    void messagesAreForPeople() throws Exception {
        Run missing = run("--store", memory, "import", tmp.resolve("nonexistent.json").toString());
        assertThat(missing.code()).isEqualTo(Statestore.USAGE);
        assertThat(missing.err()).contains("nonexistent.json", "no such file");

        Path garbage = Files.writeString(tmp.resolve("garbage.json"), "garbage{ not json");
        Run notJson = run("--store", memory, "import", garbage.toString());
        assertThat(notJson.code()).isEqualTo(Statestore.USAGE);
        assertThat(notJson.err()).contains("is not JSON", "line 1").doesNotContain("Source:", "REDACTED", "StreamReadFeature");

        Run noStages = run("--store", memory, "stages", "nosuch");
        assertThat(noStages.code()).isEqualTo(Statestore.NOT_FOUND);
        assertThat(noStages.out()).as("no bare header").isEmpty();
        assertThat(noStages.err()).contains("'nosuch' has no stages");

        String lsHelp = run("ls", "--help").out().replaceAll("\\s+", " ");
        for (ResourceStatus status : ResourceStatus.values()) {
            assertThat(lsHelp).as("ls --help lists every status").containsPattern("[:,] " + status.wireName() + "\\b");
        }

        String help = run("--help").out();
        assertThat(help).contains("redis://");
        assertThat(help.lines()).noneMatch(line -> line.endsWith("redis:") || line.startsWith("//"));

        Run emptyStore = run("--store", "", "stacks");
        assertThat(emptyStore.code()).isEqualTo(Statestore.USAGE);
        assertThat(emptyStore.err()).contains("--store is empty");
    }

    @Test
    void importRefusesARowWhoseFqnIsNotItsStatesAndWritesNothing() throws Exception {
        Path file = Files.writeString(tmp.resolve("mismatch.json"), "{\"resources\":["
                + "{\"stack\":\"app\",\"stage\":\"prod\",\"fqn\":\"Bucket\",\"state\":{\"fqn\":\"Bucket\",\"status\":\"created\"}},"
                + "{\"stack\":\"app\",\"stage\":\"prod\",\"fqn\":\"Queue\",\"state\":{\"fqn\":\"Other\",\"status\":\"created\"}}]}");
        Run refused = run("--store", memory, "import", file.toString());
        assertThat(refused.code()).isEqualTo(Statestore.USAGE);
        assertThat(refused.err()).contains("resources[1]", "'Queue'", "'Other'", "nothing was written");
        try (StateStore store = StateStores.open(memory)) {
            assertThat(store.stacks()).as("not even the good row").isEmpty();
        }
    }

    @Test
    void longWorkShowsProgressOnStandardErrorAlsoWithoutATerminal() throws Exception {
        try (StateStore store = StateStores.open(memory)) {
            for (int i = 0; i < 50; i++) {
                store.scope("big", "prod").put(dev.statestore.ResourceState.builder("R" + i, ResourceStatus.CREATED).build());
            }
        }
        Path file = tmp.resolve("big.json");
        assertThat(run("--store", memory, "export", "big", "prod", "-o", file.toString()).code()).isZero();
        Progress.lineInterval = Duration.ZERO;
        String other = "memory:conventions-progress-" + UUID.randomUUID();
        try {
            Run imported = run("--store", other, "import", file.toString());
            assertThat(imported.code()).as(imported.err()).isZero();
            assertThat(imported.err()).contains("import: records compared with the store: 50/50", "import: writes: 50/50");
            Run quiet = run("--store", other, "import", "--no-progress", file.toString());
            assertThat(quiet.err()).isEmpty();
        } finally {
            MemoryStores.drop(other.substring("memory:".length()));
        }
    }

    @Test
    void progressDrawsABarOnATerminalAndLinesElsewhere() {
        StringWriter bar = new StringWriter();
        Progress terminal = new Progress(new PrintWriter(bar), true, true, Duration.ofHours(1));
        terminal.start("copy", 4);
        for (int i = 1; i <= 4; i++) {
            terminal.advance(i);
        }
        terminal.finish(4);
        assertThat(bar.toString()).startsWith("\rcopy [").contains("] 4/4").endsWith(System.lineSeparator());

        StringWriter lines = new StringWriter();
        Progress log = new Progress(new PrintWriter(lines), true, false, Duration.ofHours(1));
        log.start("copy", 4);
        log.advance(2);
        log.finish(4);
        assertThat(lines.toString()).as("work shorter than the interval prints nothing").isEmpty();
    }

    @Test
    void everyKindOfStoreFailureHasItsExitCode() {
        assertThat(Statestore.exitCode(new dev.statestore.StateStoreAuthenticationException("wrong password", null)))
                .isEqualTo(Statestore.AUTHENTICATION);
        assertThat(Statestore.exitCode(new dev.statestore.StateStoreAccessDeniedException("403", null)))
                .isEqualTo(Statestore.AUTHENTICATION);
        assertThat(Statestore.exitCode(new dev.statestore.StateStoreMisconfiguredException("no table")))
                .isEqualTo(Statestore.MISCONFIGURED);
        assertThat(Statestore.exitCode(new dev.statestore.StateStoreBackendException("teapot", null)))
                .isEqualTo(Statestore.BACKEND_ERROR);
        assertThat(Statestore.exitCode(new dev.statestore.LockConflictException(new dev.statestore.ScopeId("a", "b"),
                "held", java.util.Optional.empty()))).isEqualTo(Statestore.CONFLICT);
        assertThat(Statestore.exitCode(new dev.statestore.StateStoreUnavailableException("down", null)))
                .isEqualTo(Statestore.UNAVAILABLE);
        assertThat(run("--help").out()).contains("  8  the store is misconfigured", "  9  the store answered an error");
    }
}
