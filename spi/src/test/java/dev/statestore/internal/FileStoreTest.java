package dev.statestore.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.statestore.AlchemyFixture;
import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.StackOutput;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.StateStoreUnavailableException;
import dev.statestore.StateStores;
import dev.statestore.Versioned;
import dev.statestore.spi.StateJson;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What only the file store does: Alchemy's layout, other processes, other writers. */
class FileStoreTest {

    private static final List<String> FIXTURE_FQNS = List.of("Api/Db/Password", "Api/Worker", "Bucket", "Nightly",
            "Old/Table", "Queue", "Site", "Unicode/Naïve Bücket 🚀", "snake_case/with_under");

    @TempDir
    Path tmp;

    private static List<String> fqns(List<Versioned<ResourceState>> records) {
        return records.stream().map(v -> v.value().fqn()).collect(Collectors.toList());
    }

    @Test
    void readsTheTreeAlchemyWrote() throws IOException {
        Path copy = AlchemyFixture.copyTo(tmp.resolve(".alchemy"));
        try (StateStore store = StateStores.open("file:" + copy)) {
            assertThat(store.stacks()).containsExactly("MyApp");
            assertThat(store.stages("MyApp")).containsExactly("dev_sam");
            StateScope scope = store.scope("MyApp", "dev_sam");
            List<Versioned<ResourceState>> all = scope.listAll();
            assertThat(fqns(all)).containsExactlyElementsOf(FIXTURE_FQNS);
            assertThat(fqns(scope.listReplaced())).containsExactly("Site");
            for (Versioned<ResourceState> v : all) {
                Path file = copy.resolve("state/MyApp/dev_sam").resolve(FileNames.primaryBase(v.value().fqn()) + ".json");
                assertThat(v.value().toJson()).isEqualTo(StateJson.compact(StateJson.parse(Files.readString(file))));
                assertThat(v.version()).isEqualTo(1);
            }
            assertThat(scope.require("Api/Db/Password").value().attr().orElseThrow().get("value").get("__redacted__")
                    .asText()).isEqualTo("s3cr3t-p@ss");
            assertThat(scope.require("Nightly").value().isAction()).isTrue();
            assertThat(scope.output().orElseThrow().value().toJson())
                    .isEqualTo("{\"url\":\"https://api.example.workers.dev\",\"bucket\":\"my-bucket-abc123\"}");
        }
    }

