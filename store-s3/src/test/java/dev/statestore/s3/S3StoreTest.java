package dev.statestore.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.statestore.InvalidStoreUrlException;
import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.ScopeId;
import dev.statestore.StateStore;
import dev.statestore.StateStoreException;
import dev.statestore.StateStoreUnavailableException;
import dev.statestore.StateStores;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What only the S3 store does: its keys, its probe, its URL. */
class S3StoreTest {

    private static final S3Fixture FIXTURE = new S3Fixture();

    @Test
    void keysAreTheNamesThemselvesAndTombstonesAreEmptyObjects() {
        String url = FIXTURE.newStoreUrl();
        String prefix = S3Options.from(dev.statestore.spi.StoreUrl.parse(url)).prefix();
        try (StateStore store = StateStores.open(url)) {
            store.scope("app", "prod").create(ResourceState.builder("Api/Bucket ü", ResourceStatus.CREATED).build());
            store.scope("app", "prod").delete("Api/Bucket ü");
            var head = FIXTURE.raw().headObject(b -> b.bucket(S3Fixture.bucket(url))
                    .key(prefix + "/app/prod/r/Api/Bucket ü"));
            assertThat(head.contentLength()).as("a tombstone").isLessThanOrEqualTo(S3Bodies.TOMBSTONE_MAX_BYTES);
            assertThat(head.metadata()).containsEntry("statestore-version", "1");
            assertThat(store.scope("app", "prod").create(ResourceState.builder("Api/Bucket ü", ResourceStatus.CREATED).build())
                    .version()).isEqualTo(2);
        }
        assertThat(new S3Keys("p").record(new ScopeId("s", "t"), "x".repeat(1020))).startsWith("p/s/t/h/").hasSize(8 + 64);
    }

    @Test
    void aServerThatIgnoresConditionalWritesIsRefused() throws Exception {
        // A fake S3 that accepts every put, whatever its If-None-Match says: what the probe is for.
        HttpServer fake = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        fake.createContext("/", exchange -> {
            exchange.getResponseHeaders().add("ETag", "\"0123456789abcdef0123456789abcdef\"");
            exchange.sendResponseHeaders(exchange.getRequestMethod().equals("DELETE") ? 204 : 200, -1);
            exchange.close();
        });
        fake.start();
        try {
            String url = "s3://bucket/x?endpoint=http://127.0.0.1:" + fake.getAddress().getPort()
                    + "&pathStyle=true&accessKeyId=a&secretAccessKey=b";
            assertThatThrownBy(() -> StateStores.open(url)).isInstanceOf(StateStoreException.class)
                    .hasMessageContaining("ignores conditional writes").hasMessageContaining("probe=false");
            StateStores.open(url + "&probe=false").close();
        } finally {
            fake.stop(0);
        }
    }

    @Test
    void badOptionsAreNamedTogetherAndSecretsNever() {
        assertThatThrownBy(() -> StateStores.open("s3://Bad_Bucket/p?endpoint=ftp://x&pathStyle=maybe"
                + "&accessKeyId=AKIA&timeout=0&bogus=1"))
                .isInstanceOf(InvalidStoreUrlException.class)
                .hasMessageContaining("'bucket'").hasMessageContaining("'endpoint'").hasMessageContaining("'pathStyle'")
                .hasMessageContaining("'accessKeyId'").hasMessageContaining("'timeout'").hasMessageContaining("bogus");
        assertThatThrownBy(() -> StateStores.open("s3://bucket/p?accessKeyId=AKIA&secretAccessKey=hunter2&bogus=1"))
                .hasMessageNotContaining("hunter2");
    }

    @Test
    @Timeout(60)
    void anUnreachableEndpointFailsAtOpenAsUnavailable() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> StateStores.open("s3://bucket/p?endpoint=http://127.0.0.1:1&pathStyle=true"
                + "&accessKeyId=a&secretAccessKey=hunter2&timeout=5"))
                .isInstanceOf(StateStoreUnavailableException.class).hasMessageNotContaining("hunter2");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
    }
}
