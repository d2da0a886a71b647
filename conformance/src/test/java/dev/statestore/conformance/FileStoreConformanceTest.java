package dev.statestore.conformance;

import dev.statestore.ScopeId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.io.TempDir;

/** The suite on {@code file:DIR}, one folder per test. */
class FileStoreConformanceTest extends StateStoreConformance {

    @TempDir
    static Path root;

    private static final ConformanceFixture FIXTURE = new FileFixture(() -> root);

    @Override
    protected ConformanceFixture fixture() {
        return FIXTURE;
    }

    /** A new folder per store URL under a root folder; raw access to a record's file. */
    static final class FileFixture implements ConformanceFixture {
        private final Supplier<Path> root;
        private final String options;
        private final AtomicInteger counter = new AtomicInteger();

        FileFixture(Supplier<Path> root) {
            this(root, "");
        }

        /** With URL options ({@code ?wal=off}). */
        FileFixture(Supplier<Path> root, String options) {
            this.root = root;
            this.options = options;
        }

        @Override
        public String newStoreUrl() {
            return "file:" + root.get().resolve("store-" + counter.incrementAndGet()) + options;
        }

        /** A folder under a file, which no write can make; the file store's URLs carry no secret. */
        @Override
        public Optional<String> unreachableStoreUrl(String secret) {
            return Optional.of("file:/dev/null/statestore");
        }

        // The suite corrupts only plain names ("Bad", "Wrong"), whose file is the name itself.
        private Path file(String storeUrl, ScopeId scope, String fqn) {
            String dir = storeUrl.substring("file:".length());
            int options = dir.indexOf('?');
            return Path.of(options < 0 ? dir : dir.substring(0, options))
                    .resolve("state").resolve(scope.stack()).resolve(scope.stage()).resolve(fqn + ".json");
        }

        @Override
        public Optional<byte[]> rawRecord(String storeUrl, ScopeId scope, String fqn) {
            try {
                return Optional.of(Files.readAllBytes(file(storeUrl, scope, fqn)));
            } catch (NoSuchFileException e) {
                return Optional.empty();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void writeRawRecord(String storeUrl, ScopeId scope, String fqn, byte[] bytes) {
            try {
                Files.write(file(storeUrl, scope, fqn), bytes);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
