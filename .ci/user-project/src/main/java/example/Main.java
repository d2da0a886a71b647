package example;

import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.StateStoreUnavailableException;
import dev.statestore.StateStores;
import java.nio.file.Files;
import java.nio.file.Path;

/** What an application does with the library: a file store, and the PostgreSQL store found by its URL scheme. */
public final class Main {

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("statestore-user");
        try (StateStore store = StateStores.open("file:" + dir)) {
            StateScope scope = store.scope("app", "dev");
            scope.create(ResourceState.builder("Bucket", ResourceStatus.CREATED).resourceType("AWS.S3.Bucket").build());
            long version = scope.require("Bucket").version();
            if (version != 1) {
                throw new AssertionError("version " + version);
            }
        }
        // Nothing listens on port 1: the provider from the store's jar is found and fails as unavailable, which an
        // unknown scheme would not.
        try (StateStore postgres = StateStores.open("postgresql://127.0.0.1:1/state?connectTimeout=2")) {
            throw new AssertionError("opened " + postgres.describe());
        } catch (StateStoreUnavailableException expected) {
            System.out.println("postgresql provider: found (" + expected.getClass().getSimpleName() + ")");
        }
        System.out.println("user project: OK");
    }
}
