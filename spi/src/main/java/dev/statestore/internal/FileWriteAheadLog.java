package dev.statestore.internal;

import dev.statestore.CorruptStateException;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Internal: the file store's write-ahead log of one scope (a redo log), which makes a write durable with one {@code fdatasync}
 * instead of one per file and folder.
 *
 * <p>A commit is a batch of file operations (put these bytes at this path, remove this path): the bytes go to
 * temporary files first, then the whole batch is appended to the log as one entry and the log is forced
 * to disk; only then are the temporary files renamed into place, without forcing them. So a write is on disk
 * when the log is, and the files it changed are either as they were or as the batch left them while the
 * machine runs; a crash of the process changes nothing of that (the page cache holds the renames). After a
 * power cut the renamed files may have lost their contents or their names, so the first store to lock the scope
 * after the machine restarted ({@link #bootId() boot id} of the log not the current one) puts every file the
 * log names back as its last entry left it, unless something wrote that file (or removed it from its folder)
 * after the entry: Alchemy, a hand.
 *
 * <p>A {@link #checkpoint checkpoint} forces the file system (one {@code syncfs}, by {@code sync -f}; or each file
 * the log names, where that command is missing) and empties the log: after it, the files themselves are
 * on disk. Only where Linux tells a boot apart ({@code /proc/sys/kernel/random/boot_id}); elsewhere the store
 * forces every file it writes, as it did before it had this log.
 *
 * <p>Layout: {@code MAGIC}, the boot id (36 bytes), then entries: length, CRC-32C, payload (time of the batch in
 * microseconds, the operations: kind, path relative to the store's root, temporary file's name, bytes). An entry
 * whose length or checksum does not hold was cut by a power cut before its force: the writer was never told it
 * was written, and it is not replayed.
 */
final class FileWriteAheadLog {

    private static final Logger LOG = LoggerFactory.getLogger(FileWriteAheadLog.class);
    private static final int MAGIC = 0x53534a31; // "SSJ1"
    private static final int HEADER_BYTES = 4 + 36;
    private static final byte PUT = 1;
    private static final byte REMOVE = 2;
    /** A log longer than this is checkpointed by the commit that passed it. */
    static final long CHECKPOINT_BYTES = 16L << 20;

    /**
     * One change to a file: its bytes, or its removal ({@code bytes} null). {@code ours}: a file only this store
     * writes (a version file, a change of the history), which a replay puts back whatever its time, and which may be
     * written over in place when its length stays the same (one write of less than a page, which a killed process
     * makes whole or not at all; a power cut's torn page is put back by the replay).
     */
    record Op(Path target, byte @Nullable [] bytes, boolean ours) {}
    private static final byte OURS = 0x10;

    private final Path root;
    private final Path file;
    private final String bootId;
    private @Nullable FileChannel channel;
    private long appended;

    FileWriteAheadLog(Path root, Path file, String bootId) {
        this.root = root;
        this.file = file;
        this.bootId = bootId;
    }

    /** This machine's boot, where the system says it; empty where it does not (the log is then not used). */
    static Optional<String> bootId() {
        try {
            String id = Files.readString(Path.of("/proc/sys/kernel/random/boot_id"), StandardCharsets.US_ASCII).strip();
            return id.length() == 36 ? Optional.of(id) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    Path file() {
        return file;
    }

    /**
     * Writes the batch: temporary files, one log entry forced to disk, then the renames and removals in order.
     * Called holding the scope's lock. Nothing is renamed unless the entry is on disk.
     *
     * @param temporary a new temporary file's path, in the same file system as the targets
     */
    void commit(List<Op> ops, java.util.function.Supplier<Path> temporary) throws IOException {
        Path[] temps = new Path[ops.size()];
        boolean[] inPlace = new boolean[ops.size()];
        // Decided before anything is applied: only for a file no other operation of the batch changes.
        Map<Path, Integer> touches = new java.util.HashMap<>();
        ops.forEach(op -> touches.merge(op.target(), 1, Integer::sum));
        try {
            for (int i = 0; i < ops.size(); i++) {
                byte[] bytes = ops.get(i).bytes();
                inPlace[i] = bytes != null && ops.get(i).ours() && touches.get(ops.get(i).target()) == 1
                        && sizeOf(ops.get(i).target()) == bytes.length;
                if (bytes != null && !inPlace[i]) {
                    temps[i] = temporary.get();
                    try (FileChannel out = FileChannel.open(temps[i], StandardOpenOption.CREATE_NEW,
                            StandardOpenOption.WRITE)) {
                        writeFully(out, ByteBuffer.wrap(bytes));
                    }
                }
            }
            append(ops, Instant.now());
        } catch (IOException | RuntimeException e) {
            for (Path temp : temps) {
                if (temp != null) {
                    Files.deleteIfExists(temp);
                }
            }
            throw e;
        }
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            if (inPlace[i]) {
                try (FileChannel out = FileChannel.open(op.target(), StandardOpenOption.WRITE)) {
                    ByteBuffer buffer = ByteBuffer.wrap(op.bytes());
                    while (buffer.hasRemaining()) {
                        out.write(buffer, buffer.position());
                    }
                }
            } else if (temps[i] != null) {
                try {
                    Files.move(temps[i], op.target(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (NoSuchFileException folderMissing) {
                    // Its folder is new (a new stage, a record's first change), or was removed since: made only then.
                    Files.createDirectories(op.target().getParent());
                    Files.move(temps[i], op.target(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                }
            } else {
                Files.deleteIfExists(op.target());
            }
        }
    }

    /** What this store appended since its last checkpoint: past {@link #CHECKPOINT_BYTES}, it checkpoints. */
    long appended() {
        return appended;
    }

    private static long sizeOf(Path file) throws IOException {
        try {
            return Files.size(file);
        } catch (NoSuchFileException e) {
            return -1;
        }
    }

    private long sizeOnDisk() throws IOException {
        try {
            return Files.size(file);
        } catch (NoSuchFileException e) {
            return 0;
        }
    }

    private void append(List<Op> ops, Instant at) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(buffer);
        out.writeLong(TimeUnit.SECONDS.toMicros(at.getEpochSecond()) + at.getNano() / 1000);
        out.writeInt(ops.size());
        for (Op op : ops) {
            out.writeByte((op.bytes() == null ? REMOVE : PUT) | (op.ours() ? OURS : 0));
            out.writeUTF(root.relativize(op.target()).toString());
            if (op.bytes() != null) {
                out.writeInt(op.bytes().length);
                out.write(op.bytes());
            }
        }
        byte[] payload = buffer.toByteArray();
        CRC32C crc = new CRC32C();
        crc.update(payload);
        ByteBuffer entry = ByteBuffer.allocate(8 + payload.length);
        entry.putInt(payload.length).putInt((int) crc.getValue()).put(payload).flip();
        FileChannel log = open();
        long before = log.size();
        try {
            writeFully(log, entry);
            log.force(false);
        } catch (IOException e) {
            // Not acknowledged: its bytes go, or a later entry would follow a torn one (see cutTornTail).
            close();
            try (FileChannel undo = FileChannel.open(file, StandardOpenOption.WRITE)) {
                undo.truncate(before);
                undo.force(true);
            } catch (IOException undoFailed) {
                e.addSuppressed(undoFailed);
            }
            throw e;
        }
        appended += entry.limit();
    }

    /** The log, opened for appending; made (with its header, and its folder forced) if it does not exist. */
    private FileChannel open() throws IOException {
        if (channel != null && channel.isOpen()) {
            return channel;
        }
        boolean made = false;
        if (!Files.exists(file)) {
            Files.createDirectories(file.getParent());
            try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writeFully(out, header());
                out.force(true);
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // Made by another writer of this scope before it dropped the lock: fine.
            }
            made = true;
        }
        if (!made) {
            cutTornTail();
        }
        channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        if (made) {
            // The log's own name must survive a power cut, or the entries forced into it are lost with it.
            forceDirectory(file.getParent());
        }
        return channel;
    }

    /**
     * Cuts what follows the last whole entry (an append cut short: a writer killed in the middle of it, a full
     * disk), before this store appends: a replay stops at the first entry that does not hold, so nothing may be
     * appended after one. A log cut inside its header is begun again.
     */
    private void cutTornTail() throws IOException {
        try (FileChannel log = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long size = log.size();
            if (size < HEADER_BYTES) {
                log.truncate(0);
                writeFully(log, header());
                log.force(true);
                return;
            }
            long end = scan(false).end();
            if (end < size) {
                LOG.warn("{}: cutting {} byte(s) after its last whole entry (a write that stopped in the middle)", file,
                        size - end);
                log.truncate(end);
                log.force(true);
            }
        }
    }

    private ByteBuffer header() {
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        header.putInt(MAGIC).put(bootId.getBytes(StandardCharsets.US_ASCII)).flip();
        return header;
    }

    /**
     * Forces every file the log names to disk, then empties it. Called holding the scope's lock, so no entry
     * is added meanwhile. {@code sync -f} forces each named folder's whole file system at once; where it is missing
     * or fails, each file and folder the log names is forced instead.
     */
    void checkpoint(Path... fileSystems) throws IOException {
        if (sizeOnDisk() <= HEADER_BYTES) {
            return;
        }
        if (!syncFileSystems(fileSystems)) {
            Set<Path> forced = new LinkedHashSet<>();
            for (Entry entry : entries()) {
                for (Op op : entry.ops()) {
                    if (op.bytes() != null && forced.add(op.target())) {
                        forceFile(op.target());
                    }
                    if (forced.add(op.target().getParent())) {
                        forceDirectory(op.target().getParent());
                    }
                }
            }
        }
        FileChannel log = open();
        log.truncate(HEADER_BYTES);
        log.force(true);
        appended = 0;
    }

    private static boolean syncFileSystems(Path... dirs) {
        List<String> command = new ArrayList<>(List.of("sync", "-f"));
        for (Path dir : dirs) {
            if (Files.isDirectory(dir)) {
                command.add(dir.toString());
            }
        }
        try {
            Process sync = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!sync.waitFor(5, TimeUnit.MINUTES)) {
                sync.destroyForcibly();
                return false;
            }
            return sync.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * After a restart of the machine: puts back every file the log names as its last entry for that file left
     * it, unless the file was written after that entry (its modification time is later) or, for a file that is
     * gone, its folder changed since the machine started; then checkpoints. Nothing to do if the log was
     * written in this boot (a crash of a process loses nothing the page cache holds). Called holding the lock.
     *
     * @return the files put back or removed
     */
    int recover(Instant bootTime, java.util.function.Supplier<Path> temporary, Path... fileSystems) throws IOException {
        Optional<String> writtenIn = journalBoot();
        if (writtenIn.isEmpty() || writtenIn.get().equals(bootId)) {
            return 0;
        }
        Map<Path, Op> last = new LinkedHashMap<>();
        Map<Path, Instant> when = new LinkedHashMap<>();
        for (Entry entry : entries()) {
            for (Op op : entry.ops()) {
                last.remove(op.target());
                last.put(op.target(), op);
                when.put(op.target(), entry.at());
            }
        }
        // Decided first, applied after: putting one file back changes its folder's time, which decides another.
        List<Op> putBack = new ArrayList<>();
        for (Op op : last.values()) {
            Instant at = when.get(op.target());
            Optional<FileTime> modified = modified(op.target());
            if (!op.ours() && modified.isPresent() && modified.get().toInstant().isAfter(at)) {
                continue; // written since, by someone else
            }
            if (op.bytes() == null) {
                if (modified.isPresent()) {
                    putBack.add(op);
                }
                continue;
            }
            if (modified.isPresent() && Arrays.equals(Files.readAllBytes(op.target()), op.bytes())) {
                continue;
            }
            if (!op.ours() && modified.isEmpty() && modified(op.target().getParent())
                    .map(t -> t.toInstant().isAfter(bootTime)).orElse(false)) {
                continue; // its folder changed since the restart: removed by someone else, as far as can be told
            }
            putBack.add(op);
        }
        for (Op op : putBack) {
            if (op.bytes() == null) {
                Files.deleteIfExists(op.target());
                continue;
            }
            Files.createDirectories(op.target().getParent());
            Path temp = temporary.get();
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writeFully(out, ByteBuffer.wrap(op.bytes()));
            }
            Files.move(temp, op.target(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        int restored = putBack.size();
        if (restored > 0) {
            LOG.warn("{}: the machine restarted with writes not yet on disk; put back {} file(s) from the log",
                    file, restored);
        }
        checkpoint(fileSystems);
        // Made again, naming this boot, by the next commit.
        close();
        Files.delete(file);
        forceDirectory(file.getParent());
        return restored;
    }

    private static Optional<FileTime> modified(Path path) throws IOException {
        try {
            return Optional.of(Files.getLastModifiedTime(path, java.nio.file.LinkOption.NOFOLLOW_LINKS));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    private Optional<String> journalBoot() throws IOException {
        byte[] header = new byte[HEADER_BYTES];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(header, 0, HEADER_BYTES) < HEADER_BYTES) {
                return Optional.empty(); // cut while it was made: no entry was ever forced into it
            }
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        if (ByteBuffer.wrap(header).getInt() != MAGIC) {
            throw new CorruptStateException(file.toString(), "not a write-ahead log of this store", null);
        }
        return Optional.of(new String(header, 4, 36, StandardCharsets.US_ASCII));
    }

    /** One batch as it was forced into the log. */
    record Entry(Instant at, List<Op> ops) {}

    /** The whole entries of the log, oldest first; reading stops at the first one cut short. */
    List<Entry> entries() throws IOException {
        return scan(true).entries();
    }

    /** The whole entries (if {@code parse}) and where the last of them ends. */
    private record Scan(List<Entry> entries, long end) {}

    private Scan scan(boolean parse) throws IOException {
        List<Entry> entries = new ArrayList<>();
        long end = HEADER_BYTES;
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
                DataInputStream data = new DataInputStream(new java.io.BufferedInputStream(Channels.newInputStream(
                        in.position(HEADER_BYTES)), 1 << 16))) {
            while (true) {
                int length;
                int crc;
                byte[] payload;
                try {
                    length = data.readInt();
                    crc = data.readInt();
                    if (length < 12 || length > (1 << 30)) {
                        break;
                    }
                    payload = data.readNBytes(length);
                } catch (EOFException e) {
                    break;
                }
                CRC32C check = new CRC32C();
                check.update(payload);
                if (payload.length < length || (int) check.getValue() != crc) {
                    break;
                }
                if (parse) {
                    entries.add(parse(payload));
                }
                end += 8 + length;
            }
        } catch (NoSuchFileException e) {
            return new Scan(List.of(), 0);
        }
        return new Scan(entries, end);
    }

    private Entry parse(byte[] payload) throws IOException {
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(payload));
        long micros = in.readLong();
        int count = in.readInt();
        List<Op> ops = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte kind = in.readByte();
            Path target = root.resolve(in.readUTF());
            byte[] bytes = null;
            if ((kind & ~OURS) == PUT) {
                bytes = in.readNBytes(in.readInt());
            }
            ops.add(new Op(target, bytes, (kind & OURS) != 0));
        }
        return new Entry(Instant.EPOCH.plus(micros, java.time.temporal.ChronoUnit.MICROS), ops);
    }

    void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                LOG.debug("cannot close {}", file, e);
            }
            channel = null;
        }
    }

    /** When this machine started: files changed after it were changed after any power cut the log outlived. */
    static Instant bootTime() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/stat"), StandardCharsets.US_ASCII)) {
                if (line.startsWith("btime ")) {
                    return Instant.ofEpochSecond(Long.parseLong(line.substring(6).strip()));
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot read the boot time", e);
        }
        return Instant.EPOCH;
    }

    static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }

    private static void forceFile(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (NoSuchFileException e) {
            // Removed by a later entry or by someone else: nothing to force.
        }
    }

    static void forceDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (NoSuchFileException e) {
            // Removed since (an emptied stage): nothing to force.
        }
    }
}
