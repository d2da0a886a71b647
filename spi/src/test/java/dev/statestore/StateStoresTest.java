package dev.statestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.statestore.spi.StateStoreProvider;
import dev.statestore.spi.StoreBackend;
import dev.statestore.spi.StoreUrl;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoresTest {

    @Test
    void theBuiltInSchemesAreFound() {
        assertThat(StateStores.availableSchemes()).containsExactly("file", "memory");
    }

    @Test
    void anUnknownSchemeNamesTheModuleToAdd() {
        assertThatThrownBy(() -> StateStores.open("dynamodb://table?region=eu-west-1"))
                .isInstanceOf(UnknownSchemeException.class)
                .hasMessageContaining("statestore-store-dynamodb").hasMessageContaining("file, memory");
        assertThatThrownBy(() -> StateStores.open("jdbc:postgresql://h/db"))
                .isInstanceOf(UnknownSchemeException.class).hasMessageContaining("statestore-store-postgres");
        assertThatThrownBy(() -> StateStores.open("rediss-cluster://h1:6379,h2:6379"))
                .isInstanceOf(UnknownSchemeException.class).hasMessageContaining("statestore-store-redis");
        assertThatThrownBy(() -> StateStores.open("ftp://h/x"))
                .isInstanceOf(UnknownSchemeException.class).hasMessageContaining("no module of this project");
    }

    /** Claims memory:, like a second jar would. */
    public static final class RivalMemoryProvider implements StateStoreProvider {
        @Override
        public Set<String> schemes() {
            return Set.of("memory");
        }

        @Override
        public StoreBackend open(StoreUrl url) {
            throw new AssertionError("never chosen");
        }
    }

    @Test
    void twoProvidersOfOneSchemeFailLoudly(@TempDir Path dir) throws Exception {
        Path services = dir.resolve("META-INF/services/" + StateStoreProvider.class.getName());
        Files.createDirectories(services.getParent());
        Files.writeString(services, RivalMemoryProvider.class.getName() + "\n");
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, previous)) {
            Thread.currentThread().setContextClassLoader(loader);
            assertThatThrownBy(() -> StateStores.open("memory:")).isInstanceOf(StateStoreMisconfiguredException.class)
                    .hasMessageContaining("two state store providers claim the scheme 'memory'")
                    .hasMessageContaining(RivalMemoryProvider.class.getName());
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
    }

    @Test
    void fileAndMemoryUrlsAreChecked() {
        assertThatThrownBy(() -> StateStores.open("file:")).isInstanceOf(InvalidStoreUrlException.class);
        assertThatThrownBy(() -> StateStores.open("file://remote-host/x")).isInstanceOf(InvalidStoreUrlException.class);
        assertThatThrownBy(() -> StateStores.open("file:.alchemy?fsync=no")).isInstanceOf(InvalidStoreUrlException.class)
                .hasMessageContaining("fsync");
        assertThatThrownBy(() -> StateStores.open("memory://x")).isInstanceOf(InvalidStoreUrlException.class);
    }

    @Test
    void namedMemoryStoresAreSharedPrivateOnesAreNot() {
        try (StateStore a = StateStores.open("memory:shared-test"); StateStore b = StateStores.open("memory:shared-test");
                StateStore c = StateStores.open("memory:")) {
            a.scope("s", "t").create(ResourceState.builder("x", ResourceStatus.CREATED).build());
            assertThat(b.scope("s", "t").get("x")).isPresent();
            assertThat(c.stacks()).isEmpty();
        } finally {
            assertThat(MemoryStores.drop("shared-test")).isTrue();
        }
        try (StateStore again = StateStores.open("memory:shared-test")) {
            assertThat(again.stacks()).isEmpty();
        }
        MemoryStores.drop("shared-test");
    }

    @Test
    void seededMemoryStore() {
        ResourceState bucket = ResourceState.builder("Bucket", ResourceStatus.CREATED).resourceType("R2").build();
        ResourceState queue = ResourceState.builder("Queue", ResourceStatus.CREATING).build();
        try (StateStore store = MemoryStores.seeded(Map.of(new ScopeId("app", "test"), List.of(bucket, queue)))) {
            assertThat(store.scope("app", "test").require("Bucket").value()).isEqualTo(bucket);
            assertThat(store.scope("app", "test").listPending()).hasSize(1);
        }
        assertThatThrownBy(() -> MemoryStores.seeded(Map.of(new ScopeId("app", "test"), List.of(bucket, bucket))))
                .isInstanceOf(InvalidStateException.class).hasMessageContaining("Bucket");
    }
}
