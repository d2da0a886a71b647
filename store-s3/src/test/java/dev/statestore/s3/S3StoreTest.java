package dev.statestore.s3;

import static dev.statestore.conformance.TestDeployments.deploy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.statestore.InvalidStoreUrlException;
import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.ScopeId;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.StateStoreException;
import dev.statestore.StateStores;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What only the S3 store does: its keys, its probe, its URL. */
class S3StoreTest {

    private static final S3Fixture FIXTURE = new S3Fixture();

    /**
     * A begin that takes over an open deployment waits the fence window before it returns, sealed or not: encryption
     * at rest wraps the control documents, and once dropped the window (the wrapper answered zero).
     */
    @Test
    void aTakeoverWaitsTheFenceWindowAlsoWithEncryption() {
        for (String url : List.of(FIXTURE.newStoreUrl(), new dev.statestore.conformance.EncryptedFixture(FIXTURE).newStoreUrl())) {
            try (StateStore store = StateStores.open(url + "&fenceWindowMillis=400")) {
                var deployments = store.scope("app", "prod").deployments();
                var meta = dev.statestore.DeploymentMeta.deploy(null);
                long first = deployments.begin(meta, java.time.Duration.ofMinutes(1)).version();
                long started = System.nanoTime();
                deployments.begin(meta, java.time.Duration.ofMinutes(1), first);
                assertThat((System.nanoTime() - started) / 1_000_000).as(url).isGreaterThanOrEqualTo(400);
            }
        }
    }

    @Test
    void keysAreTheNamesThemselvesAndTombstonesAreEmptyObjects() {
        String url = FIXTURE.newStoreUrl();
        String prefix = S3Options.from(dev.statestore.spi.StoreUrl.parse(url)).prefix();
        try (StateStore store = StateStores.open(url)) {
            store.scope("app", "prod").create(ResourceState.builder("Api/Bucket ü", ResourceStatus.CREATED).build());
            store.scope("app", "prod").delete("Api/Bucket ü");
            var head = FIXTURE.raw().headObject(b -> b.bucket(S3Fixture.bucket(url))
                    .key(prefix + "/app/prod/r/Api/Bucket ü"));
            assertThat(head.contentLength()).as("a tombstone").isEqualTo(S3Bodies.TOMBSTONE_BYTES);
            assertThat(head.metadata()).containsEntry("statestore-version", "1").containsEntry("statestore-tombstone", "1");
            assertThat(store.scope("app", "prod").create(ResourceState.builder("Api/Bucket ü", ResourceStatus.CREATED).build())
                    .version()).isEqualTo(2);
        }
        assertThat(new S3Keys("p").record(new ScopeId("s", "t"), "x".repeat(1020))).startsWith("p/s/t/h/").hasSize(8 + 64);
    }

    @Test
    void aChangeWhoseWriteNeverLandedIsNeverReadAsApplied() {
        String url = FIXTURE.newStoreUrl();
        S3Options options = S3Options.from(dev.statestore.spi.StoreUrl.parse(url));
        ScopeId scope = new ScopeId("app", "prod");
        try (StateStore store = StateStores.open(url)) {
            StateScope s = store.scope(scope);
            s.put(ResourceState.builder("Bucket", ResourceStatus.CREATING).build());
            s.put(ResourceState.builder("Bucket", ResourceStatus.CREATED).build());
            // A writer that died between its change and its record: a change of version 3, and one of version 2 that
            // competes with the one that landed, neither named by any record.
            String folder = new S3Keys(options.prefix()).history(scope, dev.statestore.spi.StateKey.record("Bucket"));
            for (String orphan : List.of(folder + String.format("%019d", 6) + "-dead.json",
                    folder + String.format("%019d", 4) + "-beef.json")) {
                FIXTURE.raw().putObject(b -> b.bucket(options.bucket()).key(orphan),
                        software.amazon.awssdk.core.sync.RequestBody.fromString(dev.statestore.spi.ChangeJson.toJson(
                                dev.statestore.spi.StateKey.record("Bucket"), orphan.contains("dead") ? 3 : 2,
                                "{\"kind\":\"resource\",\"fqn\":\"Bucket\",\"status\":\"deleting\"}",
                                java.time.Instant.now(), 0)));
            }
            assertThat(s.history().of("Bucket")).extracting(c -> c.record().status())
                    .containsExactly(ResourceStatus.CREATED, ResourceStatus.CREATING);
            assertThat(s.put(ResourceState.builder("Bucket", ResourceStatus.UPDATED).build()).version()).isEqualTo(3);
            assertThat(s.history().of("Bucket")).extracting(c -> c.record().status())
                    .containsExactly(ResourceStatus.UPDATED, ResourceStatus.CREATED, ResourceStatus.CREATING);
        }
    }