    @Test
    void writesTheSameFilesAlchemyWrites() throws IOException {
        Path root = tmp.resolve("fresh");
        try (StateStore store = StateStores.open("file:" + root)) {
            StateScope scope = store.scope("MyApp", "dev_sam");
            for (Path file : AlchemyFixture.stageFiles()) {
                String text = Files.readString(file);
                if (file.getFileName().toString().equals("__stack_output__.json")) {
                    scope.createOutput(StackOutput.fromJson(text));
                } else {
                    scope.create(ResourceState.fromJson(text));
                }
            }
        }
        Path written = root.resolve("state/MyApp/dev_sam");
        try (Stream<Path> files = Files.list(written)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList()))
                    .containsExactlyElementsOf(AlchemyFixture.stageFiles().stream()
                            .map(p -> p.getFileName().toString()).collect(Collectors.toList()));
        }
        for (Path expected : AlchemyFixture.stageFiles()) {
            assertThat(Files.readAllBytes(written.resolve(expected.getFileName().toString())))
                    .as(expected.getFileName().toString()).isEqualTo(Files.readAllBytes(expected));
        }
        try (Stream<Path> dirs = Files.list(root.resolve("state"))) {
            assertThat(dirs.map(p -> p.getFileName().toString())).containsExactly("MyApp");
        }
    }

    @Test
    void updatesAlchemyFilesInPlace() throws IOException {
        Path copy = AlchemyFixture.copyTo(tmp.resolve(".alchemy"));
        try (StateStore store = StateStores.open("file:" + copy)) {
            StateScope scope = store.scope("MyApp", "dev_sam");
            Versioned<ResourceState> queue = scope.require("Queue");
            scope.update(queue.value().toBuilder().status(ResourceStatus.CREATED).build(), queue.version());
            assertThat(scope.require("Queue").version()).isEqualTo(2);
        }
        String text = Files.readString(copy.resolve("state/MyApp/dev_sam/Queue.json"));
        assertThat(text).contains("\"status\": \"created\"").startsWith("{\n  \"kind\": \"resource\",");
        try (Stream<Path> files = Files.list(copy.resolve("state/MyApp/dev_sam"))) {
            assertThat(files.count()).isEqualTo(10);
        }
    }

    @Test
    void aDocumentChangedByAnotherWriterCountsAsOneMoreWrite() throws IOException {
        try (StateStore store = StateStores.open("file:" + tmp)) {
            StateScope scope = store.scope("app", "dev");
            scope.create(counter(1));
            scope.update(counter(2), 1);
            // Alchemy (or this store, crashing between its two renames) replaces the document alone.
            Files.writeString(tmp.resolve("state/app/dev/C.json"), StateJson.pretty(counter(3).toJsonNode()));
            Versioned<ResourceState> read = scope.require("C");
            assertThat(read.version()).isEqualTo(3);
            assertThat(read.value()).isEqualTo(counter(3));
            assertThatThrownBy(() -> scope.update(counter(9), 2)).hasMessageContaining("version 3");
            assertThat(scope.update(counter(4), 3).version()).isEqualTo(4);
        }
    }

    @Test
    void aFileOfAnotherFqnAtTheSameNameIsNeverMerged() throws IOException {
        // What a case-insensitive file system does: "bucket" and "Bucket" open the same file.
        try (StateStore store = StateStores.open("file:" + tmp)) {
            StateScope scope = store.scope("app", "dev");
            scope.create(record("x"));
            Path dir = tmp.resolve("state/app/dev");
            Files.writeString(dir.resolve("Bucket.json"), StateJson.pretty(record("bucket").toJsonNode()));
            assertThat(scope.get("Bucket")).isEmpty();

            scope.create(record("Bucket"));

            assertThat(scope.require("Bucket").value().fqn()).isEqualTo("Bucket");
            assertThat(Files.readString(dir.resolve("Bucket.json"))).contains("\"fqn\": \"bucket\"");
            assertThat(fqns(scope.listAll())).containsExactly("Bucket", "bucket", "x");
            assertThat(scope.delete("Bucket")).isTrue();
            assertThat(fqns(scope.listAll())).containsExactly("bucket", "x");
        }
    }

    @Test
    void aFolderThatCannotBeReadIsAnErrorNotAnEmptyList() throws IOException {
        Files.createDirectories(tmp.resolve("state"));
        Files.writeString(tmp.resolve("state/app"), "not a folder");
        try (StateStore store = StateStores.open("file:" + tmp)) {
            assertThatThrownBy(() -> store.stages("app")).isInstanceOf(StateStoreUnavailableException.class);
            assertThatThrownBy(() -> store.scope("app", "dev").listAll()).isInstanceOf(StateStoreUnavailableException.class);
        }
    }

    @Test
    void nothingIsWrittenOutsideTheScopeFolders() throws IOException {
        try (StateStore store = StateStores.open("file:" + tmp)) {
            StateScope scope = store.scope("app", "dev");
            for (String fqn : List.of("../../escape", "a/../../b", "..", "x/..")) {
                assertThatThrownBy(() -> scope.put(record(fqn))).isInstanceOf(dev.statestore.InvalidStateException.class);
            }
            for (String fqn : List.of("..a/b..", "._/x", ".x/.y", "\\..\\..\\win", "%2e%2e/%2E%2E", "x".repeat(1000))) {
                scope.put(record(fqn));
            }
            scope.acquireLock("me", java.time.Duration.ofMinutes(1));
        }
        try (Stream<Path> all = Files.walk(tmp)) {
            for (Path p : (Iterable<Path>) all.filter(Files::isRegularFile)::iterator) {
                Path rel = tmp.relativize(p);
                assertThat(rel.startsWith(Path.of("state/app/dev")) || rel.startsWith(Path.of(".statestore/app/dev")))
                        .as(rel.toString()).isTrue();
                assertThat(rel.getFileName().toString()).doesNotStartWith("__tmp__");
            }
        }
    }

    @Test
    void theDefaultUrlIsTheWorkingDirectorysAlchemyFolder() {
        try (StateStore store = StateStores.open()) {
            assertThat(store.describe()).contains(Path.of(".alchemy").toAbsolutePath().normalize().toString());
        }
    }

    @Test
    @Timeout(180)
    void twoProcessesIncrementingOneRecordLoseNothing() throws Exception {
        String url = "file:" + tmp;
        int each = 150;
        try (StateStore store = StateStores.open(url)) {
            store.scope("app", "dev").create(counter(0));
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                CounterProcess.class.getName(), url, Integer.toString(each))
                .redirectErrorStream(true).start();
        // Start together: the child says when its JVM is up, then both increment at once.
        var fromChild = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        assertThat(fromChild.readLine()).isEqualTo("ready");
        child.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
        child.getOutputStream().flush();
        CounterProcess.increment(url, each);
        assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String output = fromChild.lines().collect(Collectors.joining("\n"));
        assertThat(child.exitValue()).as(output).isZero();
        try (StateStore store = StateStores.open(url)) {
            Versioned<ResourceState> last = store.scope("app", "dev").require("C");
            assertThat(last.value().attr().orElseThrow().get("n").longValue()).isEqualTo(2L * each);
            assertThat(last.version()).isEqualTo(2L * each + 1);
        }
    }

    static ResourceState counter(long n) {
        return ResourceState.builder("C", ResourceStatus.CREATED).attr(counterNode(n)).build();
    }

    private static com.fasterxml.jackson.databind.JsonNode counterNode(long n) {
        return StateJson.nodes().objectNode().put("n", n);
    }

    private static ResourceState record(String fqn) {
        return ResourceState.builder(fqn, ResourceStatus.CREATED).build();
    }

    /** The other process of {@link #twoProcessesIncrementingOneRecordLoseNothing()}. */
    public static final class CounterProcess {
        public static void main(String[] args) throws IOException {
            try (StateStore warmUp = StateStores.open(args[0])) {
                warmUp.scope("app", "dev").require("C");
            }
            System.out.println("ready");
            System.out.flush();
            new java.io.BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            increment(args[0], Integer.parseInt(args[1]));
        }

        static void increment(String url, int times) {
            try (StateStore store = StateStores.open(url)) {
                StateScope scope = store.scope("app", "dev");
                for (int i = 0; i < times; i++) {
                    while (true) {
                        Versioned<ResourceState> current = scope.require("C");
                        long n = current.value().attr().orElseThrow().get("n").longValue();
                        try {
                            scope.update(counter(n + 1), current.version());
                            break;
                        } catch (dev.statestore.StateConflictException e) {
                            Thread.onSpinWait();
                        }
                    }
                }
            }
        }
    }
}
