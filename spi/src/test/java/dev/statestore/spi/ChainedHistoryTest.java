package dev.statestore.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.statestore.ScopeId;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The history of an object store (S3, Azure Blob) reads only the changes whose writes landed, and sweeps the others
 * once they are too old to be writes in progress: a crash between a change and its record costs space for an hour.
 */
class ChainedHistoryTest {

    private static final ScopeId SCOPE = new ScopeId("app", "prod");
    private static final StateKey DB = StateKey.record("Db");
    private static final StateKey NEVER = StateKey.record("Never-Written");
    private static final StateKey UNNAMED = StateKey.record("Written-Without-History");

    /** Objects in a map, as a bucket would hold them, and each key's record naming its change. */
    private static final class MapObjects implements ChainedHistory.Objects {
        final Map<String, String[]> objects = new ConcurrentSkipListMap<>();
        final Map<StateKey, String> pointers = new ConcurrentHashMap<>();
        /** Keys with a record object that names no change (written with history off). */
        final java.util.Set<StateKey> unpointed = ConcurrentHashMap.newKeySet();

        @Override
        public String scopeFolder(ScopeId scope) {
            return "history/" + scope.stack() + "/" + scope.stage() + "/";
        }

        @Override
        public String folder(ScopeId scope, StateKey key) {
            return scopeFolder(scope) + ((StateKey.Record) key).fqn() + "/";
        }

        @Override
        public List<String> names(String prefix) {
            return objects.keySet().stream().filter(name -> name.startsWith(prefix)).toList();
        }

        @Override
        public ChainedHistory.Link read(String name) {
            String[] object = objects.get(name);
            return object == null ? null
                    : new ChainedHistory.Link(ChangeJson.fromJson(object[0], name), ChainedHistory.idOf(name), object[1]);
        }

        @Override
        public String pointer(ScopeId scope, StateKey key) {
            return pointers.get(key);
        }

        @Override
        public boolean hasRecord(ScopeId scope, StateKey key) {
            return pointers.containsKey(key) || unpointed.contains(key);
        }

        @Override
        public void delete(String name) {
            objects.remove(name);
        }

        @Override
        public void put(String name, String json, String previous) {
            objects.put(name, new String[] {json, previous});
        }

        @Override
        public <T> T call(String what, Supplier<T> work) {
            return work.get();
        }
    }

    private final ExecutorService readers = Executors.newFixedThreadPool(4);

    @AfterEach
    void stop() {
        readers.shutdownNow();
    }

    private static String doc(String fqn, String status) {
        return "{\"fqn\":\"" + fqn + "\",\"status\":\"" + status + "\"}";
    }

    @Test
    void onlyLandedChangesAreReadAndOrphansOlderThanAnyWriteAreSweptAfterAReadMetThem() {
        MapObjects objects = new MapObjects();
        ChainedHistory history = new ChainedHistory(objects, readers);
        Instant now = Instant.now();
        Instant old = now.minus(ChainedHistory.ORPHAN_AGE).minus(Duration.ofMinutes(30));
        String first = history.record(SCOPE, DB, 1, doc("Db", "created"), old, 1, null);
        objects.pointers.put(DB, first);
        // A write of version 2 that crashed after its change (an orphan), then the one that landed.
        history.record(SCOPE, DB, 2, doc("Db", "updating"), old.plusSeconds(1), 2, first);
        String second = history.record(SCOPE, DB, 2, doc("Db", "updated"), old.plusSeconds(2), 2, first);
        objects.pointers.put(DB, second);
        // A write in progress: its change is put, its record not yet.
        history.record(SCOPE, DB, 3, doc("Db", "deleting"), now, 3, second);
        // A first create that crashed: that key has no record object at all.
        history.record(SCOPE, NEVER, 1, doc("Never-Written", "creating"), old, 2, null);
        // A key whose record was written since with history off: its record names no change, yet it has one.
        history.record(SCOPE, UNNAMED, 1, doc("Written-Without-History", "created"), old, 2, null);
        objects.unpointed.add(UNNAMED);
        assertThat(objects.objects).hasSize(6);

        history.sweep(SCOPE);
        assertThat(objects.objects).as("no read has met anything yet: nothing swept").hasSize(6);

        assertThat(history.changes(SCOPE, DB)).extracting(StoredChange::json)
                .containsExactly(doc("Db", "created"), doc("Db", "updated"));
        List<StoredChange> all = new java.util.ArrayList<>();
        history.forEachChange(SCOPE, all::add);
        assertThat(all).extracting(StoredChange::json).containsExactly(doc("Db", "created"), doc("Db", "updated"));

        history.sweep(SCOPE);
        assertThat(objects.objects.values()).extracting(o -> ChangeJson.fromJson(o[0], "x").json())
                .as("the old orphans went (of Db, and of the key never written); the rest stayed")
                .containsExactlyInAnyOrder(doc("Db", "created"), doc("Db", "updated"), doc("Db", "deleting"),
                        doc("Written-Without-History", "created"));
        assertThat(history.changes(SCOPE, DB)).extracting(StoredChange::json)
                .containsExactly(doc("Db", "created"), doc("Db", "updated"));

        // The write in progress lands: it is on the chain, and nothing more goes.
        objects.pointers.put(DB, ChainedHistory.idOf(objects.names("history/app/prod/Db/").stream()
                .filter(n -> objects.objects.get(n)[0].contains("deleting")).findFirst().orElseThrow()));
        // (Written as the record would have been: the pointer names the change's id.)
        assertThat(history.changes(SCOPE, DB)).hasSize(3);
        history.sweep(SCOPE);
        assertThat(objects.objects).hasSize(4);

        // A first create in progress (its change put a moment ago, its record not yet) is never taken for an orphan.
        history.record(SCOPE, NEVER, 1, doc("Never-Written", "creating"), Instant.now(), 3, null);
        history.forEachChange(SCOPE, change -> {});
        history.sweep(SCOPE);
        assertThat(objects.objects).hasSize(5);
    }

    @Test
    void aScopeOfManyKeysIsReadWholeInFolderOrderAcrossBatchesWithEveryKeysChainResolved() {
        MapObjects objects = new MapObjects();
        ChainedHistory history = new ChainedHistory(objects, readers);
        Instant at = Instant.now().minusSeconds(60);
        List<String> expected = new java.util.ArrayList<>();
        for (int i = 0; i < 600; i++) { // more than two batches of keys
            StateKey key = StateKey.record(String.format("Key%04d", i));
            String first = history.record(SCOPE, key, 1, doc("k" + i, "created"), at, 1, null);
            String second = history.record(SCOPE, key, 2, doc("k" + i, "updated"), at, 2, first);
            // Every third key's second write has not landed yet: its record still names the first.
            objects.pointers.put(key, i % 3 == 0 ? first : second);
            expected.add(doc("k" + i, "created"));
            if (i % 3 != 0) {
                expected.add(doc("k" + i, "updated"));
            }
        }
        // A key whose record names a change no listing finds: listed again a few times, then none of its changes is taken
        // for landed.
        StateKey late = StateKey.record("Late");
        history.record(SCOPE, late, 1, doc("Late", "created"), at, 3, null);
        objects.pointers.put(late, "never-found");
        List<StoredChange> all = new java.util.ArrayList<>();
        history.forEachChange(SCOPE, all::add);
        assertThat(all).extracting(StoredChange::json).as("folder order, each key's chain oldest first")
                .startsWith(expected.toArray(String[]::new)).hasSize(expected.size());
    }
}
