package dev.statestore.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.CorruptStateException;
import dev.statestore.InvalidStateException;
import dev.statestore.LockInfo;
import dev.statestore.LockLease;
import dev.statestore.Page;
import dev.statestore.ScopeId;
import dev.statestore.StateConflictException;
import dev.statestore.StateNames;
import dev.statestore.StateStoreUnavailableException;
import dev.statestore.spi.DocumentToWrite;
import dev.statestore.spi.LockState;
import dev.statestore.spi.StateJson;
import dev.statestore.spi.StateKey;
import dev.statestore.spi.StoreBackend;
import dev.statestore.spi.StoredDocument;
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
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
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
 * ROOT/state/STACK/STAGE/NAME.json               the document, as Alchemy writes it (see FileNames)
 * ROOT/state/STACK/STAGE/__stack_output__.json   the stack output
 * ROOT/.statestore/STACK/STAGE/NAME.meta         {fqn, version, updatedAt, sha256} of NAME.json
 * ROOT/.statestore/STACK/STAGE/__scope__.lock    the file locked around every operation on the scope
 * ROOT/.statestore/STACK/STAGE/__deploy_lock__.json  the deploy lock
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
    private static final String DEPLOY_LOCK = "__deploy_lock__.json";
    private static final Logger LOG = LoggerFactory.getLogger(FileBackend.class);
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();
    /** Lock file to its real path, for the lock files this store has made or found. */
    private final Map<Path, Path> realLockFiles = new ConcurrentHashMap<>();

    private final Path root;
    private final Path stateDir;
    private final Path metaRoot;
    private final String url;
    private final Clock clock = Clock.systemUTC();

    FileBackend(Path root, String url) {
        this.root = root;
        this.stateDir = root.resolve("state");
        this.metaRoot = root.resolve(META_DIR);
        this.url = url;
    }

    @Override
    public String describe() {
        return url + " (" + root + ")";
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
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(stageDir, "*" + FileNames.EXTENSION)) {
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
    private record Found(String base, byte[] bytes, long version, Instant updatedAt) {}

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

    private StoredDocument stored(ScopeId scope, StateKey key, Found f) {
        return new StoredDocument(key, new String(f.bytes, StandardCharsets.UTF_8), f.version, f.updatedAt,
                docDir(scope).resolve(f.base + FileNames.EXTENSION).toString());
    }

    /** The names a key's file may have, in the order they are searched. */
    private static List<String> candidates(StateKey key) {
        if (!(key instanceof StateKey.Record r)) {
            return List.of(FileNames.OUTPUT_BASE);
        }
        Set<String> names = new LinkedHashSet<>();
        names.add(FileNames.primaryBase(r.fqn()));
        FileNames.alchemyBase(r.fqn()).ifPresent(names::add);
        names.add(FileNames.hashedBase(r.fqn()));
        return List.copyOf(names);
    }

    /** The file that holds the key, if any. Call with the scope locked. */
    private Optional<Found> locate(ScopeId scope, StateKey key) {
        for (String base : candidates(key)) {
            Optional<Found> found = readHolding(scope, key, base);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    /** The file {@code base}, if it exists and holds {@code key}. */
    private Optional<Found> readHolding(ScopeId scope, StateKey key, String base) {
        Path file = docDir(scope).resolve(base + FileNames.EXTENSION);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw unavailable("cannot read " + file, e);
        }
        if (key instanceof StateKey.Record r) {
            String held = heldFqn(file, bytes);
            if (!r.fqn().equals(held)) {
                return Optional.empty();
            }
        }
        Meta meta = readMeta(scope, base);
        String sha = FileNames.sha256Hex(bytes);
        if (meta == null) {
            return Optional.of(new Found(base, bytes, 1, modified(file)));
        }
        if (meta.sha256.equals(sha)) {
            return Optional.of(new Found(base, bytes, meta.version, meta.updatedAt));
        }
        LOG.debug("{} was changed by another writer since version {}", file, meta.version);
        return Optional.of(new Found(base, bytes, meta.version + 1, modified(file)));
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
        return fqn.textValue();
    }

    private Instant modified(Path file) {
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
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw unavailable("cannot read " + file, e);
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

    /** The last version of a deleted document of {@code key}, 0 if none. */
    private long tombstone(ScopeId scope, StateKey key) {
        long last = 0;
        for (String base : candidates(key)) {
            Meta meta = readMeta(scope, base);
            String fqn = key instanceof StateKey.Record r ? r.fqn() : null;
            if (meta != null && java.util.Objects.equals(meta.fqn, fqn)) {
                last = Math.max(last, meta.version);
            }
        }
        return last;
    }

    @Override
    public StoredDocument write(ScopeId scope, WriteCondition condition, DocumentToWrite document) {
        StateKey key = document.key();
        return locked(scope, true, () -> {
            Optional<Found> current = locate(scope, key);
            check(scope, key, condition, current);
            long version = current.map(Found::version).orElseGet(() -> tombstone(scope, key)) + 1;
            String base = current.map(Found::base).orElseGet(() -> freeName(scope, key));
            byte[] bytes = document.prettyJson().getBytes(StandardCharsets.UTF_8);
            Instant now = clock.instant();
            Path docDir = docDir(scope);
            createDirectories(docDir);
            replace(scope, docDir.resolve(base + FileNames.EXTENSION), bytes);
            ObjectNode meta = StateJson.nodes().objectNode();
            if (key instanceof StateKey.Record r) {
                meta.put("fqn", r.fqn());
            } else {
                meta.putNull("fqn");
            }
            meta.put("version", version);
            meta.put("updatedAt", now.toString());
            meta.put("sha256", FileNames.sha256Hex(bytes));
            replace(scope, metaDir(scope).resolve(base + META_EXTENSION),
                    StateJson.compact(meta).getBytes(StandardCharsets.UTF_8));
            return new StoredDocument(key, document.json(), version, now, docDir.resolve(base + FileNames.EXTENSION).toString());
        });
    }

    /** Where a new document of {@code key} goes: its own name, unless another fqn's file has that name. */
    private String freeName(ScopeId scope, StateKey key) {
        if (!(key instanceof StateKey.Record r)) {
            return FileNames.OUTPUT_BASE;
        }
        String primary = FileNames.primaryBase(r.fqn());
        if (!Files.exists(docDir(scope).resolve(primary + FileNames.EXTENSION))) {
            return primary;
        }
        String hashed = FileNames.hashedBase(r.fqn());
        if (Files.exists(docDir(scope).resolve(hashed + FileNames.EXTENSION))) {
            throw new InvalidStateException("cannot store '" + r.fqn() + "' in " + scope
                    + ": both of its file names belong to other records");
        }
        return hashed;
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
        return locked(scope, true, () -> {
            Optional<Found> current = locate(scope, key);
            check(scope, key, condition, current);
            if (current.isEmpty()) {
                return false;
            }
            deleteDocument(scope, key, current.get(), true);
            return true;
        });
    }

    /**
     * Removes the document, leaving a meta file with its version as the tombstone; with {@code sync}, its folder is
     * forced to disk now (a scope's deletion forces it once, at the end).
     */
    private void deleteDocument(ScopeId scope, StateKey key, Found found, boolean sync) {
        Path meta = metaDir(scope).resolve(found.base + META_EXTENSION);
        Meta known = readMeta(scope, found.base);
        if (known == null || known.version != found.version) {
            // The document was written by someone else: record its version before it goes.
            ObjectNode node = StateJson.nodes().objectNode();
            if (key instanceof StateKey.Record r) {
                node.put("fqn", r.fqn());
            } else {
                node.putNull("fqn");
            }
            node.put("version", found.version);
            node.put("updatedAt", found.updatedAt.toString());
            node.put("sha256", FileNames.sha256Hex(found.bytes));
            replace(scope, meta, StateJson.compact(node).getBytes(StandardCharsets.UTF_8));
        }
        Path doc = docDir(scope).resolve(found.base + FileNames.EXTENSION);
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
            TreeMap<String, String> files = recordFiles(scope);
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
                if (statuses.contains(statusOf(doc))) {
                    result.add(doc);
                }
            }
            return result;
        });
    }

    private static String statusOf(StoredDocument doc) {
        try {
            JsonNode status = StateJson.parse(doc.json()).get("status");
            return status == null ? null : status.asText();
        } catch (IOException e) {
            throw new CorruptStateException(doc.location(), "not valid JSON: " + StateJson.problem(e), e);
        }
    }

    /** What a listing learnt of a file, valid while the file is the same (same inode, size and time). */
    private record KnownFile(Object fileKey, long size, long modifiedNanos, String fqn) {}

    /** Per scope: file name to what was learnt of it by the last listing. */
    private final Map<ScopeId, Map<String, KnownFile>> knownFiles = new ConcurrentHashMap<>();

    /**
     * fqn to file name of every record of the scope, each fqn read from the file itself: a name alone
     * cannot be trusted, since Alchemy's names are ambiguous ({@code A__B} is {@code A/B} or
     * {@code A__B}) and a case-insensitive file system folds names. What a file holds is remembered
     * while the file stays the same, so paging through a scope reads each file's fqn once. A file
     * that names no fqn makes the listing fail, never drops out of it.
     */
    private TreeMap<String, String> recordFiles(ScopeId scope) {
        TreeMap<String, String> result = new TreeMap<>(StateNames.ORDER);
        Map<String, KnownFile> before = knownFiles.getOrDefault(scope, Map.of());
        Map<String, KnownFile> now = new HashMap<>();
        Path dir = docDir(scope);
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, "*" + FileNames.EXTENSION)) {
            for (Path file : entries) {
                String name = file.getFileName().toString();
                String base = name.substring(0, name.length() - FileNames.EXTENSION.length());
                if (base.equals(FileNames.OUTPUT_BASE)) {
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
                KnownFile known = before.get(base);
                long modified = attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS);
                if (known == null || !java.util.Objects.equals(known.fileKey, attributes.fileKey())
                        || known.size != attributes.size() || known.modifiedNanos != modified) {
                    known = new KnownFile(attributes.fileKey(), attributes.size(), modified, heldFqn(file, readAll(file)));
                }
                now.put(base, known);
                String other = result.putIfAbsent(known.fqn, base);
                if (other != null) {
                    // Two files claim one fqn (written by hand or by another tool): take the one a read finds.
                    StateKey key = StateKey.record(known.fqn);
                    String chosen = locate(scope, key).map(Found::base).orElse(other);
                    result.put(known.fqn, chosen);
                    LOG.warn("{} and {} in {} both hold the record '{}'; using {}", other + FileNames.EXTENSION,
                            name, dir, known.fqn, chosen + FileNames.EXTENSION);
                }
            }
        } catch (NoSuchFileException e) {
            knownFiles.remove(scope);
            return result;
        } catch (IOException e) {
            throw unavailable("cannot list " + dir, e);
        }
        knownFiles.put(scope, now);
        return result;
    }

    private byte[] readAll(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw unavailable("cannot read " + file, e);
        }
    }

    @Override
    public void deleteScope(ScopeId scope) {
        locked(scope, true, () -> {
            for (var e : recordFiles(scope).entrySet()) {
                StateKey key = StateKey.record(e.getKey());
                readHolding(scope, key, e.getValue()).ifPresent(f -> deleteDocument(scope, key, f, false));
            }
            locate(scope, StateKey.output()).ifPresent(f -> deleteDocument(scope, StateKey.output(), f, false));
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
            } catch (IOException e) {
                // Not empty (a file of another tool) or already gone: the records are deleted either way.
            }
            return null;
        });
    }

    // ---- deploy lock ----------------------------------------------------------------------------

    private LockState readLock(ScopeId scope) {
        Path file = metaDir(scope).resolve(DEPLOY_LOCK);
        try {
            return LockState.fromJson(new String(Files.readAllBytes(file), StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw unavailable("cannot read " + file, e);
        } catch (IllegalArgumentException e) {
            throw new CorruptStateException(file.toString(), e.getMessage(), e);
        }
    }

    private void writeLock(ScopeId scope, LockState state) {
        replace(scope, metaDir(scope).resolve(DEPLOY_LOCK), state.toJson().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public LockLease acquireLock(ScopeId scope, String lockId, String owner, Duration ttl) {
        return locked(scope, true, () -> {
            LockState next = LockState.acquire(scope, readLock(scope), lockId, owner, ttl, clock.instant());
            writeLock(scope, next);
            return next.lease(scope);
        });
    }

    @Override
    public LockLease renewLock(ScopeId scope, String lockId, Duration ttl) {
        return locked(scope, true, () -> {
            LockState next = LockState.renew(scope, readLock(scope), lockId, ttl, clock.instant());
            writeLock(scope, next);
            return next.lease(scope);
        });
    }

    @Override
    public void releaseLock(ScopeId scope, String lockId) {
        locked(scope, true, () -> {
            writeLock(scope, LockState.release(scope, readLock(scope), lockId, clock.instant()));
            return null;
        });
    }

    @Override
    public Optional<LockInfo> lockInfo(ScopeId scope) {
        return locked(scope, false, () -> LockState.heldInfo(readLock(scope), clock.instant()));
    }

    @Override
    public boolean forceReleaseLock(ScopeId scope) {
        return locked(scope, true, () -> {
            LockState current = readLock(scope);
            Instant now = clock.instant();
            if (current == null || !current.isHeldAt(now)) {
                return false;
            }
            writeLock(scope, current.freed(now));
            return true;
        });
    }

    // ---- files ----------------------------------------------------------------------------------

    /**
     * Runs {@code action} holding the scope's lock. A read of a scope whose metadata folder cannot be
     * created (a read-only checkout) runs unlocked: nothing of this store can be writing there.
     */
    private <T> T locked(ScopeId scope, boolean write, Supplier<T> action) {
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
        try (FileChannel channel = FileChannel.open(realLockFile, StandardOpenOption.WRITE);
                FileLock ignored = channel.lock()) {
            return action.get();
        } catch (java.nio.file.NoSuchFileException gone) {
            // The lock file was removed since it was made (a folder deleted by hand): make it again.
            realLockFiles.remove(lockFile);
        } catch (IOException e) {
            throw unavailable("cannot lock " + lockFile, e);
        } finally {
            jvmLock.unlock();
        }
        return locked(scope, write, action);
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
        Path tmpDir = metaDir(scope);
        Path tmp = tmpDir.resolve("__tmp__" + UUID.randomUUID());
        try {
            createDirectories(tmpDir);
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
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

    @Override
    public void close() {}
}