    @Test
    void theChangeOfAFirstCreateThatDiedIsSweptOnceOlderThanAnyWriteAfterThePruning() {
        String url = FIXTURE.newStoreUrl();
        S3Options options = S3Options.from(dev.statestore.spi.StoreUrl.parse(url));
        ScopeId scope = new ScopeId("app", "prod");
        S3Keys keys = new S3Keys(options.prefix());
        // Two first creates that died between their change and their record: two hours ago, and a moment ago (a
        // write that may still land). Neither key has a record object.
        String dead = keys.history(scope, dev.statestore.spi.StateKey.record("Never")) + String.format("%019d", 2)
                + "-dead.json";
        String recent = keys.history(scope, dev.statestore.spi.StateKey.record("Landing")) + String.format("%019d", 2)
                + "-beef.json";
        for (String orphan : List.of(dead, recent)) {
            String fqn = orphan.equals(dead) ? "Never" : "Landing";
            java.time.Instant at = orphan.equals(dead) ? java.time.Instant.now().minus(java.time.Duration.ofHours(2))
                    : java.time.Instant.now();
            FIXTURE.raw().putObject(b -> b.bucket(options.bucket()).key(orphan),
                    software.amazon.awssdk.core.sync.RequestBody.fromString(dev.statestore.spi.ChangeJson.toJson(
                            dev.statestore.spi.StateKey.record(fqn), 1,
                            "{\"kind\":\"resource\",\"fqn\":\"" + fqn + "\",\"status\":\"creating\"}", at, 0)));
        }
        try (StateStore store = StateStores.open(url + (url.contains("?") ? "&" : "?") + "historyDeployments=1")) {
            StateScope s = store.scope(scope);
            deploy(s, fenced -> fenced.create(ResourceState.builder("Bucket", ResourceStatus.CREATED).build()));
            assertThat(objectExists(options, dead)).as("no pruning yet").isTrue();
            // The second deployment's end prunes the history past a window of one deployment, then sweeps.
            long last = deploy(s, fenced -> fenced.put(ResourceState.builder("Bucket", ResourceStatus.UPDATED).build()));
            assertThat(objectExists(options, dead)).as("the old orphan of a key never written").isFalse();
            assertThat(objectExists(options, recent)).as("a write that may still land").isTrue();
            assertThat(s.history().of("Never")).isEmpty();
            assertThat(s.history().at(last).records()).containsOnlyKeys("Bucket");
        }
    }

