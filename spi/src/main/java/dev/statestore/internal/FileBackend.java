package dev.statestore.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.CorruptStateException;
import dev.statestore.InvalidStateException;
import dev.statestore.Page;
import dev.statestore.ScopeId;
import dev.statestore.StateConflictException;
import dev.statestore.StateWriteFencedException;
import dev.statestore.StateNames;
import dev.statestore.StateStoreUnavailableException;
import dev.statestore.internal.FileNames.Slot;
import dev.statestore.spi.ControlDocument;
import dev.statestore.spi.ControlStore;
import dev.statestore.spi.ChangeJson;
import dev.statestore.spi.DocumentToWrite;
import dev.statestore.spi.HistoryStore;
import dev.statestore.spi.StoredChange;
import dev.statestore.spi.LockState;
import dev.statestore.spi.StateJson;
import dev.statestore.spi.StateKey;
import dev.statestore.spi.StoreBackend;
import dev.statestore.spi.StoredDocument;
import dev.statestore.spi.StrayDocument;
import dev.statestore.spi.WriteCondition;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Internal: the {@code file:} backend, on Alchemy's local layout.
 *
 * <pre>
 * ROOT/state/STACK/STAGE/NAME.json               the document, under Alchemy's own name (see FileNames)
 * ROOT/state/STACK/STAGE/NAME~HASH.json.statestore  a document whose Alchemy name is taken or too long
 * ROOT/state/STACK/STAGE/__stack_output__.json   the stack output
 * ROOT/.statestore/STACK/STAGE/NAME.meta         {fqn, version, updatedAt, sha256} of NAME.json
 * ROOT/.statestore/STACK/STAGE/__scope__.lock    the file locked around every operation on the scope
 * ROOT/.statestore/STACK/STAGE/__control__/NAME.json  the deployments (see ControlStore): head,
 *                                                 deployment/N, events/N/...
 * ROOT/.statestore/STACK/STAGE/__history__/KEY/SEQ.json  the history: one file per change (see history())
 * </pre>
 *
 * The metadata lives outside {@code state/} because Alchemy reads every file of a stage folder as a
 * record. A meta file whose document is gone is a tombstone, which keeps the version growing across
 * delete and re-create. A document whose SHA-256 is not its meta file's was written by someone else
 * (Alchemy, or this store crashing between the two renames): it counts as one write more, which is
 * exactly the version an interrupted write of ours was giving it.
 *
 * <p>Every operation on a scope holds an exclusive lock: a {@link ReentrantLock} per scope for the
 * threads of this JVM, and a {@link FileLock} on {@code __scope__.lock} for other processes. Every
 * file is written to a temporary file, forced to disk, renamed over the old one, and the folder
 * forced, so a crash leaves the old file or the new one.
 */
final class FileBackend implements StoreBackend {

    private static final String META_DIR = ".statestore";
    private static final String META_EXTENSION = ".meta";
    private static final String SCOPE_LOCK = "__scope__.lock";
    /** Where releases before deployments kept the deploy lock: read once, to turn it into a deployment. */
    private static final String DEPLOY_LOCK = "__deploy_lock__.json";
    private static final String CONTROL_DIR = "__control__";
    private static final String TEMPORARY_PREFIX = "__tmp__";
    private static final String WRITE_AHEAD_LOG = "__wal__";
    private static final Logger LOG = LoggerFactory.getLogger(FileBackend.class);
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();
    /** Lock file to its real path, for the lock files this store has made or found. */
    private final Map<Path, Path> realLockFiles = new ConcurrentHashMap<>();

    private final Path root;
    private final Path stateDir;
    private final Path metaRoot;
    private final String url;
    private final Clock clock = Clock.systemUTC();
    /** This boot's id, where the system tells boots apart: write-ahead logs of another boot are replayed. */
    private final @org.jspecify.annotations.Nullable String bootId;
    private final Instant bootTime;
    /** Whether writes are made durable by the scope's write-ahead log, rather than by forcing every file and folder. */
    private final boolean logged;
    private final Map<ScopeId, FileWriteAheadLog> logs = new ConcurrentHashMap<>();
    /** Per scope: the writes waiting for the scope's lock, committed together by whichever thread takes it. */
    private final Map<ScopeId, java.util.Queue<Pending<?>>> waiting = new ConcurrentHashMap<>();

    FileBackend(Path root, String url, boolean writeAheadLog) {
        this(root, url, writeAheadLog, FileWriteAheadLog.bootId().orElse(null), FileWriteAheadLog.bootTime());
    }

    /** With the machine's boot as given: tests play a restart by giving another. */
    FileBackend(Path root, String url, boolean writeAheadLog, @org.jspecify.annotations.Nullable String bootId,
            Instant bootTime) {
        this.root = root;
        this.stateDir = root.resolve("state");
        this.metaRoot = root.resolve(META_DIR);
        this.url = url;
        this.bootId = bootId;
        this.bootTime = bootTime;
        this.logged = writeAheadLog && bootId != null;
    }

    @Override
    public String describe() {
        return url + " (" + root + (logged ? ", write-ahead log" : "") + ")";
    }

    // ---- listing scopes -------------------------------------------------------------------------

    @Override
    public List<String> stacks() {
        Set<String> result = new TreeSet<>(StateNames.ORDER);
        for (Path stack : directories(stateDir)) {
            for (Path stage : directories(stack)) {
                if (holdsDocuments(stage)) {
                    result.add(stack.getFileName().toString());
                    break;
                }
            }
        }
        return List.copyOf(result);
    }

    @Override
    public List<String> stages(String stack) {
        Set<String> result = new TreeSet<>(StateNames.ORDER);
        for (Path stage : directories(stateDir.resolve(stack))) {
            if (holdsDocuments(stage)) {
                result.add(stage.getFileName().toString());
            }
        }
        return List.copyOf(result);
    }

