package dev.statestore.conformance;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/**
 * The suite on {@code file:DIR} with encryption on, unchanged; and with the write-ahead log off, so that both ways the file
 * store makes a write durable (the write-ahead log, and forcing each file) pass the suite without a third run.
 */
class EncryptedFileConformanceTest extends StateStoreConformance {

    @TempDir
    static Path root;

    private static final ConformanceFixture FIXTURE = new EncryptedFixture(new FileStoreConformanceTest.FileFixture(() -> root, "?wal=off"));

    @Override
    protected ConformanceFixture fixture() {
        return FIXTURE;
    }
}
