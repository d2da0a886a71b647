package dev.statestore.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.StateStores;
import dev.statestore.Versioned;
import dev.statestore.spi.StateJson;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The file store's write-ahead log: a write is on disk with it, a restart puts back what a power cut lost, a kill loses nothing. */
class FileWriteAheadLogTest {

    private static final String BOOT = "11111111-1111-4111-8111-111111111111";
    private static final String NEXT_BOOT = "22222222-2222-4222-8222-222222222222";

    @TempDir
    Path tmp;

    private StateStore store(Path root, String boot, Instant bootTime) {
        return new BackendStateStore(new FileBackend(root, "file:" + root, true, boot, bootTime));
    }

    private static ResourceState record(String fqn, String value) {
        return ResourceState.builder(fqn, ResourceStatus.CREATED).attr(StateJson.nodes().objectNode().put("v", value))
                .build();
    }

    private static String value(Versioned<ResourceState> record) {
        return record.value().attr().orElseThrow().get("v").textValue();
    }

    @Test
    void aRestartPutsBackWhatAPowerCutLostAndLeavesWhatWasWrittenSince() throws Exception {
        Path root = tmp.resolve("store");
        Path docs = root.resolve("state/app/prod");
        Path metas = root.resolve(".statestore/app/prod");
        StateStore before = store(root, BOOT, Instant.EPOCH);
        StateScope scope = before.scope("app", "prod");
        long x = scope.create(record("X", "x1")).version();
        byte[] firstX = Files.readAllBytes(docs.resolve("X.json"));
        x = scope.update(record("X", "x2"), x).version();
        scope.update(record("X", "x3"), x);
        scope.update(record("Y", "y2"), scope.create(record("Y", "y1")).version());
        scope.create(record("Z", "z1"));
        scope.create(record("W", "w1"));
        scope.create(record("Gone", "g1"));
        byte[] gone = Files.readAllBytes(docs.resolve("Gone.json"));
        scope.delete("Gone", 1);
        assertThat(Files.size(metas.resolve("__wal__"))).as("every write is in the log").isGreaterThan(1000);
        // The power goes (the store is never closed). What the page cache had not written is lost:
        FileTime longAgo = FileTime.from(Instant.now().minus(Duration.ofHours(1)));
        Files.write(docs.resolve("X.json"), firstX); // X's last two renames
        Files.setLastModifiedTime(docs.resolve("X.json"), longAgo);
        Files.write(metas.resolve("Y.meta"), new byte[0]); // Y's version file, torn
        Files.delete(docs.resolve("Z.json")); // Z's name
        Files.write(docs.resolve("Gone.json"), gone); // the removal of Gone
        Files.setLastModifiedTime(docs.resolve("Gone.json"), longAgo);
        Files.setLastModifiedTime(docs, longAgo);
        // ...and the batch being written when it went, cut short in the log: never acknowledged, never replayed.
        Files.write(metas.resolve("__wal__"), new byte[] {0, 0, 1, 0, 7, 7, 7}, StandardOpenOption.APPEND);
        Instant restart = Instant.now();
        Thread.sleep(20);
        // After the restart, before any store opens: Alchemy writes W (its time is after the log's entries).
        String alchemysW = "{\n  \"fqn\": \"W\",\n  \"status\": \"created\",\n  \"attr\": {\n    \"v\": \"alchemy\"\n  }\n}";
        Files.writeString(docs.resolve("W.json"), alchemysW);
        Files.setLastModifiedTime(docs, longAgo);

        try (StateStore after = store(root, NEXT_BOOT, restart)) {
            StateScope again = after.scope("app", "prod");
            assertThat(again.require("X")).satisfies(r -> {
                assertThat(value(r)).isEqualTo("x3");
                assertThat(r.version()).isEqualTo(3);
            });
            assertThat(again.require("Y").version()).isEqualTo(2);
            assertThat(value(again.require("Z"))).isEqualTo("z1");
            assertThat(again.get("Gone")).isEmpty();
            assertThat(again.require("W")).as("written after the restart: not undone, one write past the store's")
                    .satisfies(r -> {
                        assertThat(value(r)).isEqualTo("alchemy");
                        assertThat(r.version()).isEqualTo(2);
                    });
            assertThat(again.history().of("X")).hasSize(3);
            assertThat(metas.resolve("__wal__")).as("replayed, its files forced, then emptied").doesNotExist();
        }
    }

    @Test
    void anAppendCutShortIsCutBeforeTheNextSoThatAReplayReachesEveryLaterEntry() throws Exception {
        Path root = tmp.resolve("store");
        Path docs = root.resolve("state/app/prod");
        Path log = root.resolve(".statestore/app/prod/__wal__");
        StateStore killed = store(root, BOOT, Instant.EPOCH);
        killed.scope("app", "prod").create(record("A", "a1"));
        long whole = Files.size(log);
        // A writer killed in the middle of its append: the start of an entry, its length promising more.
        Files.write(log, new byte[] {0, 0, 4, 0, 1, 2, 3, 4, 5, 6, 7, 8}, StandardOpenOption.APPEND);
        StateStore next = store(root, BOOT, Instant.EPOCH);
        next.scope("app", "prod").create(record("B", "b1"));
        assertThat(Files.size(log)).as("the torn bytes were cut before B's entry").isGreaterThan(whole);
        // The power goes: B's rename is lost. The replay must reach B's entry, past where the torn one was.
        Files.delete(docs.resolve("B.json"));
        Files.setLastModifiedTime(docs, FileTime.from(Instant.now().minus(Duration.ofHours(1))));
        Instant restart = Instant.now();
        try (StateStore after = store(root, NEXT_BOOT, restart)) {
            assertThat(value(after.scope("app", "prod").require("B"))).isEqualTo("b1");
            assertThat(value(after.scope("app", "prod").require("A"))).isEqualTo("a1");
        }
    }

