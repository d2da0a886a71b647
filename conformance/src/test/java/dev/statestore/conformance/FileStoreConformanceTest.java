package dev.statestore.conformance;

import dev.statestore.ScopeId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;

/** The suite on {@code file:DIR}, one folder per test. */
class FileStoreConformanceTest extends StateStoreConformance {

    @TempDir
    static Path root;

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private static final ConformanceFixture FIXTURE = new ConformanceFixture() {
        @Override
        public String newStoreUrl() {
            return "file:" + root.resolve("store-" + COUNTER.incrementAndGet());
        }

        // The suite corrupts only plain names ("Bad", "Wrong"), whose file is the name itself.
        private Path file(String storeUrl, ScopeId scope, String fqn) {
            return Path.of(storeUrl.substring("file:".length()))
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
    };

    @Override
    protected ConformanceFixture fixture() {
        return FIXTURE;
    }
}