    /** The sub-folders of {@code dir}; none if it does not exist; an error if it cannot be read. */
    private List<Path> directories(Path dir) {
        List<Path> result = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, Files::isDirectory)) {
            entries.forEach(result::add);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw unavailable("cannot list " + dir, e);
        }
        return result;
    }

    private boolean holdsDocuments(Path stageDir) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(stageDir,
                "*{" + FileNames.EXTENSION + "," + FileNames.FALLBACK_EXTENSION + "}")) {
            for (Path p : entries) {
                if (Files.isRegularFile(p)) {
                    return true;
                }
            }
            return false;
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw unavailable("cannot list " + stageDir, e);
        }
    }

    // ---- documents ------------------------------------------------------------------------------

    /** A document file found holding a key, with what is known of its version. */
    private record Found(Slot slot, byte[] bytes, long version, Instant updatedAt) {}

    private Path docDir(ScopeId scope) {
        return stateDir.resolve(scope.stack()).resolve(scope.stage());
    }

    private Path metaDir(ScopeId scope) {
        return metaRoot.resolve(scope.stack()).resolve(scope.stage());
    }

    @Override
    public Optional<StoredDocument> read(ScopeId scope, StateKey key) {
        return locked(scope, false, () -> locate(scope, key).map(f -> stored(scope, key, f)));
    }

    @Override
    public OptionalLong lastVersion(ScopeId scope, StateKey key) {
        return OptionalLong.of(locked(scope, false,
                () -> locate(scope, key).map(Found::version).orElseGet(() -> tombstone(scope, key))));
    }

    private StoredDocument stored(ScopeId scope, StateKey key, Found f) {
        return new StoredDocument(key, new String(f.bytes, StandardCharsets.UTF_8), f.version, f.updatedAt,
                docDir(scope).resolve(f.slot.file()).toString());
    }

    /** The slots a key's file may have, in the order they are searched: the first that holds the key wins. */
    private static List<Slot> candidates(StateKey key) {
        return key instanceof StateKey.Record r ? FileNames.readSlots(r.fqn()) : List.of(FileNames.output());
    }

    /** The slots this release writes the key to. */
    private static List<Slot> currentSlots(StateKey key) {
        return key instanceof StateKey.Record r ? FileNames.writeSlots(r.fqn()) : List.of(FileNames.output());
    }

    private static String fqnOf(StateKey key) {
        return key instanceof StateKey.Record r ? r.fqn() : null;
    }

    /** The file that holds the key, if any. Call with the scope locked. */
    private Optional<Found> locate(ScopeId scope, StateKey key) {
        for (Slot slot : candidates(key)) {
            Optional<Found> found = readHolding(scope, key, slot);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    /** The file of {@code slot}, if it exists and holds {@code key}. */
    private Optional<Found> readHolding(ScopeId scope, StateKey key, Slot slot) {
        Path file = docDir(scope).resolve(slot.file());
        byte[] bytes = bytesOf(file);
        if (bytes == null) {
            return Optional.empty();
        }
        if (key instanceof StateKey.Record r) {
            String held = heldOrNamedFqn(file, bytes);
            if (!r.fqn().equals(held)) {
                return Optional.empty();
            }
        }
        Meta meta = readMeta(scope, slot.metaBase());
        if (meta != null && !java.util.Objects.equals(meta.fqn, fqnOf(key))) {
            // Another record's tombstone shares the base name: it says nothing of this document.
            meta = null;
        }
        if (meta == null) {
            // Written by someone else (Alchemy), or moved here by a write that stopped before its version file:
            // one write past the last version this key had anywhere.
            return Optional.of(new Found(slot, bytes, tombstone(scope, key) + 1, modified(file)));
        }
        String sha = FileNames.sha256Hex(bytes);
        if (meta.sha256.equals(sha)) {
            return Optional.of(new Found(slot, bytes, meta.version, meta.updatedAt));
        }
        LOG.debug("{} was changed by another writer since version {}", file, meta.version);
        return Optional.of(new Found(slot, bytes, meta.version + 1, modified(file)));
    }

    /**
     * The fqn a record file says it holds; for a file that says none (its bytes are not a record), the fqn its name is
     * Alchemy's name of, so that the corrupt record is read (and reported corrupt by the layer above), listed (a listing
     * fails on it, never drops it) and can be quarantined by a repair, conditional on its version, like any record.
     *
     * @throws CorruptStateException if it says none and its name is not Alchemy's name of a record
     */
    private static String heldOrNamedFqn(Path file, byte[] bytes) {
        try {
            return heldFqn(file, bytes);
        } catch (CorruptStateException e) {
            String name = file.getFileName().toString();
            if (name.endsWith(FileNames.FALLBACK_EXTENSION) || !name.endsWith(FileNames.EXTENSION)) {
                throw e;
            }
            // Alchemy writes '/' as '__': read back the same way, which is the fqn unless the name had '__' itself.
            String named = name.substring(0, name.length() - FileNames.EXTENSION.length()).replace("__", "/");
            if (StateNames.fqnProblem(named).isPresent()
                    || !FileNames.alchemySlot(named).map(slot -> slot.file().equals(name)).orElse(false)) {
                throw e;
            }
            return named;
        }
    }

    /** The fqn a record file says it holds. @throws CorruptStateException if it says none */
    private static String heldFqn(Path file, byte[] bytes) {
        JsonNode node;
        try {
            node = StateJson.parse(bytes);
        } catch (IOException e) {
            throw new CorruptStateException(file.toString(), "not valid JSON: " + StateJson.problem(e), e);
        }
        JsonNode fqn = node.get("fqn");
        if (!node.isObject() || fqn == null || !fqn.isTextual()) {
            throw new CorruptStateException(file.toString(), "a record file needs a string field 'fqn'", null);
        }
        try {
            return StateNames.requireReadableFqn(fqn.textValue());
        } catch (InvalidStateException e) {
            throw new CorruptStateException(file.toString(), "its 'fqn' cannot name a record: " + e.getMessage(), e);
        }
    }

    private Instant modified(Path file) {
        Batch batch = Batch.CURRENT.get();
        if (batch != null && batch.holds(file)) {
            return batch.at;
        }
        try {
            return Files.getLastModifiedTime(file).toInstant();
        } catch (IOException e) {
            throw unavailable("cannot read " + file, e);
        }
    }

    /** What the store knows of a document file: kept apart from it so that Alchemy's layout stays as it is. */
    private record Meta(String fqn, long version, Instant updatedAt, String sha256) {}

    private Meta readMeta(ScopeId scope, String base) {
        Path file = metaDir(scope).resolve(base + META_EXTENSION);
        byte[] bytes = bytesOf(file);
        if (bytes == null) {
            return null;
        }
        // Bytes that do not parse are corrupt data, not an outage: retrying cannot help.
        try {
            JsonNode n = StateJson.parse(bytes);
            JsonNode fqn = n.get("fqn");
            JsonNode version = n.get("version");
            if (version == null || !version.canConvertToExactIntegral() || version.longValue() < 1) {
                throw new IllegalArgumentException("no version");
            }
            return new Meta(fqn == null || fqn.isNull() ? null : fqn.textValue(), version.longValue(),
                    Instant.parse(n.get("updatedAt").textValue()), n.get("sha256").textValue());
        } catch (IOException | RuntimeException e) {
            throw new CorruptStateException(file.toString(), "not a version file of this store ("
                    + (e instanceof IOException ? StateJson.problem(e) : "its fields version, updatedAt and sha256 are "
                    + "missing or malformed") + ")", e);
        }
    }

    /** The last version any version file of {@code key} records (a deleted document's tombstone), 0 if none. */
    private long tombstone(ScopeId scope, StateKey key) {
        long last = 0;
        for (Slot slot : candidates(key)) {
            Meta meta = readMeta(scope, slot.metaBase());
            if (meta != null && java.util.Objects.equals(meta.fqn, fqnOf(key))) {
                last = Math.max(last, meta.version);
            }
        }
        return last;
    }

    @Override
    public StoredDocument write(ScopeId scope, WriteCondition condition, DocumentToWrite document) {
        StateKey key = document.key();
        return committed(scope, () -> {
            checkFence(scope, condition);
            Optional<Found> current = locate(scope, key);
            check(scope, key, condition, current);
            long live = current.map(Found::version).orElse(0L);
            long version = current.isPresent() ? live + 1 : tombstone(scope, key) + 1;
            if (!condition.holdsFor(live, version - 1)) {
                throw condition.lastVersionConflict(scope, key, live, version - 1);
            }
            // A record found under a name of an earlier release (or the fallback, where Alchemy's name has come
            // free) is moved to the name this release gives it.
            Slot slot = current.map(Found::slot).filter(s -> staysIn(scope, key, s)).orElseGet(() -> freeSlot(scope, key));
            byte[] bytes = document.prettyJson().getBytes(StandardCharsets.UTF_8);
            Instant now = clock.instant();
            if (condition.recorded()) {
                recordChange(scope, key, version, document.json(), now, condition.fence());
                // A deletion of the version this write replaces was recorded by a delete that never removed it.
                current.ifPresent(found -> deleteChangeFile(scope, key, StoredChange.seq(found.version(), true)));
            }
            Path docDir = docDir(scope);
            if (Batch.CURRENT.get() == null) {
                createDirectories(docDir); // a batch's commit makes the folders it writes to
            }
            // Document first, version file second: a crash between them leaves the new document, which a read
            // counts as one write past the version file's (see readHolding).
            replace(scope, docDir.resolve(slot.file()), bytes);
            writeMeta(scope, slot, fqnOf(key), version, now, FileNames.sha256Hex(bytes));
            // The file it was found in, when it moved; and a second file of the record under another of its names
            // (a move that stopped halfway, a copy by hand), which reads never see while this one is there.
            for (Slot other : candidates(key)) {
                if (!other.equals(slot) && exists(docDir.resolve(other.file()))) {
                    forget(scope, key, other, version);
                }
            }
            return new StoredDocument(key, document.json(), version, now, docDir.resolve(slot.file()).toString());
        });
    }

    /** Writes the version file of {@code slot}: which record (null: the stack output), its version, when, what bytes. */
    private void writeMeta(ScopeId scope, Slot slot, String fqn, long version, Instant updatedAt, String sha256) {
        ObjectNode meta = StateJson.nodes().objectNode();
        if (fqn != null) {
            meta.put("fqn", fqn);
        } else {
            meta.putNull("fqn");
        }
        meta.put("version", version);
        meta.put("updatedAt", updatedAt.toString());
        meta.put("sha256", sha256);
        // Padded with spaces to a multiple of 256 bytes: the next version's file then has the same length, which the
        // write-ahead log writes over in place instead of renaming a new file over it (that rename costs a write-back).
        byte[] json = StateJson.compact(meta).getBytes(StandardCharsets.UTF_8);
        byte[] padded = java.util.Arrays.copyOf(json, (json.length + 1 + 255) / 256 * 256);
        java.util.Arrays.fill(padded, json.length, padded.length - 1, (byte) ' ');
        padded[padded.length - 1] = '\n';
        replace(scope, metaDir(scope).resolve(slot.metaBase() + META_EXTENSION), padded);
    }

    /**
     * Removes the document and version file the key had under {@code old}, now that its newest version,
     * {@code newVersion}, is written elsewhere: only what is still the key's (another writer may have put another
     * record there), and never a version file that knows of a later version.
     */
    private void forget(ScopeId scope, StateKey key, Slot old, long newVersion) {
        Path doc = docDir(scope).resolve(old.file());
        Path meta = metaDir(scope).resolve(old.metaBase() + META_EXTENSION);
        if (readHolding(scope, key, old).isPresent()) {
            remove(doc);
        }
        Meta known = readMeta(scope, old.metaBase());
        if (known != null && java.util.Objects.equals(known.fqn, fqnOf(key)) && known.version <= newVersion) {
            remove(meta);
        }
    }

    /** Whether a document of {@code key} found in {@code slot} stays there: a name this release writes, none better free. */
    private boolean staysIn(ScopeId scope, StateKey key, Slot slot) {
        List<Slot> preferred = currentSlots(key);
        int rank = preferred.indexOf(slot);
        if (rank < 0) {
            return false;
        }
        for (int better = 0; better < rank; better++) {
            if (slotIsFree(scope, key, preferred.get(better))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether a new document of {@code key} may take {@code slot}: no other record's document is there. A version
     * file there that belongs to another record (a deleted one's tombstone) does not hold the name.
     */
    private boolean slotIsFree(ScopeId scope, StateKey key, Slot slot) {
        Path doc = docDir(scope).resolve(slot.file());
        if (!exists(doc)) {
            return true;
        }
        return readHolding(scope, key, slot).isPresent();
    }

    /** Where a new document of {@code key} goes: Alchemy's name for it if free, else its fallback name. */
    private Slot freeSlot(ScopeId scope, StateKey key) {
        for (Slot slot : currentSlots(key)) {
            if (slotIsFree(scope, key, slot)) {
                Meta meta = readMeta(scope, slot.metaBase());
                if (meta != null && !java.util.Objects.equals(meta.fqn, fqnOf(key)) && meta.fqn != null) {
                    moveTombstone(scope, meta);
                }
                return slot;
            }
        }
        throw new InvalidStateException("cannot store '" + key.describe() + "' in " + scope
                + ": every file name it may have belongs to another record");
    }

    /**
     * Keeps a deleted record's last version when another record takes its base name: the tombstone moves to the
     * deleted record's fallback name, written before the name is taken, so its versions still never repeat.
     */
    private void moveTombstone(ScopeId scope, Meta tombstone) {
        Slot to = FileNames.fallbackSlot(tombstone.fqn);
        Meta there = readMeta(scope, to.metaBase());
        if (there != null && java.util.Objects.equals(there.fqn, tombstone.fqn) && there.version >= tombstone.version) {
            return;
        }
        writeMeta(scope, to, tombstone.fqn, tombstone.version, tombstone.updatedAt, tombstone.sha256);
    }

    private static void check(ScopeId scope, StateKey key, WriteCondition condition, Optional<Found> current) {
        long version = current.map(Found::version).orElse(0L);
        if (!condition.holdsFor(version)) {
            throw new StateConflictException(scope, key.describe(), condition.expectedVersion(),
                    current.isPresent() ? OptionalLong.of(version) : OptionalLong.empty());
        }
    }

    @Override
    public boolean delete(ScopeId scope, StateKey key, WriteCondition condition) {
        return committed(scope, () -> {
            checkFence(scope, condition);
            Optional<Found> current = locate(scope, key);
            check(scope, key, condition, current);
            if (current.isEmpty()) {
                return false;
            }
            deleteRecorded(scope, key, current.get(), condition, true);
            return true;
        });
    }

    /**
     * Removes the document, leaving a meta file with its version as the tombstone; with {@code sync}, its folder is
     * forced to disk now (a scope's deletion forces it once, at the end).
     */
    private void deleteDocument(ScopeId scope, StateKey key, Found found, boolean sync) {
        Meta known = readMeta(scope, found.slot.metaBase());
        if (known == null || known.version != found.version || !java.util.Objects.equals(known.fqn, fqnOf(key))) {
            // The document was written by someone else: record its version before it goes.
            writeMeta(scope, found.slot, fqnOf(key), found.version, found.updatedAt, FileNames.sha256Hex(found.bytes));
        }
        Path doc = docDir(scope).resolve(found.slot.file());
        if (Batch.CURRENT.get() != null) {
            remove(doc);
            return;
        }
        try {
            Files.deleteIfExists(doc);
            if (sync) {
                forceDirectory(doc.getParent());
            }
        } catch (IOException e) {
            throw unavailable("cannot delete " + doc, e);
        }
    }

    @Override
    public Page<StoredDocument> list(ScopeId scope, String afterFqn, int limit) {
        return locked(scope, false, () -> {
            TreeMap<String, Slot> files = recordFiles(scope);
            var tail = afterFqn == null ? files : files.tailMap(afterFqn, false);
            List<StoredDocument> items = new ArrayList<>();
            for (var e : tail.entrySet()) {
                if (items.size() == limit) {
                    return new Page<>(items, Optional.of(items.get(limit - 1).key().describe()));
                }
                StateKey key = StateKey.record(e.getKey());
                Found found = readHolding(scope, key, e.getValue())
                        .orElseThrow(() -> new IllegalStateException("a listed file changed under the scope lock"));
                items.add(stored(scope, key, found));
            }
            return new Page<>(items, Optional.empty());
        });
    }

    @Override
    public List<StoredDocument> listByStatus(ScopeId scope, Set<String> statuses) {
        return locked(scope, false, () -> {
            List<StoredDocument> result = new ArrayList<>();
            for (var e : recordFiles(scope).entrySet()) {
                StateKey key = StateKey.record(e.getKey());
                Found found = readHolding(scope, key, e.getValue())
                        .orElseThrow(() -> new IllegalStateException("a listed file changed under the scope lock"));
                StoredDocument doc = stored(scope, key, found);
                if (statuses.contains(doc.status())) {
                    result.add(doc);
                }
            }
            return result;
        });
    }

    /** What a listing learnt of a file, valid while the file is the same (same inode, size and time). */
    private record KnownFile(Object fileKey, long size, long modifiedNanos, String fqn) {}

    /** Per scope: file name to what was learnt of it by the last listing. */
    private final Map<ScopeId, Map<String, KnownFile>> knownFiles = new ConcurrentHashMap<>();

    /**
     * What a stage folder holds: the record files by fqn; what is wrong with the other files (each a file that
     * is not a record, its name not one of the fqn's it holds, or a second file of one record), logged at every
     * listing; and the records whose fqn this store reads but does not write, for {@link #diagnose} only (the
     * record itself is listed and says so).
     */
    private record Listing(TreeMap<String, Slot> records, List<StrayFile> strays) {

        /** Files not read as records: named as warnings by every listing. */
        List<String> problems() {
            return strays.stream().filter(s -> !s.listed()).map(StrayFile::problem).toList();
        }

        /** Records under names this store reads but never writes. */
        List<String> readOnlyNames() {
            return strays.stream().filter(StrayFile::listed).map(StrayFile::problem).toList();
        }
    }

    /** A file holding {@code fqn} where no read of it looks, or under a name this store never writes ({@code listed}). */
    private record StrayFile(Path file, String fqn, String problem, boolean listed) {}

    /**
     * fqn to file of every record of the scope, each fqn read from the file itself: a name alone cannot be
     * trusted, since Alchemy's names are ambiguous ({@code A__B} is {@code A/B} or {@code A__B}) and a
     * case-insensitive file system folds names. What a file holds is remembered while the file stays the
     * same, so paging through a scope reads each file's fqn once. A file that names no fqn makes the listing
     * fail, naming the file, never drops out of it; a file that is not a record's is logged as a warning every
     * time. A record whose fqn Alchemy accepts and this store does not ({@code /lead}, {@code a//b}) is listed.
     */
    private TreeMap<String, Slot> recordFiles(ScopeId scope) {
        Listing listing = scan(scope);
        listing.problems().forEach(problem -> LOG.warn("{}", problem));
        return listing.records();
    }

    private Listing scan(ScopeId scope) {
        TreeMap<String, Slot> result = new TreeMap<>(StateNames.ORDER);
        List<StrayFile> strays = new ArrayList<>();
        Map<String, KnownFile> before = knownFiles.getOrDefault(scope, Map.of());
        Map<String, KnownFile> now = new HashMap<>();
        Path dir = docDir(scope);
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path file : entries) {
                String name = file.getFileName().toString();
                if (name.equals(FileNames.output().file())
                        || !(name.endsWith(FileNames.EXTENSION) || name.endsWith(FileNames.FALLBACK_EXTENSION))) {
                    continue;
                }
                BasicFileAttributes attributes;
                try {
                    attributes = Files.readAttributes(file, BasicFileAttributes.class);
                } catch (NoSuchFileException e) {
                    continue;
                }
                if (!attributes.isRegularFile()) {
                    continue;
                }
                KnownFile known = before.get(name);
                long modified = attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS);
                if (known == null || !java.util.Objects.equals(known.fileKey, attributes.fileKey())
                        || known.size != attributes.size() || known.modifiedNanos != modified) {
                    known = new KnownFile(attributes.fileKey(), attributes.size(), modified, heldOrNamedFqn(file, readAll(file)));
                }
                now.put(name, known);
                String fqn = known.fqn;
                StateNames.fqnProblem(fqn).ifPresent(problem -> strays.add(new StrayFile(file, fqn, file + " holds a "
                        + "record whose name this store reads but does not write or delete (" + problem + "): rename it "
                        + "with the tool that wrote it, or remove the file (statestore repair does either)", true)));
                // Nearly every file is under Alchemy's name of the fqn it holds: settled without hashing the fqn.
                Optional<Slot> slot = FileNames.alchemySlot(fqn).filter(s -> s.file().equals(name));
                List<Slot> slots = slot.isPresent() ? List.of(slot.get()) : FileNames.readSlots(fqn);
                if (slot.isEmpty()) {
                    slot = slots.stream().filter(s -> s.file().equals(name)).findFirst();
                }
                if (slot.isEmpty()) {
                    // A file system that folds case or normalizes unicode opens this file under another spelling:
                    // it is the record's if a read of the record opens it.
                    slot = slots.stream().filter(s -> sameFile(dir.resolve(s.file()), file)).findFirst();
                }
                if (slot.isEmpty()) {
                    strays.add(new StrayFile(file, fqn, file + " holds the record '" + fqn + "', but is not a file of "
                            + "that record (its file is " + slots.get(0).file() + "): it is not read as a record; rename it "
                            + "to that name, or remove it (statestore repair does either)", false));
                    continue;
                }
                Slot other = result.get(fqn);
                if (other == null) {
                    result.put(fqn, slot.get());
                } else {
                    // Left by a write that stopped while moving a record to its new name, or by hand: the first
                    // name a read searches wins, the one Alchemy itself reads first of all.
                    List<Slot> order = FileNames.readSlots(fqn);
                    Slot first = order.indexOf(other) < order.indexOf(slot.get()) ? other : slot.get();
                    Slot second = first.equals(other) ? slot.get() : other;
                    result.put(fqn, first);
                    strays.add(new StrayFile(dir.resolve(second.file()), fqn, dir.resolve(first.file()) + " and "
                            + dir.resolve(second.file()) + " both hold the record '" + fqn + "': the first is read (the "
                            + "name Alchemy reads comes first, then the fallback, then names of earlier releases); the "
                            + "record's next write removes the second", false));
                }
            }
        } catch (NoSuchFileException e) {
            knownFiles.remove(scope);
            return new Listing(result, strays);
        } catch (IOException e) {
            throw unavailable("cannot list " + dir, e);
        }
        knownFiles.put(scope, now);
        return new Listing(result, strays);
    }

    private static boolean sameFile(Path a, Path b) {
        try {
            return Files.exists(a, java.nio.file.LinkOption.NOFOLLOW_LINKS) && Files.isSameFile(a, b);
        } catch (IOException e) {
            return false;
        }
    }

    /** Alchemy writes records into the same tree, under any fqn. */
    @Override
    public boolean holdsNamesOfOtherWriters() {
        return true;
    }

    @Override
    public List<StrayDocument> strays(ScopeId scope) {
        return locked(scope, false, () -> {
            List<StrayDocument> found = new ArrayList<>();
            for (StrayFile stray : scan(scope).strays()) {
                try {
                    found.add(new StrayDocument(stray.file().toString(), stray.fqn(),
                            new String(Files.readAllBytes(stray.file()), StandardCharsets.UTF_8), stray.problem(),
                            stray.listed()));
                } catch (NoSuchFileException e) {
                    // Removed since the scan (by hand: this store removes none without the lock).
                } catch (IOException e) {
                    throw unavailable("cannot read " + stray.file(), e);
                }
            }
            return found;
        });
    }

    @Override
    public boolean removeStray(ScopeId scope, StrayDocument stray) {
        Path file = Path.of(stray.location());
        Path dir = docDir(scope);
        if (!dir.equals(file.getParent())) {
            throw new InvalidStateException(stray.location() + " is not a file of " + scope + " (" + dir + ")");
        }
        return maintenance(scope, () -> {
            try {
                if (!new String(Files.readAllBytes(file), StandardCharsets.UTF_8).equals(stray.json())) {
                    return false;
                }
                Files.delete(file);
                forceDirectory(dir);
                return true;
            } catch (NoSuchFileException e) {
                return false;
            } catch (IOException e) {
                throw unavailable("cannot remove " + file, e);
            }
        });
    }

    /** What is wrong in any stage folder: files that are not records, second files of one record, refused names. */
    @Override
    public List<String> diagnose() {
        List<String> problems = new ArrayList<>();
        for (Path stack : directories(stateDir)) {
            for (Path stage : directories(stack)) {
                ScopeId scope;
                try {
                    scope = new ScopeId(stack.getFileName().toString(), stage.getFileName().toString());
                } catch (InvalidStateException e) {
                    problems.add(stage + " is not a stage folder this store reads: " + e.getMessage());
                    continue;
                }
                Listing listing = locked(scope, false, () -> scan(scope));
                problems.addAll(listing.problems());
                problems.addAll(listing.readOnlyNames());
            }
        }
        return problems;
    }

    private byte[] readAll(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw unavailable("cannot read " + file, e);
        }
    }

    @Override
    public void deleteScope(ScopeId scope, WriteCondition condition) {
        maintenance(scope, () -> {
            // Under the scope lock throughout: one check of the fence holds for every deletion.
            checkFence(scope, condition);
            for (var e : recordFiles(scope).entrySet()) {
                StateKey key = StateKey.record(e.getKey());
                readHolding(scope, key, e.getValue()).ifPresent(f -> deleteRecorded(scope, key, f, condition, false));
            }
            locate(scope, StateKey.output()).ifPresent(f -> deleteRecorded(scope, StateKey.output(), f, condition, false));
            // One fsync of the folder for all the deletions (one per record made deleting 100,000 records take
            // minutes); the scope is not deleted atomically either way, but it is on disk when this returns.
            Path docs = docDir(scope);
            try {
                if (Files.isDirectory(docs)) {
                    forceDirectory(docs);
                }
            } catch (IOException e) {
                throw unavailable("cannot sync " + docs, e);
            }
            try {
                Files.deleteIfExists(docs);
                // The stack's folder too once its last stage is gone, as Alchemy does: its listing of stacks reads
                // folders, and would show an empty one forever.
                Files.deleteIfExists(docs.getParent());
            } catch (IOException e) {
                // Not empty (a file of another tool, another stage) or already gone: the records are deleted either way.
            }
            return null;
        });
    }

    /** A deletion, its change recorded first if asked; {@code sync} as for {@link #deleteDocument}. Locked. */
    private void deleteRecorded(ScopeId scope, StateKey key, Found found, WriteCondition condition, boolean sync) {
        if (condition.recorded()) {
            recordChange(scope, key, found.version(), null, clock.instant(), condition.fence());
        }
        deleteDocument(scope, key, found, sync);
    }

    /** Every stage folder of the stack, emptied ones too (which {@link #stages} does not list), so that none is left. */
    @Override
    public void deleteStack(String stack, WriteCondition condition) {
        for (Path stage : directories(stateDir.resolve(stack))) {
            ScopeId scope;
            try {
                scope = new ScopeId(stack, stage.getFileName().toString());
            } catch (InvalidStateException notAStage) {
                continue;
            }
            deleteScope(scope, condition);
        }
    }

    // ---- history ----------------------------------------------------------------------------------
    // ROOT/.statestore/STACK/STAGE/__history__/KEY/SEQ.json, KEY "output" or "r" + a SHA-256 of the fqn, one file per
    // change (ChangeJson), written under the scope lock before the document: a crash between the two leaves a change
    // whose write never landed, which the reads below hide (it claims a version past the key's current one), and
    // which the key's next write replaces (same version, same file) or removes (a deletion that never happened).

    private static final String HISTORY_DIR = "__history__";

    private Path historyDir(ScopeId scope, StateKey key) {
        String name = key instanceof StateKey.Record r
                ? "r" + FileNames.sha256Hex(r.fqn().getBytes(StandardCharsets.UTF_8)).substring(0, 40) : "output";
        return metaDir(scope).resolve(HISTORY_DIR).resolve(name);
    }

    private static String changeFile(long seq) {
        return String.format("%019d.json", seq);
    }

    private void recordChange(ScopeId scope, StateKey key, long version, String json, Instant at, long deployment) {
        Path dir = historyDir(scope, key);
        if (Batch.CURRENT.get() == null) {
            createDirectories(dir);
        }
        long seq = StoredChange.seq(version, json == null);
        replace(scope, dir.resolve(changeFile(seq)),
                ChangeJson.toJson(key, version, json, at, deployment).getBytes(StandardCharsets.UTF_8));
    }

    private void deleteChangeFile(ScopeId scope, StateKey key, long seq) {
        remove(historyDir(scope, key).resolve(changeFile(seq)));
    }

    /** The seq of the key's current state: its live version's write, its tombstone's deletion, or 0. Locked. */
    private long currentSeq(ScopeId scope, StateKey key) {
        Optional<Found> live = locate(scope, key);
        if (live.isPresent()) {
            return StoredChange.seq(live.get().version(), false);
        }
        long tombstone = tombstone(scope, key);
        return tombstone == 0 ? 0 : StoredChange.seq(tombstone, true);
    }

    /** The changes kept in one key's folder that landed, oldest first. Locked. */
    private List<StoredChange> changesIn(ScopeId scope, Path dir, @org.jspecify.annotations.Nullable StateKey key) {
        TreeMap<Long, StoredChange> changes = new TreeMap<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path file : files) {
                StoredChange change = ChangeJson.fromJson(Files.readString(file), file.toString());
                if (key != null && !change.key().equals(key)) {
                    throw new CorruptStateException(file.toString(), "it holds a change of '" + change.key().describe()
                            + "', not of '" + key.describe() + "'", null);
                }
                changes.put(change.seq(), change);
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw unavailable("cannot read " + dir, e);
        }
        if (changes.isEmpty()) {
            return List.of();
        }
        long current = currentSeq(scope, changes.firstEntry().getValue().key());
        return List.copyOf(changes.headMap(current, true).values());
    }

    @Override
    public Optional<HistoryStore> history() {
        return Optional.of(history);
    }

    private final HistoryStore history = new HistoryStore() {
        @Override
        public List<StoredChange> changes(ScopeId scope, StateKey key) {
            return locked(scope, false, () -> changesIn(scope, historyDir(scope, key), key));
        }

        @Override
        public void forEachChange(ScopeId scope, java.util.function.Consumer<StoredChange> action) {
            List<Path> keys = directories(metaDir(scope).resolve(HISTORY_DIR));
            for (Path dir : keys) {
                // A key at a time, so a long read never holds writers off for the whole scope.
                locked(scope, false, () -> changesIn(scope, dir, null)).forEach(action);
            }
        }

        @Override
        public void remove(ScopeId scope, java.util.Collection<StoredChange> changes) {
            maintenance(scope, () -> {
                for (StoredChange change : changes) {
                    deleteChangeFile(scope, change.key(), change.seq());
                }
                return null;
            });
        }
    };

    // ---- control documents (deployments) ---------------------------------------------------------

    /** Under the scope's lock, as begin's claim of a version is: one atomic step with the write. */
    private void checkFence(ScopeId scope, WriteCondition condition) {
        if (condition.isFenced() && Files.exists(controlFile(scope, condition.fenceDocument()))) {
            throw new StateWriteFencedException(scope, condition.fence());
        }
    }

    private Path controlFile(ScopeId scope, String name) {
        return metaDir(scope).resolve(CONTROL_DIR).resolve(name + ".json");
    }

    private Optional<String> readControl(ScopeId scope, String name) {
        Path file = controlFile(scope, name);
        try {
            return Optional.of(new String(Files.readAllBytes(file), StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw unavailable("cannot read " + file, e);
        }
    }

    @Override
    public Optional<ControlStore> controlStore() {
        return Optional.of(control);
    }

    /** Files under the scope's metadata folder, compared by their text under the scope's lock. */
    private final ControlStore control = new ControlStore() {
        @Override
        public Optional<ControlDocument> read(ScopeId scope, String name) {
            return locked(scope, false, () -> readControl(scope, name).map(json -> new ControlDocument(json, null)));
        }

        @Override
        public boolean compareAndSet(ScopeId scope, String name, Optional<ControlDocument> expected, String json) {
            return locked(scope, true, () -> {
                if (!readControl(scope, name).equals(expected.map(ControlDocument::json))) {
                    return false;
                }
                Path file = controlFile(scope, name);
                createDirectories(file.getParent());
                replace(scope, file, json.getBytes(StandardCharsets.UTF_8));
                return true;
            });
        }

        @Override
        public boolean delete(ScopeId scope, String name, ControlDocument expected) {
            return locked(scope, true, () -> {
                if (!readControl(scope, name).equals(Optional.of(expected.json()))) {
                    return false;
                }
                Path file = controlFile(scope, name);
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    throw unavailable("cannot delete " + file, e);
                }
                return true;
            });
        }

        @Override
        public Optional<LockState> legacyLock(ScopeId scope) {
            Path file = metaDir(scope).resolve(DEPLOY_LOCK);
            return locked(scope, false, () -> {
                try {
                    return Optional.of(LockState.fromJson(new String(Files.readAllBytes(file), StandardCharsets.UTF_8)));
                } catch (NoSuchFileException e) {
                    return Optional.empty();
                } catch (IOException e) {
                    throw unavailable("cannot read " + file, e);
                } catch (IllegalArgumentException e) {
                    throw new CorruptStateException(file.toString(), e.getMessage(), e);
                }
            });
        }
    };

    // ---- files ----------------------------------------------------------------------------------

    /**
     * Runs {@code action} holding the scope's lock. A read of a scope whose metadata folder cannot be
     * created (a read-only checkout) runs unlocked: nothing of this store can be writing there.
     */
    private <T> T locked(ScopeId scope, boolean write, Supplier<T> action) {
        return locked(scope, write, action, () -> false);
    }

    /** As {@link #locked(ScopeId, boolean, Supplier)}; {@code done} is asked once the threads' lock is held. */
    private <T> @org.jspecify.annotations.Nullable T locked(ScopeId scope, boolean write, Supplier<T> action,
            java.util.function.BooleanSupplier done) {
        Path lockFile = metaDir(scope).resolve(SCOPE_LOCK);
        // Creating the folder and resolving the real path cost a quarter of a read (profiled): done once a scope.
        Path realLockFile = realLockFiles.get(lockFile);
        if (realLockFile == null) {
            try {
                Files.createDirectories(lockFile.getParent());
                try {
                    Files.createFile(lockFile);
                } catch (java.nio.file.FileAlreadyExistsException e) {
                    // The usual case.
                }
                realLockFile = lockFile.toRealPath();
            } catch (IOException e) {
                boolean readOnly = e instanceof AccessDeniedException
                        || (e instanceof FileSystemException f && "Read-only file system".equals(f.getReason()));
                if (readOnly && !write) {
                    return action.get();
                }
                throw unavailable("cannot create " + lockFile, e);
            }
            realLockFiles.put(lockFile, realLockFile);
        }
        // A JVM holds one FileLock per file (by any path to it), and closing any descriptor of the file
        // drops the process's lock: so threads queue here before the file is even opened.
        ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(realLockFile, p -> new ReentrantLock());
        jvmLock.lock();
        if (done.getAsBoolean()) {
            jvmLock.unlock();
            return null;
        }
        try (FileChannel channel = FileChannel.open(realLockFile, StandardOpenOption.WRITE);
                FileLock ignored = channel.lock()) {
            if (sweptScopes.add(scope)) {
                recover(scope);
                sweepTemporaryFiles(scope);
            }
            return action.get();
        } catch (java.nio.file.NoSuchFileException gone) {
            // The lock file was removed since it was made (a folder deleted by hand): make it again.
            realLockFiles.remove(lockFile);
        } catch (IOException e) {
            throw unavailable("cannot lock " + lockFile, e);
        } finally {
            jvmLock.unlock();
        }
        return locked(scope, write, action, done);
    }

    /** The scopes whose leftover temporary files this instance has removed. */
    private final Set<ScopeId> sweptScopes = ConcurrentHashMap.newKeySet();

    /**
     * Removes the temporary files a writer killed mid-write left in the scope's metadata folder. Called holding
     * the scope's lock: every writer of this store fills its temporary files holding that lock, so no temporary
     * file found meanwhile is still being filled. Once a scope per instance; a file that cannot be removed (a
     * read-only checkout) stays.
     */
    private void sweepTemporaryFiles(ScopeId scope) {
        Path dir = metaDir(scope);
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(dir, TEMPORARY_PREFIX + "*")) {
            for (Path leftover : leftovers) {
                try {
                    Files.deleteIfExists(leftover);
                    LOG.info("removed {}, left by a writer that stopped mid-write", leftover);
                } catch (IOException e) {
                    LOG.debug("cannot remove {}", leftover, e);
                }
            }
        } catch (IOException e) {
            LOG.debug("cannot look for temporary files in {}", dir, e);
        }
    }

    private void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw unavailable("cannot create " + dir, e);
        }
    }

    /** Atomically replaces {@code target} with {@code bytes}: temp file, force, rename, force the folder. */
    private void replace(ScopeId scope, Path target, byte[] bytes) {
        Batch batch = Batch.CURRENT.get();
        if (batch != null) {
            batch.put(target, bytes, target.startsWith(metaRoot));
            return;
        }
        Path tmpDir = metaDir(scope);
        Path tmp = tmpDir.resolve(TEMPORARY_PREFIX + UUID.randomUUID());
        try {
            createDirectories(tmpDir);
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                FileWriteAheadLog.writeFully(out, ByteBuffer.wrap(bytes));
                out.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            forceDirectory(target.getParent());
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw unavailable("cannot write " + target, e);
        }
    }

    private static void forceDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static StateStoreUnavailableException unavailable(String what, IOException e) {
        return new StateStoreUnavailableException(what + ": " + e, e);
    }

    // ---- the write-ahead log (see FileWriteAheadLog) and its group commit ---------------------------------

    /** The bytes of {@code file}, null if there is none: as the batch being planned leaves it, if it changes it. */
    private byte @org.jspecify.annotations.Nullable [] bytesOf(Path file) {
        Batch batch = Batch.CURRENT.get();
        if (batch != null && batch.holds(file)) {
            return batch.bytes(file);
        }
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw unavailable("cannot read " + file, e);
        }
    }

    private boolean exists(Path file) {
        Batch batch = Batch.CURRENT.get();
        if (batch != null && batch.holds(file)) {
            return batch.bytes(file) != null;
        }
        return Files.exists(file, java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    /** Removes {@code file} (with the batch, if one is being planned; not forced to disk otherwise). */
    private void remove(Path file) {
        Batch batch = Batch.CURRENT.get();
        if (batch != null) {
            batch.remove(file, file.startsWith(metaRoot));
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw unavailable("cannot remove " + file, e);
        }
    }

    /**
     * The file operations of the writes being committed together, in order, and the files as they leave them: the
     * writes of one batch read what the earlier ones wrote. Set for the thread planning them, unset otherwise.
     */
    private static final class Batch {
        static final ThreadLocal<Batch> CURRENT = new ThreadLocal<>();
        private static final byte[] REMOVED = new byte[0];

        final Instant at = Instant.now();
        final List<FileWriteAheadLog.Op> ops = new ArrayList<>();
        private final Map<Path, byte[]> files = new HashMap<>();

        boolean holds(Path file) {
            return files.containsKey(file);
        }

        byte @org.jspecify.annotations.Nullable [] bytes(Path file) {
            byte[] bytes = files.get(file);
            return bytes == REMOVED ? null : bytes;
        }

        void put(Path file, byte[] bytes, boolean ours) {
            ops.add(new FileWriteAheadLog.Op(file, bytes, ours));
            files.put(file, bytes);
        }

        void remove(Path file, boolean ours) {
            ops.add(new FileWriteAheadLog.Op(file, null, ours));
            files.put(file, REMOVED);
        }

        /** Forgets the operations from {@code mark} on: a write that failed leaves nothing. */
        void rollback(int mark) {
            ops.subList(mark, ops.size()).clear();
            files.clear();
            for (FileWriteAheadLog.Op op : ops) {
                files.put(op.target(), op.bytes() == null ? REMOVED : op.bytes());
            }
        }
    }

    /** A write waiting to be committed, and then its outcome. */
    private static final class Pending<T> {
        private final Supplier<T> action;
        private @org.jspecify.annotations.Nullable T result;
        private @org.jspecify.annotations.Nullable Throwable failure;
        private boolean done;

        Pending(Supplier<T> action) {
            this.action = action;
        }

        T outcome() {
            if (failure instanceof RuntimeException e) {
                throw e;
            }
            if (failure instanceof Error e) {
                throw e;
            }
            return result;
        }
    }

    /**
     * Runs a write of records under the scope's lock and makes it durable. Journaled, the writes of every thread
     * waiting for the lock meanwhile are planned one after the other (each reading what the earlier ones wrote), and
     * committed as one entry of the write-ahead log with one force: a group commit. A write that fails its condition leaves nothing.
     */
    private <T> T committed(ScopeId scope, Supplier<T> action) {
        if (!logged) {
            return locked(scope, true, action);
        }
        Pending<T> mine = new Pending<>(action);
        java.util.Queue<Pending<?>> queue = waiting.computeIfAbsent(scope, s -> new java.util.concurrent.ConcurrentLinkedQueue<>());
        queue.add(mine);
        locked(scope, true, () -> {
            commitWaiting(scope, queue);
            return null;
        }, () -> mine.done);
        if (!mine.done) {
            throw new IllegalStateException("a logged write was never committed");
        }
        return mine.outcome();
    }

    private void commitWaiting(ScopeId scope, java.util.Queue<Pending<?>> queue) {
        List<Pending<?>> members = new ArrayList<>();
        for (Pending<?> next; (next = queue.poll()) != null; ) {
            members.add(next);
        }
        Batch batch = new Batch();
        Batch.CURRENT.set(batch);
        try {
            for (Pending<?> member : members) {
                int mark = batch.ops.size();
                try {
                    plan(member);
                } catch (RuntimeException | Error e) {
                    batch.rollback(mark);
                    member.failure = e;
                }
            }
        } finally {
            Batch.CURRENT.remove();
        }
        try {
            if (!batch.ops.isEmpty()) {
                FileWriteAheadLog log = log(scope);
                log.commit(batch.ops, () -> metaDir(scope).resolve(TEMPORARY_PREFIX + UUID.randomUUID()));
                if (log.appended() > FileWriteAheadLog.CHECKPOINT_BYTES) {
                    log.checkpoint(stateDir, metaRoot);
                }
            }
        } catch (IOException | RuntimeException e) {
            RuntimeException failure = e instanceof IOException io ? unavailable("cannot write " + scope, io)
                    : (RuntimeException) e;
            members.stream().filter(m -> m.failure == null).forEach(m -> m.failure = failure);
        } finally {
            members.forEach(m -> m.done = true);
        }
    }

    private static <T> void plan(Pending<T> member) {
        member.result = member.action.get();
    }

    private FileWriteAheadLog log(ScopeId scope) {
        return logs.computeIfAbsent(scope, s -> new FileWriteAheadLog(root, metaDir(s).resolve(WRITE_AHEAD_LOG), bootId));
    }

    /**
     * A write that is not a record's (deleting a scope, removing a stray file or old changes): made the old way, each
     * file forced, after the write-ahead log's entries are on disk in place, so that no replay after a power cut undoes it.
     */
    private <T> T maintenance(ScopeId scope, Supplier<T> action) {
        return locked(scope, true, () -> {
            checkpoint(scope);
            return action.get();
        });
    }

    private void checkpoint(ScopeId scope) {
        if (bootId == null) {
            return;
        }
        try {
            log(scope).checkpoint(stateDir, metaRoot);
        } catch (IOException e) {
            throw unavailable("cannot force the logged writes of " + scope + " to disk", e);
        }
    }

    /** At a scope's first lock: replays its write-ahead log if the machine restarted since it was written. */
    private void recover(ScopeId scope) {
        if (bootId == null || !Files.exists(metaDir(scope).resolve(WRITE_AHEAD_LOG))) {
            return;
        }
        try {
            log(scope).recover(bootTime, () -> metaDir(scope).resolve(TEMPORARY_PREFIX + UUID.randomUUID()),
                    stateDir, metaRoot);
            if (!logged) {
                log(scope).checkpoint(stateDir, metaRoot);
            }
        } catch (IOException e) {
            throw unavailable("cannot replay the write-ahead log of " + scope, e);
        }
    }

    /** Puts every logged write on disk in place, so that the write-ahead logs are empty when no store is open. */
    @Override
    public void close() {
        for (ScopeId scope : List.copyOf(logs.keySet())) {
            try {
                locked(scope, true, () -> {
                    checkpoint(scope);
                    logs.remove(scope).close();
                    return null;
                });
            } catch (RuntimeException e) {
                LOG.warn("cannot checkpoint the write-ahead log of {}: its writes are on disk in the log", scope, e);
            }
        }
    }
}
