package dev.statestore.spi;

import dev.statestore.ScopeId;
import dev.statestore.StateStoreUnavailableException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The {@link HistoryStore} of a backend that cannot write two objects in one step (an object store: S3, Azure Blob),
 * over a few operations on its objects ({@link Objects}).
 *
 * <p>A recorded write first puts its change as an object of its own, {@code FOLDER/SEQ-ID.json} (a
 * {@link ChangeJson} document; the object also names the id of the change it replaces), then the record, naming the
 * change's id. A write that loses its race removes its change; one that crashes between the two leaves a change that
 * no record names. Reads follow the chain from the id the record names back through each change's predecessor, so
 * only changes whose writes landed are read: an orphan is never on the chain. A listing that misses a change written
 * while it ran (the record already names it) is taken again. Thread-safe if the {@link Objects} are.
 *
 * <p>Orphans cost space only. Each read notes the ones it met beside a chain that resolved and older than
 * {@link #ORPHAN_AGE} (no write takes that long, so none of them can still land), and {@link #sweep} deletes those,
 * after retention's pruning; so are the changes of a key that has no record object at all (a crash in its first
 * create: no write of it ever landed), once as old.
 */
public final class ChainedHistory implements HistoryStore {

    /** What the history needs of the backend's objects. Errors pass through as the backend's own. */
    public interface Objects {
        /** The folder of every change of the scope: a prefix of each {@link #folder}. */
        String scopeFolder(ScopeId scope);

        /** The folder of the changes of one key, ending in {@code /}, under {@link #scopeFolder}. */
        String folder(ScopeId scope, StateKey key);

        /** The names of the objects under {@code prefix}, in any order. */
        List<String> names(String prefix);

        /** The change an object holds, or null if it is gone (pruned, or removed by a write that lost its race). */
        @Nullable Link read(String name);

        /** The id of the change the key's record (or output) names now, or null if none. */
        @Nullable String pointer(ScopeId scope, StateKey key);

        /**
         * Whether the key has a record object at all, live or the tombstone a delete leaves (records are never removed
         * otherwise): a key without one never had a write land, so each change of it is an orphan once old enough.
         * True by default, which takes no such change for an orphan.
         */
        default boolean hasRecord(ScopeId scope, StateKey key) {
            return true;
        }

        /** Removes an object; one already gone is no error. */
        void delete(String name);

        /** Puts a change object: its document, and the id of the change it replaces as its metadata. */
        void put(String name, String json, @Nullable String previous);

        /** Runs {@code work}, turning the backend's errors into the store's ({@code what} names it for messages). */
        <T> T call(String what, Supplier<T> work);
    }

