package dev.statestore.conformance;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The suite on {@code file:DIR} with encryption on, unchanged. */
class EncryptedFileConformanceTest extends StateStoreConformance {

    @TempDir
    static Path root;

    private static final ConformanceFixture FIXTURE = new EncryptedFixture(new FileStoreConformanceTest.FileFixture(() -> root));

    @Override
    protected ConformanceFixture fixture() {
        return FIXTURE;
    }
}