    private static boolean objectExists(S3Options options, String key) {
        try {
            FIXTURE.raw().headObject(b -> b.bucket(options.bucket()).key(key));
            return true;
        } catch (software.amazon.awssdk.services.s3.model.NoSuchKeyException e) {
            return false;
        } catch (software.amazon.awssdk.services.s3.model.S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    @Test
    void aStoreOnTheApplicationsOwnClientNeverClosesIt() {
        String url = FIXTURE.newStoreUrl();
        S3Options options = S3Options.from(dev.statestore.spi.StoreUrl.parse(url));
        try (StateStore store = S3Stores.open(FIXTURE.raw(), options.bucket(), options.prefix())) {
            store.scope("app", "prod").create(ResourceState.builder("Bucket", ResourceStatus.CREATED).build());
            assertThat(store.describe()).contains(options.bucket());
        }
        // Still open: the fixture's client reads what the store wrote, and the URL's store sees the same record.
        assertThat(FIXTURE.rawRecord(url, new ScopeId("app", "prod"), "Bucket")).isPresent();
        try (StateStore byUrl = StateStores.open(url)) {
            assertThat(byUrl.scope("app", "prod").require("Bucket").version()).isEqualTo(1);
        }
        assertThatThrownBy(() -> S3Stores.open(FIXTURE.raw(), "Bad_Bucket", "p"))
                .isInstanceOf(dev.statestore.InvalidStoreUrlException.class).hasMessageContaining("'bucket'");
        assertThatThrownBy(() -> S3Stores.open(FIXTURE.raw(), options.bucket() + "?probe=false", "p"))
                .isInstanceOf(dev.statestore.InvalidStoreUrlException.class).hasMessageContaining("'bucket'");
        // A prefix is only ever a prefix, never a way into the URL's options.
        try (StateStore odd = S3Stores.open(FIXTURE.raw(), options.bucket(), options.prefix() + "?probe=false")) {
            assertThat(odd.describe()).contains(options.prefix() + "?probe=false");
        }
    }

    @Test
    void aSmallObjectThatIsNotExactlyATombstoneIsCorruptAndNeverWrittenOver() {
        String url = FIXTURE.newStoreUrl();
        String prefix = S3Options.from(dev.statestore.spi.StoreUrl.parse(url)).prefix();
        String bucket = S3Fixture.bucket(url);
        java.util.Map<String, byte[]> bodies = new java.util.LinkedHashMap<>();
        bodies.put("Garbage", "\u0001garbage{ not json".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        bodies.put("Truncated", "{\"kind\":\"resource\",\"f".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        bodies.put("Exactly25", "x".repeat(S3Bodies.TOMBSTONE_BYTES).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        try (StateStore store = StateStores.open(url)) {
            var scope = store.scope("app", "prod");
            scope.create(ResourceState.builder("Fine", ResourceStatus.CREATED).build());
            for (var e : bodies.entrySet()) {
                String key = prefix + "/app/prod/r/" + e.getKey();
                FIXTURE.raw().putObject(b -> b.bucket(bucket).key(key), software.amazon.awssdk.core.sync.RequestBody
                        .fromBytes(e.getValue()));
                assertThatThrownBy(() -> scope.get(e.getKey())).as(e.getKey())
                        .isInstanceOf(dev.statestore.CorruptStateException.class).hasMessageContaining(key);
                assertThatThrownBy(() -> scope.create(ResourceState.builder(e.getKey(), ResourceStatus.CREATED).build()))
                        .as(e.getKey()).isInstanceOf(dev.statestore.CorruptStateException.class);
                assertThatThrownBy(() -> scope.put(ResourceState.builder(e.getKey(), ResourceStatus.CREATED).build()))
                        .as(e.getKey()).isInstanceOf(dev.statestore.CorruptStateException.class);
                assertThatThrownBy(() -> scope.delete(e.getKey())).as(e.getKey())
                        .isInstanceOf(dev.statestore.CorruptStateException.class);
                assertThat(FIXTURE.raw().getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArray())
                        .as("the evidence is kept").isEqualTo(e.getValue());
            }
            // A tombstone of the release before: exactly a tombstone's bytes, its version in the metadata, no mark.
            String legacy = prefix + "/app/prod/r/Legacy";
            FIXTURE.raw().putObject(b -> b.bucket(bucket).key(legacy).metadata(java.util.Map.of("statestore-version", "4")),
                    software.amazon.awssdk.core.sync.RequestBody.fromBytes(S3Bodies.tombstone(4)));
            assertThat(scope.get("Legacy")).isEmpty();
            assertThat(scope.create(ResourceState.builder("Legacy", ResourceStatus.CREATED).build()).version()).isEqualTo(5);
            // A listing sees sizes only: the objects smaller than a tombstone are reported, never skipped.
            assertThatThrownBy(scope::listAll).isInstanceOf(dev.statestore.CorruptStateException.class);
            assertThat(scope.require("Fine").version()).isEqualTo(1);
        }
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
}
