package dev.statestore.dynamodb;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import dev.statestore.testkit.TestServers;
import dev.statestore.testkit.TestServers.Tier;
import java.time.Duration;
import org.testcontainers.containers.wait.strategy.Wait;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The DynamoDB endpoint of this module's tests, one per tier per test JVM. The tier {@code auto}
 * ({@link TestServers}) takes the first of: {@code STATESTORE_TEST_DYNAMODB_URL} (a
 * {@code dynamodb://…?endpoint=…} URL whose endpoint and credentials are used; tests create tables of their
 * own there); a container engine, where Testcontainers starts {@code amazon/dynamodb-local} (or
 * {@code STATESTORE_TEST_DYNAMODB_IMAGE}) in memory, telemetry off; DynamoDB Local from Maven Central, run in
 * memory as a process of its own from the classpath module {@code dynamodb-local-server} copies.
 * {@code containers} and {@code local} take only one of the last two. Without it, the tests fail.
 */
final class DynamoDbServer {

    private static final TestServers.PerTier<DynamoDbServer> shared = new TestServers.PerTier<>(tier -> {
        DynamoDbServer server = start(tier);
        LoggerFactory.getLogger(DynamoDbServer.class).info("DynamoDB for the tests: {} {}", server.tier,
                server.endpoint == null ? "AWS" : server.endpoint);
        return server;
    });

    private final String tier;
    private final URI endpoint;
    private final String region;

    private DynamoDbServer(String tier, URI endpoint, String region) {
        this.tier = tier;
        this.endpoint = endpoint;
        this.region = region;
    }

    /** The endpoint of the tier {@code STATESTORE_TEST_SERVERS} asks for. */
    static DynamoDbServer shared() {
        return shared(TestServers.requestedTier());
    }

    /** The endpoint of the given tier, started on first use and kept for the JVM. */
    static DynamoDbServer shared(Tier tier) {
        return shared.get(tier);
    }

    private static DynamoDbServer start(Tier tier) {
        Optional<String> url = TestServers.environment("STATESTORE_TEST_DYNAMODB_URL");
        if (tier.takesUrlFromEnvironment() && url.isPresent()) {
            DynamoDbOptions o = DynamoDbOptions.from(dev.statestore.spi.StoreUrl.parse(url.get()));
            return new DynamoDbServer("STATESTORE_TEST_DYNAMODB_URL", o.endpoint().orElse(null), o.region().orElse(null));
        }
        if (tier.takesContainer()) {
            DockerImageName image = TestServers.image("STATESTORE_TEST_DYNAMODB_IMAGE", "amazon/dynamodb-local");
            // The official image's entry point is java in the folder of DynamoDBLocal.jar. Ready when its
            // Jetty answers: a GET without a target is a 400 from DynamoDB itself.
            GenericContainer<?> local = TestServers.start("DynamoDB Local", new GenericContainer<>(image)
                    .withCommand("-jar", "DynamoDBLocal.jar", "-inMemory", "-disableTelemetry").withExposedPorts(8000)
                    .waitingFor(Wait.forHttp("/").forStatusCode(400).withStartupTimeout(Duration.ofSeconds(180))));
            return new DynamoDbServer("Testcontainers, image " + image + ", port 8000 mapped to",
                    URI.create("http://" + local.getHost() + ":" + local.getMappedPort(8000)), "us-east-1");
        }
        return startLocal();
    }

    private static DynamoDbServer startLocal() {
        Path lib = Path.of(System.getProperty("statestore.dynamodb.local.lib", "../dynamodb-local-server/target/lib"));
        if (!Files.isRegularFile(lib.resolve("DynamoDBLocal-2.6.1.jar"))) {
            throw new IllegalStateException("no DynamoDB for the tests: set STATESTORE_TEST_DYNAMODB_URL, or run Docker, "
                    + "or build the module dynamodb-local-server first (it copies DynamoDB Local to " + lib + ")");
        }
        try {
            int port = TestServers.freeLoopbackPort();
            Path log = Files.createTempFile("statestore-dynamodb-local-", ".log");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process process = new ProcessBuilder(java, "-Xmx512m", "-Djava.library.path=" + lib.toAbsolutePath(), "-cp",
                    lib.toAbsolutePath() + "/*", "com.amazonaws.services.dynamodbv2.local.main.ServerRunner", "-inMemory",
                    "-port", Integer.toString(port), "-disableTelemetry")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                process.destroyForcibly();
                log.toFile().delete();
            }, "stop dynamodb-local"));
            DynamoDbServer server = new DynamoDbServer("DynamoDB Local 2.6.1 (in memory) at", URI.create("http://127.0.0.1:" + port),
                    "us-east-1");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            // Its first log line comes before the port is bound: ask it something until it answers.
            while (true) {
                try (DynamoDbClient client = server.client()) {
                    client.listTables();
                    return server;
                } catch (RuntimeException notYet) {
                    if (!process.isAlive() || System.nanoTime() > deadline) {
                        throw new IllegalStateException("DynamoDB Local did not start:\n" + Files.readString(log), notYet);
                    }
                    Thread.sleep(200);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("could not start DynamoDB Local", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }


    /** Whether the endpoint is someone else's ({@code STATESTORE_TEST_DYNAMODB_URL}): its tables must be dropped. */
    boolean isSomeoneElses() {
        return "STATESTORE_TEST_DYNAMODB_URL".equals(tier);
    }

    /** A store URL for a table of this endpoint, created on first use. */
    String storeUrl(String table) {
        StringBuilder url = new StringBuilder("dynamodb://").append(table).append("?createTable=true&timeout=20");
        if (endpoint != null) {
            url.append("&endpoint=").append(endpoint).append("&accessKeyId=test&secretAccessKey=test");
        }
        if (region != null) {
            url.append("&region=").append(region);
        }
        return url.toString();
    }

    DynamoDbClient client() {
        return client(endpoint);
    }

    /** A client of this server's region and credentials at another endpoint (a proxy in front of it). */
    DynamoDbClient client(URI endpoint) {
        var builder = DynamoDbClient.builder();
        if (endpoint != null) {
            builder.endpointOverride(endpoint).credentialsProvider(StaticCredentialsProvider.create(
                    AwsBasicCredentials.create("test", "test")));
        }
        builder.region(Region.of(region == null ? "us-east-1" : region));
        return builder.build();
    }
}