    @Test
    void inTheSameBootNothingIsReplayedAndClosingEmptiesTheLog() throws Exception {
        Path root = tmp.resolve("store");
        Path docs = root.resolve("state/app/prod");
        StateStore crashed = store(root, BOOT, Instant.EPOCH);
        crashed.scope("app", "prod").create(record("X", "ours"));
        // The process dies; Alchemy writes X (its time set back: only another boot could make a replay take it back).
        Files.writeString(docs.resolve("X.json"), "{\n  \"fqn\": \"X\",\n  \"status\": \"created\"\n}");
        Files.setLastModifiedTime(docs.resolve("X.json"), FileTime.from(Instant.now().minus(Duration.ofHours(1))));
        Path log = root.resolve(".statestore/app/prod/__wal__");
        try (StateStore after = store(root, BOOT, Instant.EPOCH)) {
            Versioned<ResourceState> x = after.scope("app", "prod").require("X");
            assertThat(x.value().attr()).isEmpty();
            assertThat(x.version()).isEqualTo(2);
            after.scope("app", "prod").update(record("X", "again"), 2);
            assertThat(Files.size(log)).isGreaterThan(40);
        }
        assertThat(Files.size(log)).as("closing puts the writes on disk in place and empties the log")
                .isEqualTo(40);
    }

    @Test
    void anOptionTurnsTheWriteAheadLogOff() throws Exception {
        try (StateStore off = StateStores.open("file:" + tmp.resolve("off") + "?wal=off");
                StateStore on = StateStores.open("file:" + tmp.resolve("on"))) {
            off.scope("app", "prod").create(record("X", "1"));
            on.scope("app", "prod").create(record("X", "1"));
            assertThat(off.describe()).doesNotContain("write-ahead log");
            assertThat(tmp.resolve("off/.statestore/app/prod/__wal__")).doesNotExist();
            if (FileWriteAheadLog.bootId().isPresent()) {
                assertThat(on.describe()).contains("write-ahead log");
                assertThat(tmp.resolve("on/.statestore/app/prod/__wal__")).exists();
            }
        }
    }

    @Test
    @Timeout(180)
    void aWriterKilledMidBatchLosesNoAcknowledgedWriteAndLeavesNothingTorn() throws Exception {
        String url = "file:" + tmp.resolve("store");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                KilledWriter.class.getName(), url).redirectErrorStream(true).start();
        Map<String, Long> acknowledged = new HashMap<>();
        try (BufferedReader fromChild = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while (acknowledged.values().stream().mapToLong(Long::longValue).sum() < 1500
                    && (line = fromChild.readLine()) != null) {
                String[] parts = line.split(" ");
                if (parts.length == 3 && parts[0].equals("ok")) {
                    acknowledged.merge(parts[1], Long.parseLong(parts[2]), Math::max);
                }
            }
            child.destroyForcibly(); // kill -9, mid-batch most likely: eight threads write without pause
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(acknowledged).hasSize(KilledWriter.RECORDS);
        try (StateStore store = StateStores.open(url)) {
            StateScope scope = store.scope("app", "prod");
            for (var ack : acknowledged.entrySet()) {
                Versioned<ResourceState> record = scope.require(ack.getKey());
                assertThat(record.version()).as(ack.getKey()).isGreaterThanOrEqualTo(ack.getValue());
                assertThat(value(record)).as("its document is its version's").isEqualTo(Long.toString(record.version()));
                assertThat(scope.history().of(ack.getKey())).as("its history reads").isNotEmpty();
                scope.update(record(ack.getKey(), Long.toString(record.version() + 1)), record.version());
            }
            assertThat(scope.listAll()).hasSize(KilledWriter.RECORDS);
        }
    }

    /** Eight threads updating their records as fast as they can, saying each version written, until killed. */
    public static final class KilledWriter {
        static final int RECORDS = 16;

        public static void main(String[] args) throws Exception {
            StateStore store = StateStores.open(args[0]);
            StateScope scope = store.scope("app", "prod");
            ExecutorService threads = Executors.newFixedThreadPool(8);
            for (int t = 0; t < 8; t++) {
                int thread = t;
                threads.submit(() -> {
                    Map<String, Long> versions = new HashMap<>();
                    for (long round = 0; ; round++) {
                        String fqn = "r" + (thread * 2 + round % 2);
                        Long version = versions.get(fqn);
                        long next = version == null ? 1 : version + 1;
                        versions.put(fqn, version == null ? scope.create(record(fqn, "1")).version()
                                : scope.update(record(fqn, Long.toString(next)), version).version());
                        synchronized (System.out) {
                            System.out.println("ok " + fqn + " " + versions.get(fqn));
                            System.out.flush();
                        }
                    }
                });
            }
            threads.awaitTermination(1, TimeUnit.HOURS);
        }
    }
}
