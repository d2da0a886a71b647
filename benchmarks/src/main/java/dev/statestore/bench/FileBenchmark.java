package dev.statestore.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The file store against plain file I/O doing what a careful hand-written store does: read a file; write
 * to a temporary file, force it, rename it over the target and force the folder (crash-safe, as the
 * store writes). The raw side checks nothing and locks nothing: that is the store's cost to measure.
 * Arguments: {@link BenchmarkRun}'s.
 */
public final class FileBenchmark {

    private FileBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path root = Files.createTempDirectory("statestore-bench-file-");
        Path raw = Files.createDirectories(root.resolve("raw"));
        BenchmarkRun.run("file", "file:" + root.resolve("store"), new RawClient() {
            @Override
            public String describe(String operation) {
                return switch (operation) {
                    case "get" -> "read the file";
                    case "delete" -> "delete the file, force the folder";
                    default -> "write a temp file, force, rename, force the folder";
                };
            }

            @Override
            public void get(String key) throws IOException {
                Files.readAllBytes(raw.resolve(key + ".json"));
            }

            @Override
            public void create(String key, String json) throws IOException {
                write(raw.resolve(key + ".json"), json);
            }

            @Override
            public void update(String key, String json) throws IOException {
                write(raw.resolve(key + ".json"), json);
            }

            @Override
            public void delete(String key) throws IOException {
                Files.delete(raw.resolve(key + ".json"));
                force(raw);
            }
        }, args);
        System.exit(0);
    }

    private static void write(Path target, String json) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            out.write(ByteBuffer.wrap(json.getBytes(StandardCharsets.UTF_8)));
            out.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        force(target.getParent());
    }

    private static void force(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }
}
