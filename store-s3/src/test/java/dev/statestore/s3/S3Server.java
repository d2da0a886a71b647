package dev.statestore.s3;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import dev.statestore.testkit.TestServers;
import dev.statestore.testkit.TestServers.Tier;
import org.testcontainers.containers.wait.strategy.Wait;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The S3 server of this module's tests, one per test JVM, from the first of:
 * {@code STATESTORE_TEST_S3_URL} (an {@code s3://bucket?endpoint=…&accessKeyId=…} URL; tests use prefixes
 * of their own there); a container engine, where Testcontainers starts Adobe's S3Mock ({@code adobe/s3mock},
 * or {@code STATESTORE_TEST_S3_IMAGE}); otherwise S3Mock from Maven Central, run as a process of its own.
 * Both run S3Mock with one request thread, so that it handles requests one at a time and every conditional
 * write is atomic (with more threads it checks, then writes, unlocked: racing writers can both win).
 * That is the tier {@code auto} ({@link TestServers}); {@code containers} and {@code local} take only one of
 * the last two.
 */
final class S3Server {

    private static final TestServers.PerTier<S3Server> shared = new TestServers.PerTier<>(tier -> {
        S3Server server = start(tier);
        try (S3Client s3 = server.client()) {
            s3.createBucket(b -> b.bucket(server.bucket));
        } catch (S3Exception e) {
            if (e.statusCode() != 409) { // BucketAlreadyOwnedByYou: someone's server, reused
                throw e;
            }
        }
        LoggerFactory.getLogger(S3Server.class).info("S3 for the tests: {} {}", server.tier, server.endpoint);
        return server;
    });

    private final String tier;
    private final String bucket;
    // Whether the tests may create buckets: on servers they started, yes; on someone's bucket, no.
    private final boolean owned;
    private final URI endpoint;
    private final String accessKey;
    private final String secretKey;

    private S3Server(String tier, String bucket, URI endpoint, String accessKey, String secretKey, boolean owned) {
        this.tier = tier;
        this.bucket = bucket;
        this.owned = owned;
        this.endpoint = endpoint;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
    }

    /** The server of the tier {@code STATESTORE_TEST_SERVERS} asks for. */
    static S3Server shared() {
        return shared(TestServers.requestedTier());
    }

    /** The server of the given tier, started on first use and kept for the JVM. */
    static S3Server shared(Tier tier) {
        return shared.get(tier);
    }

    private static S3Server start(Tier tier) {
        Optional<String> url = TestServers.environment("STATESTORE_TEST_S3_URL");
        if (tier.takesUrlFromEnvironment() && url.isPresent()) {
            S3Options o = S3Options.from(dev.statestore.spi.StoreUrl.parse(url.get()));
            return new S3Server("STATESTORE_TEST_S3_URL", o.bucket(), o.endpoint().orElse(null),
                    o.accessKeyId().orElse(null), o.secretAccessKey().orElse(null), false);
        }
        if (tier.takesContainer()) {
            DockerImageName image = TestServers.image("STATESTORE_TEST_S3_IMAGE", "adobe/s3mock");
            // Plain HTTP on 9090 with a single request thread, as for the local S3Mock: with more threads its
            // conditional writes check, then write, unlocked. The second connector it always opens (9191 here)
            // is not published.
            GenericContainer<?> s3mock = TestServers.start("S3Mock", new GenericContainer<>(image)
                    .withEnv("SERVER_PORT", "9090").withEnv("SERVER_SSL_ENABLED", "false").withEnv("HTTP_PORT", "9191")
                    .withEnv("SERVER_TOMCAT_THREADS_MAX", "1")
                    .withEnv("COM_ADOBE_TESTING_S3MOCK_MAX_PAYLOAD_SIZE", "64MB")
                    .withExposedPorts(9090)
                    .waitingFor(Wait.forHttp("/").forPort(9090).forStatusCode(200).withStartupTimeout(Duration.ofSeconds(180))));
            return new S3Server("Testcontainers, image " + image + ", port 9090 mapped to", "statestore-test",
                    URI.create("http://" + s3mock.getHost() + ":" + s3mock.getMappedPort(9090)), "test", "test", true);
        }
        return startS3Mock();
    }