    /** One change object: what it holds, its id (from its name), and the id of the change it replaced, if any. */
    public record Link(StoredChange change, String id, @Nullable String previous) {}

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ChainedHistory.class);

    /** How old a change off every chain must be before it is taken for an orphan: far past any write's timeout. */
    public static final java.time.Duration ORPHAN_AGE = java.time.Duration.ofHours(1);

    private final Objects objects;
    private final ExecutorService readers;
    /** Orphans met by reads and not deleted yet, by scope: object names. */
    private final Map<ScopeId, Set<String>> orphans = new java.util.concurrent.ConcurrentHashMap<>();

    /** @param readers where the change objects of one key are read in parallel */
    public ChainedHistory(Objects objects, ExecutorService readers) {
        this.objects = objects;
        this.readers = readers;
    }

    /**
     * Puts the change of a write about to be made: version {@code version} of {@code key}, {@code json} or (null) its
     * deletion, replacing the change {@code previous} names (null: none).
     *
     * @return its id, which the write must then name
     */
    public String record(ScopeId scope, StateKey key, long version, @Nullable String json, Instant at, long deployment,
            @Nullable String previous) {
        String id = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
        objects.put(name(scope, key, StoredChange.seq(version, json == null), id),
                ChangeJson.toJson(key, version, json, at, deployment), previous);
        return id;
    }

    /** Removes the change {@link #record} put for a write that did not land. A failure leaves an orphan, never read. */
    public void forget(ScopeId scope, StateKey key, long version, boolean deletion, @Nullable String id) {
        if (id == null) {
            return;
        }
        try {
            objects.delete(name(scope, key, StoredChange.seq(version, deletion), id));
        } catch (RuntimeException e) {
            LOG.debug("could not remove the change {} of a write that did not land", id, e);
        }
    }

    private String name(ScopeId scope, StateKey key, long seq, String id) {
        return objects.folder(scope, key) + String.format("%019d", seq) + "-" + id + ".json";
    }

    /** The id a change object's name carries. */
    public static String idOf(String name) {
        String file = name.substring(name.lastIndexOf('/') + 1);
        return file.substring(file.indexOf('-') + 1, file.length() - ".json".length());
    }

    @Override
    public List<StoredChange> changes(ScopeId scope, StateKey key) {
        return objects.call("read the history of " + key.describe(),
                () -> landed(scope, objects.names(objects.folder(scope, key))));
    }

    /** How many keys' changes {@link #forEachChange} reads at once: their change objects, then their pointers. */
    private static final int KEYS_AT_ONCE = 256;

    /**
     * Every key's changes, key by key in the order of their folders. The change objects of many keys are read at
     * once, then those keys' pointers: a key at a time, each key cost two round trips one after the other.
     */
    @Override
    public void forEachChange(ScopeId scope, Consumer<StoredChange> action) {
        objects.call("read the history of " + scope, () -> {
            TreeMap<String, List<String>> byKey = new TreeMap<>();
            String prefix = objects.scopeFolder(scope);
            for (String name : objects.names(prefix)) {
                String rest = name.substring(prefix.length());
                byKey.computeIfAbsent(rest.substring(0, rest.indexOf('/')), k -> new ArrayList<>()).add(name);
            }
            List<List<String>> keys = new ArrayList<>(byKey.values());
            for (int from = 0; from < keys.size(); from += KEYS_AT_ONCE) {
                List<List<String>> batch = keys.subList(from, Math.min(keys.size(), from + KEYS_AT_ONCE));
                List<List<Future<Link>>> reads = new ArrayList<>();
                for (List<String> names : batch) {
                    reads.add(readAll(names));
                }
                List<Map<String, Link>> links = new ArrayList<>();
                List<Future<String>> pointers = new ArrayList<>();
                for (List<Future<Link>> read : reads) {
                    Map<String, Link> byId = awaitAll(read);
                    links.add(byId);
                    StateKey key = byId.isEmpty() ? null : byId.values().iterator().next().change().key();
                    pointers.add(key == null ? null
                            : readers.submit(ClientRetries.carried(() -> objects.pointer(scope, key))));
                }
                for (int i = 0; i < batch.size(); i++) {
                    if (pointers.get(i) != null) {
                        resolve(scope, links.get(i), await(pointers.get(i))).forEach(action);
                    }
                }
            }
            return null;
        });
    }

    private List<Future<Link>> readAll(List<String> names) {
        List<Future<Link>> reads = new ArrayList<>(names.size());
        for (String name : names) {
            reads.add(readers.submit(ClientRetries.carried(() -> objects.read(name))));
        }
        return reads;
    }

    /** The changes read, by id; those gone (pruned, or a write's that lost its race) left out. */
    private static Map<String, Link> awaitAll(List<Future<Link>> reads) {
        Map<String, Link> byId = new HashMap<>();
        for (Future<Link> read : reads) {
            Link link = await(read);
            if (link != null) {
                byId.put(link.id(), link);
            }
        }
        return byId;
    }

    @Override
    public void remove(ScopeId scope, Collection<StoredChange> changes) {
        objects.call("prune the history of " + scope, () -> {
            for (StoredChange change : changes) {
                for (String name : objects.names(objects.folder(scope, change.key())
                        + String.format("%019d", change.seq()) + "-")) {
                    objects.delete(name);
                }
            }
            return null;
        });
    }

    /** Deletes the orphans reads of the scope met (see the class's comment). One already gone is no error. */
    @Override
    public void sweep(ScopeId scope) {
        Set<String> found = orphans.remove(scope);
        if (found == null || found.isEmpty()) {
            return;
        }
        objects.call("sweep the history of " + scope, () -> {
            for (String name : found) {
                objects.delete(name);
            }
            LOG.info("removed {} change(s) of writes that never landed from the history of {}", found.size(), scope);
            return null;
        });
    }

    /** The changes of one key among {@code names} that landed, oldest first. */
    private List<StoredChange> landed(ScopeId scope, List<String> names) {
        Map<String, Link> byId = awaitAll(readAll(names));
        if (byId.isEmpty()) {
            return List.of();
        }
        return resolve(scope, byId, objects.pointer(scope, byId.values().iterator().next().change().key()));
    }

    /**
     * The chain of one key's changes {@code byId} from {@code pointer}, the change its record
     * names, oldest first. A pointer to a change not read (written after the listing) lists and reads the key again.
     */
    private List<StoredChange> resolve(ScopeId scope, Map<String, Link> byId, @Nullable String pointer) {
        StateKey key = byId.values().iterator().next().change().key();
        for (int attempt = 0; ; attempt++) {
            if (pointer != null && !byId.containsKey(pointer) && attempt < 5) {
                byId = awaitAll(readAll(objects.names(objects.folder(scope, key))));
                if (byId.isEmpty()) {
                    return List.of();
                }
                pointer = objects.pointer(scope, key);
                continue;
            }
            boolean resolved = pointer != null && byId.containsKey(pointer);
            List<StoredChange> chain = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            while (pointer != null && byId.containsKey(pointer) && seen.add(pointer)) {
                Link link = byId.get(pointer);
                chain.add(link.change());
                pointer = link.previous();
            }
            Collections.reverse(chain);
            if (resolved) {
                // Only beside a chain that resolved: a key whose record names no change, or one not found, says
                // nothing certain of the others.
                noteOrphans(scope, byId, seen);
            } else if (pointer == null && !objects.hasRecord(scope, key)) {
                // No write of this key ever landed (its first create crashed after its change): no change is on a chain.
                noteOrphans(scope, byId, Set.of());
            }
            return chain;
        }
    }

    /** Notes the changes read that are on no chain ({@code onChain}) and too old to be a write in progress. */
    private void noteOrphans(ScopeId scope, Map<String, Link> byId, Set<String> onChain) {
        Instant old = Instant.now().minus(ORPHAN_AGE);
        for (Link link : byId.values()) {
            if (!onChain.contains(link.id()) && link.change().at().isBefore(old)) {
                orphans.computeIfAbsent(scope, s -> java.util.concurrent.ConcurrentHashMap.newKeySet())
                        .add(name(scope, link.change().key(), link.change().seq(), link.id()));
            }
        }
    }

    /**
     * The result of a read made on {@code readers}: its own runtime exception rethrown as it is.
     *
     * @throws StateStoreUnavailableException if interrupted
     */
    public static <T> T await(Future<T> future) {
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StateStoreUnavailableException("interrupted while reading", e);
        }
    }
}
