package dev.statestore.azblob;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import dev.statestore.spi.StoreUrl;
import dev.statestore.testkit.TestServers;
import dev.statestore.testkit.TestServers.Tier;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;
import org.testcontainers.azure.AzuriteContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The Blob service of this module's tests, one per test JVM and tier, from the first of:
 * {@code STATESTORE_TEST_AZBLOB_URL} (an {@code azblob://ACCOUNT/CONTAINER?endpoint=…&accountKey=…} URL; the tests
 * use prefixes of their own in that container); a container engine, where Testcontainers' {@link AzuriteContainer}
 * starts Azurite ({@code mcr.microsoft.com/azure-storage/azurite}, or {@code STATESTORE_TEST_AZURITE_IMAGE});
 * otherwise Azurite from npm (installed once per machine into {@code statestore.azurite.dir}), run as a process of its
 * own on a free loopback port, its data in memory. Azurite always runs without telemetry and without its API version
 * check (the SDK may speak a newer version than the emulator knows).
 */
final class AzuriteServer {

    /** Azurite's well-known development account: public, in Microsoft's documentation, and nothing else's key. */
    static final String ACCOUNT = "devstoreaccount1";
    static final String ACCOUNT_KEY =
            "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private static final List<String> FLAGS = List.of("--skipApiVersionCheck", "--disableTelemetry", "--loose");

    private static final TestServers.PerTier<AzuriteServer> shared = new TestServers.PerTier<>(tier -> {
        AzuriteServer server = start(tier);
        if (server.owned) {
            server.service().createBlobContainerIfNotExists(server.container);
        }
        LoggerFactory.getLogger(AzuriteServer.class).info("Azure Blob for the tests: {} {}", server.tier, server.endpoint);
        return server;
    });

    private final String tier;
    private final String account;
    private final String endpoint;
    private final String accountKey;
    private final String container;
    /** Whether the tests may create containers: on an emulator they started, yes; in someone's container, no. */
    private final boolean owned;
    private final Path keyFile;

    private AzuriteServer(String tier, String account, String endpoint, String accountKey, String container, boolean owned) {
        this.tier = tier;
        this.account = account;
        this.endpoint = endpoint;
        this.accountKey = accountKey;
        this.container = container;
        this.owned = owned;
        try {
            keyFile = Files.createTempFile("statestore-azblob-", ".key");
            keyFile.toFile().deleteOnExit();
            Files.writeString(keyFile, accountKey);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The server of the tier {@code STATESTORE_TEST_SERVERS} asks for. */
    static AzuriteServer shared() {
        return shared(TestServers.requestedTier());
    }

    /** The server of the given tier, started on first use and kept for the JVM. */
    static AzuriteServer shared(Tier tier) {
        return shared.get(tier);
    }

    /** Azurite run with the flags above: Testcontainers' module, its command line extended. */
    private static final class FlaggedAzurite extends AzuriteContainer {
        FlaggedAzurite(DockerImageName image) {
            super(image);
        }

        @Override
        protected void configure() {
            super.configure();
            // All three services, as the module's own command starts them: its wait strategy waits for all three ports.
            setCommand("azurite --blobHost 0.0.0.0 --queueHost 0.0.0.0 --tableHost 0.0.0.0 --inMemoryPersistence "
                    + String.join(" ", FLAGS));
        }
    }

    private static AzuriteServer start(Tier tier) {
        Optional<String> url = TestServers.environment("STATESTORE_TEST_AZBLOB_URL");
        if (tier.takesUrlFromEnvironment() && url.isPresent()) {
            AzureBlobOptions o = AzureBlobOptions.from(StoreUrl.parse(url.get()));
            AzureBlobOptions.Credential credential = o.credential().orElseThrow();
            if (credential.kind() != AzureBlobOptions.CredentialKind.ACCOUNT_KEY) {
                throw new IllegalStateException("STATESTORE_TEST_AZBLOB_URL: the tests need an accountKey");
            }
            String prefix = o.prefix().isEmpty() ? "" : o.prefix() + "/";
            return new AzuriteServer("STATESTORE_TEST_AZBLOB_URL", o.account(), o.serviceUrl(), credential.secret(),
                    o.container() + (prefix.isEmpty() ? "" : "/" + o.prefix()), false);
        }
        if (tier.takesContainer()) {
            DockerImageName image = TestServers.image("STATESTORE_TEST_AZURITE_IMAGE",
                    "mcr.microsoft.com/azure-storage/azurite:" + System.getProperty("statestore.azurite.version", "3.35.0"));
            AzuriteContainer azurite = TestServers.start("Azurite", new FlaggedAzurite(image));
            return new AzuriteServer("Testcontainers, image " + image + ", port 10000 mapped to", ACCOUNT,
                    "http://" + azurite.getHost() + ":" + azurite.getMappedPort(10000) + "/" + ACCOUNT, ACCOUNT_KEY,
                    "statestore-test", true);
        }
        return startLocal();
    }

    /** Azurite from npm, installed into the cache folder if missing, on a free loopback port. */
    private static AzuriteServer startLocal() {
        String version = System.getProperty("statestore.azurite.version", "3.35.0");
        Path dir = Path.of(System.getProperty("statestore.azurite.dir",
                System.getProperty("user.home") + "/.cache/statestore-test/azurite-" + version));
        Path main = dir.resolve("node_modules/azurite/dist/src/blob/main.js");
        try {
            Files.createDirectories(dir);
            // Test JVMs forked side by side install it once: the first takes the lock, the others wait and find it.
            try (java.nio.channels.FileChannel lockFile = java.nio.channels.FileChannel.open(dir.resolve(".install-lock"),
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
                    java.nio.channels.FileLock lock = lockFile.lock()) {
                if (!Files.isRegularFile(main)) {
                    Path log = dir.resolve("npm-install.log");
                    Process npm = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--no-save", "--prefix",
                            dir.toString(), "azurite@" + version).redirectErrorStream(true).redirectOutput(log.toFile()).start();
                    if (!npm.waitFor(10, TimeUnit.MINUTES) || npm.exitValue() != 0 || !Files.isRegularFile(main)) {
                        npm.destroyForcibly();
                        throw new IllegalStateException("could not install Azurite " + version + " from npm into " + dir
                                + ":\n" + Files.readString(log));
                    }
                }
            }
            int port = TestServers.freeLoopbackPort();
            Path workspace = Files.createTempDirectory("statestore-azurite-");
            workspace.toFile().deleteOnExit();
            List<String> command = new java.util.ArrayList<>(List.of("node", main.toString(), "--blobHost", "127.0.0.1",
                    "--blobPort", Integer.toString(port), "--inMemoryPersistence", "--silent"));
            command.addAll(FLAGS);
            Path log = workspace.resolve("azurite.log");
            log.toFile().deleteOnExit();
            // Its data is in memory; the working folder only keeps what it writes beside it, nothing of the machine's.
            Process process = new ProcessBuilder(command).directory(workspace.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, "stop azurite"));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!listening(port)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("Azurite did not start:\n" + Files.readString(log));
                }
                Thread.sleep(100);
            }
            return new AzuriteServer("Azurite " + version + " from npm (node, in memory) at", ACCOUNT,
                    "http://127.0.0.1:" + port + "/" + ACCOUNT, ACCOUNT_KEY, "statestore-test", true);
        } catch (IOException e) {
            throw new IllegalStateException("could not start Azurite (npm and node on the PATH?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    String tier() {
        return tier;
    }

    /**
     * A store URL of its own: a new container on an emulator the tests started (so that no test lists another's
     * blobs), else a new prefix in the given container.
     */
    String newStoreUrl() {
        String name = "statestore-test-" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
        if (!owned) {
            return storeUrl(container, name);
        }
        service().createBlobContainer(name);
        return storeUrl(name, "state");
    }

    /** A store URL for a prefix of a container of this server, its key in a file. */
    String storeUrl(String container, String prefix) {
        return "azblob://" + account + "/" + container + (prefix.isEmpty() ? "" : "/" + prefix) + "?endpoint=" + endpoint
                + "&accountKey=file:" + keyFile;
    }

    private volatile BlobServiceClient service;

    /** A plain SDK client on this server, for the tests that go around the store. */
    BlobServiceClient service() {
        if (service == null) {
            service = new BlobServiceClientBuilder().endpoint(endpoint)
                    .credential(new StorageSharedKeyCredential(account, accountKey)).buildClient();
        }
        return service;
    }

    /** The container a store URL of this server names. */
    BlobContainerClient container(String storeUrl) {
        return service().getBlobContainerClient(AzureBlobOptions.from(StoreUrl.parse(storeUrl)).container());
    }
}