    private static S3Server startS3Mock() {
        Path jar = Path.of(System.getProperty("statestore.s3mock.jar", "target/s3mock/s3mock-exec.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no S3 server for the tests: set STATESTORE_TEST_S3_URL (s3://bucket?endpoint=…"
                    + "&accessKeyId=…&secretAccessKey=…&pathStyle=true), or run Docker, or let Maven copy S3Mock to " + jar
                    + " (mvn process-test-resources)");
        }
        try {
            Path root = Files.createTempDirectory("statestore-s3mock-");
            int port = TestServers.freeLoopbackPort();
            int spare = TestServers.freeLoopbackPort();
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            ProcessBuilder builder = new ProcessBuilder(java, "-Xmx512m", "-jar", jar.toString(), "--server.port=" + port,
                    "--server.address=127.0.0.1", "--server.ssl.enabled=false", "--server.tomcat.threads.max=1",
                    // S3Mock always opens a second plain connector on every interface: a free port nobody uses.
                    "--http.port=" + spare, "--com.adobe.testing.s3mock.max-payload-size=64MB")
                    .redirectErrorStream(true).redirectOutput(root.resolve("s3mock.log").toFile());
            builder.environment().put("COM_ADOBE_TESTING_S3MOCK_STORE_ROOT", root.resolve("store").toString());
            Process process = builder.start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                process.destroy();
                try {
                    process.waitFor(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                process.destroyForcibly();
                try (Stream<Path> all = Files.walk(root)) {
                    all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (IOException e) {
                    // A temp folder left behind is not worth failing a shutdown.
                }
            }, "stop s3mock"));
            URI endpoint = URI.create("http://127.0.0.1:" + port);
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (true) {
                try {
                    if (http.send(HttpRequest.newBuilder(endpoint).GET().build(), HttpResponse.BodyHandlers.discarding())
                            .statusCode() == 200) {
                        break;
                    }
                } catch (IOException notYet) {
                    // starting
                }
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("S3Mock did not start:\n" + Files.readString(root.resolve("s3mock.log")));
                }
                Thread.sleep(250);
            }
            return new S3Server("S3Mock " + jar.getFileName() + " (one request thread) at", "statestore-test", endpoint,
                    "test", "test", true);
        } catch (IOException e) {
            throw new IllegalStateException("could not start S3Mock", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }


    String tier() {
        return tier;
    }

    String bucket() {
        return bucket;
    }

    /**
     * A store URL of its own: a new bucket on a server the tests started (S3Mock reads a bucket's whole
     * key index on every request, so a bucket shared by every test makes each request slower than the
     * last), else a new prefix of the given bucket.
     */
    String newStoreUrl() {
        String name = "statestore-test-" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
        if (!owned) {
            return storeUrl(bucket, name);
        }
        try (S3Client s3 = client()) {
            s3.createBucket(b -> b.bucket(name));
        }
        return storeUrl(name, "state");
    }

    /** A store URL for a prefix of a bucket of this server. */
    String storeUrl(String bucket, String prefix) {
        StringBuilder url = new StringBuilder("s3://").append(bucket).append('/').append(prefix).append("?pathStyle=true");
        if (endpoint != null) {
            url.append("&endpoint=").append(endpoint);
        }
        if (accessKey != null) {
            url.append("&accessKeyId=").append(accessKey).append("&secretAccessKey=").append(secretKey);
        }
        return url.toString();
    }

    /** A plain SDK client on this server, for the tests that go around the store. */
    S3Client client() {
        return client(endpoint);
    }

    /** A client of this server's credentials at another endpoint (a proxy in front of it). */
    S3Client client(java.net.URI endpoint) {
        var builder = S3Client.builder().forcePathStyle(true).region(Region.US_EAST_1)
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        if (accessKey != null) {
            builder.credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secretKey)));
        }
        return builder.build();
    }
}
