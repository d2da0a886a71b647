package dev.statestore.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.statestore.AlchemyFixture;
import dev.statestore.InvalidStateException;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    void aChangeWrittenByAWriterThatCrashedBeforeItsDocumentIsHiddenThenReplaced() throws Exception {
        try (StateStore store = StateStores.open("file:" + tmp)) {
            var scope = store.scope("app", "prod");
            scope.put(ResourceState.builder("Bucket", ResourceStatus.CREATED).build());
            Path folder;
            try (var dirs = Files.list(tmp.resolve(".statestore/app/prod/__history__"))) {
                folder = dirs.findFirst().orElseThrow();
            }
            // What a writer leaves that died after its change and before its document: version 2, and the deletion
            // of version 1 that another one never carried out.
            Files.writeString(folder.resolve(String.format("%019d.json", 4)), dev.statestore.spi.ChangeJson.toJson(
                    dev.statestore.spi.StateKey.record("Bucket"), 2, "{\"kind\":\"resource\",\"fqn\":\"Bucket\","
                            + "\"status\":\"deleting\"}", java.time.Instant.now(), 0));
            Files.writeString(folder.resolve(String.format("%019d.json", 3)), dev.statestore.spi.ChangeJson.toJson(
                    dev.statestore.spi.StateKey.record("Bucket"), 1, null, java.time.Instant.now(), 0));
            assertThat(scope.history().of("Bucket")).hasSize(1);
            assertThat(scope.history().of("Bucket").get(0).record().status()).isEqualTo(ResourceStatus.CREATED);

            scope.put(ResourceState.builder("Bucket", ResourceStatus.UPDATED).build());
            assertThat(scope.history().of("Bucket")).extracting(c -> c.record().status())
                    .as("the next write replaces the first and removes the deletion that never happened")
                    .containsExactly(ResourceStatus.UPDATED, ResourceStatus.CREATED);
        }
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
                Path file = copy.resolve("state/MyApp/dev_sam").resolve(FileNames.alchemyBase(v.value().fqn()) + ".json");
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
        // What a case-insensitive file system does with Alchemy's names: "bucket" written into the file "Bucket.json".
        try (StateStore store = StateStores.open("file:" + tmp)) {
            StateScope scope = store.scope("app", "dev");
            scope.create(record("x"));
            Path dir = tmp.resolve("state/app/dev");
            Files.writeString(dir.resolve("Bucket.json"), StateJson.pretty(record("bucket").toJsonNode()));
            assertThat(scope.get("Bucket")).isEmpty();

            scope.create(record("Bucket"));

            assertThat(scope.require("Bucket").value().fqn()).isEqualTo("Bucket");
            assertThat(dir.resolve(FileNames.fallbackSlot("Bucket").file())).as("its own name is taken").exists();
            assertThat(Files.readString(dir.resolve("Bucket.json"))).contains("\"fqn\": \"bucket\"");
            // This file system is case-sensitive: a read of "bucket" opens bucket.json, so Bucket.json is not its file.
            assertThat(scope.get("bucket")).isEmpty();
            assertThat(fqns(scope.listAll())).containsExactly("Bucket", "x");
            assertThat(store.diagnose()).anySatisfy(problem -> assertThat(problem).contains("Bucket.json", "'bucket'",
                    "not a file of that record"));
            assertThat(scope.delete("Bucket")).isTrue();
            assertThat(fqns(scope.listAll())).containsExactly("x");
            assertThat(dir.resolve("Bucket.json")).as("never touched").exists();
        }
    }

    @Test
    void aRecordIsWrittenUnderTheNameAlchemyReadsWhenItIsFreeAndTheFallbackWhenNot() throws IOException {
        Path dir = tmp.resolve("state/app/dev");
        try (StateStore store = StateStores.open("file:" + tmp)) {
            StateScope scope = store.scope("app", "dev");
            for (String fqn : List.of("%", "100%", "a%2Fb", "%20x", "_lead", "trail_", "_both_", "a/_b", "back\\slash",
                    "%25", "y".repeat(240))) {
                scope.create(record(fqn));
                assertThat(dir.resolve(fqn.replace("/", "__") + ".json")).as(fqn).exists();
            }
            scope.create(record("a__b"));
            scope.create(record("a/b"));
            assertThat(Files.readString(dir.resolve("a__b.json"))).contains("\"fqn\": \"a__b\"");
            assertThat(dir.resolve(FileNames.fallbackSlot("a/b").file())).exists();
            assertThat(scope.require("a/b").value().fqn()).isEqualTo("a/b");

            // A deleted record's tombstone does not hold the name: the next record takes it, and the deleted one's
            // versions go on from where they were when it comes back (under its fallback name).
            scope.update(record("a__b"), 1);
            scope.delete("a__b");
            scope.delete("a/b");
            assertThat(scope.create(record("a/b")).version()).isEqualTo(2);
            assertThat(Files.readString(dir.resolve("a__b.json"))).contains("\"fqn\": \"a/b\"");
            assertThat(scope.create(record("a__b")).version()).as("no version repeats").isEqualTo(3);
            assertThat(dir.resolve(FileNames.fallbackSlot("a__b").file())).exists();

            String tooLong = "z".repeat(300);
            scope.create(record(tooLong));
            assertThat(dir.resolve(FileNames.fallbackSlot(tooLong).file())).exists();
            assertThat(fqns(scope.listAll())).contains(tooLong, "a/b", "a__b", "back\\slash").hasSize(14);
            assertThat(store.diagnose()).isEmpty();
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.count()).as("one file per record").isEqualTo(14);
        }
    }

    @Test
    void aRecordAlchemyWroteUnderANameTheReleaseBeforeEscapedIsReadAndWrittenInPlace() throws IOException {
        Path dir = tmp.resolve("state/app/dev");
        Files.createDirectories(dir);
        for (String fqn : List.of("back\\slash", "100%", "_lead")) {
            Files.writeString(dir.resolve(fqn + ".json"), StateJson.pretty(record(fqn).toJsonNode()));
        }
        try (StateStore store = StateStores.open("file:" + tmp)) {
            StateScope scope = store.scope("app", "dev");
            for (String fqn : List.of("back\\slash", "100%", "_lead")) {
                assertThat(scope.require(fqn).version()).as(fqn).isEqualTo(1);
                assertThat(scope.put(record(fqn)).version()).as(fqn).isEqualTo(2);
            }
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList()))
                    .as("one record, one file").containsExactly("100%.json", "_lead.json", "back\\slash.json");
        }
    }

    @Test
    void aFileOfTheReleaseBeforeStillReadsAndMovesToAlchemysNameOnItsNextWrite() throws IOException {
        Path dir = tmp.resolve("state/app/dev");
        Path metaDir = tmp.resolve(".statestore/app/dev");
        Files.createDirectories(dir);
        Files.createDirectories(metaDir);
        // As the release before wrote "_lead" at version 3: an escaped name, and its version file beside.
        byte[] document = StateJson.pretty(record("_lead").toJsonNode()).getBytes(StandardCharsets.UTF_8);
        Files.write(dir.resolve("%5Flead.json"), document);
        Files.writeString(metaDir.resolve("%5Flead.meta"), "{\"fqn\":\"_lead\",\"version\":3,\"updatedAt\":"
                + "\"2026-01-01T00:00:00Z\",\"sha256\":\"" + FileNames.sha256Hex(document) + "\"}");
        try (StateStore store = StateStores.open("file:" + tmp)) {
            StateScope scope = store.scope("app", "dev");
            assertThat(scope.require("_lead").version()).isEqualTo(3);
            assertThat(fqns(scope.listAll())).containsExactly("_lead");
            assertThat(scope.update(record("_lead"), 3).version()).isEqualTo(4);
            assertThat(dir.resolve("_lead.json")).exists();
            assertThat(dir.resolve("%5Flead.json")).as("moved, not copied").doesNotExist();
            assertThat(metaDir.resolve("%5Flead.meta")).doesNotExist();
            assertThat(scope.require("_lead").version()).isEqualTo(4);

            // A second file of one record (a move that stopped halfway): the name Alchemy reads wins, doctor
            // names both, and the next write removes the other.
            Files.write(dir.resolve("%5Flead.json"), document);
            assertThat(store.diagnose()).anySatisfy(problem -> assertThat(problem).contains("_lead.json", "%5Flead.json",
                    "both hold the record '_lead'"));
            assertThat(scope.require("_lead").version()).isEqualTo(4);
            scope.put(record("_lead"));
            assertThat(dir.resolve("%5Flead.json")).doesNotExist();
            assertThat(store.diagnose()).isEmpty();
        }
    }

    @Test
    void aFileWhoseNameAndFqnDisagreeIsNotARecordAndNeverWrittenOver() throws IOException {
        try (StateStore store = StateStores.open("file:" + tmp)) {
            StateScope scope = store.scope("app", "dev");
            scope.create(record("Bucket"));
            Path dir = tmp.resolve("state/app/dev");
            // An operator copied Bucket.json to Zed2.json and wrote "Zed" into it.
            Files.writeString(dir.resolve("Zed2.json"), StateJson.pretty(record("Zed").toJsonNode()));
            assertThat(fqns(scope.listAll())).as("ls").containsExactly("Bucket");
            assertThat(scope.get("Zed")).as("show Zed").isEmpty();
            assertThat(scope.get("Zed2")).as("show Zed2").isEmpty();
            assertThat(store.diagnose()).singleElement().asString().contains("Zed2.json", "'Zed'", "Zed.json");
            scope.put(record("Zed"));
            assertThat(fqns(scope.listAll())).containsExactly("Bucket", "Zed");
            assertThat(scope.delete("Zed")).isTrue();
            assertThat(fqns(scope.listAll())).containsExactly("Bucket");
            assertThat(Files.readString(dir.resolve("Zed2.json"))).as("left as it was").contains("\"fqn\": \"Zed\"");
        }
    }

    @Test
    void recordsAlchemyWroteUnderNamesThisStoreDoesNotWriteAreListedReadAndNeverWrittenByName() throws IOException {
        Path dir = tmp.resolve("state/app/dev");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("ok.json"), StateJson.pretty(record("ok").toJsonNode()));
        // As Alchemy writes them: fqn with "/" as "__", nothing else changed.
        Map<String, String> foreign = new LinkedHashMap<>();
        foreign.put("/lead", "__lead.json");
        foreign.put("a//b", "a____b.json");
        foreign.put("x/./y", "x__.__y.json");
        foreign.put("tab\there", "tab\there.json");
        for (var e : foreign.entrySet()) {
            Files.writeString(dir.resolve(e.getValue()), "{\n  \"fqn\": " + StateJson.compact(StateJson.nodes().textNode(e.getKey()))
                    + ",\n  \"status\": \"created\"\n}");
        }
        try (StateStore store = StateStores.open("file:" + tmp)) {
            StateScope scope = store.scope("app", "dev");
            assertThat(fqns(scope.listAll())).containsExactly("/lead", "a//b", "ok", "tab\there", "x/./y");
            assertThat(fqns(scope.list(null, 2).items())).containsExactly("/lead", "a//b");
            assertThat(fqns(scope.list("a//b", 10).items())).as("paging after such a name").containsExactly("ok", "tab\there", "x/./y");
            assertThat(fqns(scope.listByStatus(java.util.EnumSet.of(ResourceStatus.CREATED)))).hasSize(5);
            for (var e : foreign.entrySet()) {
                String fqn = e.getKey();
                Path file = dir.resolve(e.getValue());
                assertThat(scope.require(fqn).version()).as(fqn).isEqualTo(1);
                ResourceState same = scope.require(fqn).value();
                for (org.assertj.core.api.ThrowableAssert.ThrowingCallable write : List.<org.assertj.core.api.ThrowableAssert.ThrowingCallable>of(
                        () -> scope.put(same), () -> scope.update(same, 1), () -> scope.create(same),
                        () -> scope.delete(fqn), () -> scope.delete(fqn, 1))) {
                    assertThatThrownBy(write).as(fqn).isInstanceOf(InvalidStateException.class)
                            .hasMessageContaining("never writes or deletes").hasMessageContaining(file.toString());
                }
                assertThat(Files.readString(file)).as("untouched").contains("\"created\"");
            }
            assertThat(store.diagnose()).hasSize(4).allSatisfy(problem -> assertThat(problem).contains("reads but does not write"))
                    .anySatisfy(problem -> assertThat(problem).contains(dir.resolve("__lead.json").toString()));
            scope.deleteAll();
            assertThat(scope.listAll()).isEmpty();
            try (Stream<Path> left = Files.list(tmp.resolve("state"))) {
                assertThat(left).as("the scope's folder, emptied and removed").isEmpty();
            }
        }
    }

    @Test
    void aFileWhoseFqnCannotNameARecordIsCorruptNamedByPath() throws IOException {
        Path dir = tmp.resolve("state/app/dev");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(".json"), "{\"fqn\": \"\", \"status\": \"created\"}");
        try (StateStore store = StateStores.open("file:" + tmp)) {
            assertThatThrownBy(() -> store.scope("app", "dev").listAll()).isInstanceOf(dev.statestore.CorruptStateException.class)
                    .hasMessageContaining(dir.resolve(".json").toString()).hasMessageContaining("empty");
        }
    }

    @Test
    void temporaryFilesLeftByAKilledWriterAreRemoved() throws IOException {
        try (StateStore store = StateStores.open("file:" + tmp)) {
            store.scope("app", "dev").create(record("x"));
        }
        // What kill -9 of a writer between creating its temporary file and renaming it leaves.
        Path metaDir = tmp.resolve(".statestore/app/dev");
        Path leftover = Files.writeString(metaDir.resolve("__tmp__" + java.util.UUID.randomUUID()), "{\"half\":");
        try (StateStore store = StateStores.open("file:" + tmp)) {
            assertThat(store.scope("app", "dev").require("x").version()).isEqualTo(1);
        }
        assertThat(leftover).doesNotExist();
        try (Stream<Path> files = Files.list(metaDir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(name -> name.startsWith("__tmp__"));
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

    /** What the release before deployments wrote as the deploy lock of a scope. */
    private void writeLegacyLock(String lockId, long token, java.time.Instant acquired, java.time.Instant expires)
            throws IOException {
        Path file = tmp.resolve(".statestore/app/dev/__deploy_lock__.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "{\"lockId\":" + (lockId == null ? "null" : "\"" + lockId + "\"")
                + ",\"owner\":\"old-ci\",\"fencingToken\":" + token + ",\"acquiredAt\":\"" + acquired
                + "\",\"expiresAt\":\"" + expires + "\"}");
    }

    @Test
    void aLockHeldUnderTheReleaseBeforeDeploymentsStaysHeldByItsIdAndItsTokenGoesOn() throws IOException {
        java.time.Instant now = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        writeLegacyLock("old-id", 41, now.minusSeconds(10), now.plusSeconds(300));
        try (StateStore store = StateStores.open("file:" + tmp)) {
            StateScope scope = store.scope("app", "dev");
            dev.statestore.LockInfo held = scope.lockInfo().orElseThrow();
            assertThat(held.owner()).isEqualTo("old-ci");
            assertThat(held.fencingToken()).isEqualTo(41);
            assertThat(held.expiresAt()).isEqualTo(now.plusSeconds(300));
            assertThatThrownBy(() -> scope.acquireLock("new-ci", java.time.Duration.ofMinutes(1)))
                    .isInstanceOf(dev.statestore.LockConflictException.class);
            assertThat(scope.renewLock("old-id", java.time.Duration.ofMinutes(5)).fencingToken()).isEqualTo(41);
            scope.releaseLock("old-id");
            assertThat(scope.acquireLock("new-ci", java.time.Duration.ofMinutes(1)).fencingToken()).isEqualTo(42);
            assertThat(scope.deployments().list(null, 10)).extracting(dev.statestore.DeploymentRecord::version)
                    .containsExactly(42L, 41L);
            assertThat(scope.deployments().get(41).orElseThrow().outcome())
                    .isEqualTo(dev.statestore.DeploymentOutcome.SUCCEEDED);
        }
    }

    @Test
    void aReleasedLockOfTheReleaseBeforeDeploymentsKeepsItsTokenGrowing() throws IOException {
        java.time.Instant now = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        writeLegacyLock(null, 7, now.minusSeconds(100), now.minusSeconds(50));
        try (StateStore store = StateStores.open("file:" + tmp)) {
            StateScope scope = store.scope("app", "dev");
            assertThat(scope.lockInfo()).isEmpty();
            assertThat(scope.deployments().begin(dev.statestore.DeploymentMeta.deploy(null),
                    java.time.Duration.ofMinutes(1)).version()).isEqualTo(8);
            assertThat(scope.deployments().list(null, 10)).hasSize(2);
        }
    }

    /**
     * The file store's own strays, fixed by repair under the scope lock: a file under another record's name (moved into
     * its record's place, or quarantined when the record has one), and records Alchemy stored under names this store
     * never writes (renamed or removed, as chosen), with every downstream reference kept consistent.
     */
    @Test
    void repairMovesMisplacedFilesIntoPlaceAndRenamesOrRemovesNamesThisStoreNeverWrites() throws IOException {
        Path dir = tmp.resolve("state/app/dev");
        try (StateStore store = StateStores.open("file:" + tmp)) {
            StateScope scope = store.scope("app", "dev");
            scope.create(ResourceState.builder("Api/Bucket", ResourceStatus.CREATED).build());
            scope.create(ResourceState.builder("Api/Worker", ResourceStatus.CREATED)
                    .downstream(List.of("/lead", "a//b", "Api/Queue")).build());
            String queue = "{\"fqn\":\"Api/Queue\",\"status\":\"created\",\"props\":{\"fifo\":true}}";
            String copy = "{\"fqn\":\"Api/Bucket\",\"status\":\"creating\"}";
            String lead = "{\"fqn\":\"/lead\",\"status\":\"created\",\"props\":{\"who\":\"lead\"}}";
            String ab = "{\"fqn\":\"a//b\",\"status\":\"created\"}";
            Files.writeString(dir.resolve("Queue-by-hand.json"), queue);
            Files.writeString(dir.resolve("Bucket-copy.json"), copy);
            Files.writeString(dir.resolve("__lead.json"), lead);
            Files.writeString(dir.resolve("a____b.json"), ab);

            assertThat(scope.surgery().problems()).extracting(dev.statestore.RepairFinding::problem,
                    dev.statestore.RepairFinding::fqn).containsExactlyInAnyOrder(
                    org.assertj.core.groups.Tuple.tuple(dev.statestore.RepairFinding.Problem.MISPLACED, "Api/Queue"),
                    org.assertj.core.groups.Tuple.tuple(dev.statestore.RepairFinding.Problem.MISPLACED, "Api/Bucket"),
                    org.assertj.core.groups.Tuple.tuple(dev.statestore.RepairFinding.Problem.UNWRITABLE_NAME, "/lead"),
                    org.assertj.core.groups.Tuple.tuple(dev.statestore.RepairFinding.Problem.UNWRITABLE_NAME, "a//b"));
            assertThat(scope.surgery().repair(dev.statestore.RepairChoices.none()).notes())
                    .anyMatch(n -> n.contains("/lead")).anyMatch(n -> n.contains("a//b"));
            assertThatThrownBy(() -> scope.surgery().repair(dev.statestore.RepairChoices.none().rename("Api/Bucket", "B")))
                    .isInstanceOf(InvalidStateException.class);

            var plan = scope.surgery().repair(dev.statestore.RepairChoices.none().rename("/lead", "lead").remove("a//b"));
            scope.surgery().apply(plan, null, "tidy the stage");

            assertThat(scope.surgery().problems()).isEmpty();
            assertThat(fqns(scope.listAll())).containsExactly("Api/Bucket", "Api/Queue", "Api/Worker", "lead");
            assertThat(scope.require("Api/Queue").value().toJson()).isEqualTo(queue);
            assertThat(scope.require("Api/Bucket").value().status()).as("the copy did not win").isEqualTo(ResourceStatus.CREATED);
            assertThat(scope.require("lead").value().props().orElseThrow().get("who").asText()).isEqualTo("lead");
            assertThat(scope.require("Api/Worker").value().downstream()).containsExactly("lead", "Api/Queue");
            assertThat(Stream.of("Queue-by-hand.json", "Bucket-copy.json", "__lead.json", "a____b.json")
                    .filter(name -> Files.exists(dir.resolve(name)))).isEmpty();
            Map<String, String> kept = new LinkedHashMap<>();
            scope.surgery().quarantined().forEach(q -> kept.put(q.location(), q.bytes()));
            assertThat(kept).containsEntry(dir.resolve("Queue-by-hand.json").toString(), queue)
                    .containsEntry(dir.resolve("Bucket-copy.json").toString(), copy)
                    .containsEntry(dir.resolve("__lead.json").toString(), lead)
                    .containsEntry(dir.resolve("a____b.json").toString(), ab);
        }
    }
}
