package dev.statestore.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.images.ImagePullPolicy;
import org.testcontainers.images.PullPolicy;
import org.testcontainers.utility.DockerImageName;

/**
 * What every backend's test fixture asks when it picks its server, so that all of them pick the same way.
 *
 * <p>The tier comes from {@code STATESTORE_TEST_SERVERS} (or the system property {@code statestore.test.servers}):
 * <ul>
 *   <li>{@code auto} (the default): a server URL given in the environment, else a container if Testcontainers
 *       finds a Docker API, else a private server from this machine's binaries;
 *   <li>{@code containers}: a container, or a failure that says why (never a fallback to a local server);
 *   <li>{@code local}: a private server from this machine's binaries, or a failure that says what to install.
 * </ul>
 * Images default to the official ones and can each be replaced by a variable
 * ({@code STATESTORE_TEST_POSTGRES_IMAGE=localhost/…}); a {@code localhost/} image is never pulled.
 */
public final class TestServers {

    /** Where the tests' servers come from. */
    public enum Tier {
        /** A URL from the environment, then a container engine, then local servers. */
        AUTO,
        /** Containers only, through Testcontainers. */
        CONTAINERS,
        /** Private servers started from this machine's binaries only. */
        LOCAL;

        /** Whether a server URL from the environment is used: in {@code auto} only. */
        public boolean takesUrlFromEnvironment() {
            return this == AUTO;
        }

        /** Whether a container is started: always in {@code containers}; in {@code auto} if a Docker API is found. */
        public boolean takesContainer() {
            return this == CONTAINERS || (this == AUTO && dockerAvailable());
        }
    }

    /** The variable that chooses the tier. */
    /**
     * One server per tier, started on the first call for that tier and kept for the JVM: a module's test classes
     * share it and keep apart by schema, table, bucket or key prefix. Thread-safe; a start that throws is tried
     * again by the next call.
     *
     * @param <S> the module's server
     */
    public static final class PerTier<S> {
        private final Map<Tier, S> started = new EnumMap<>(Tier.class);
        private final Function<Tier, S> start;

        public PerTier(Function<Tier, S> start) {
            this.start = start;
        }

        /** The server of {@code tier}, started now if none is yet. */
        public synchronized S get(Tier tier) {
            return started.computeIfAbsent(tier, start);
        }
    }

    public static final String TIER_VARIABLE = "STATESTORE_TEST_SERVERS";

    private TestServers() {}

    /**
     * The tier asked for by {@value #TIER_VARIABLE}.
     *
     * @throws IllegalStateException if the variable holds anything but {@code auto}, {@code containers} or
     *     {@code local}: a typo must not quietly run the tests somewhere else
     */
    public static Tier requestedTier() {
        String value = Optional.ofNullable(System.getProperty("statestore.test.servers"))
                .orElse(System.getenv(TIER_VARIABLE));
        if (value == null || value.isBlank()) {
            return Tier.AUTO;
        }
        try {
            return Tier.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(TIER_VARIABLE + "=" + value + " is not one of auto, containers, local");
        }
    }

    /** A non-blank environment variable, for the server URLs the {@code auto} tier honours. */
    public static Optional<String> environment(String variable) {
        return Optional.ofNullable(System.getenv(variable)).filter(v -> !v.isBlank());
    }

    /** Whether Testcontainers finds a Docker API (Docker, or Podman serving it). */
    public static boolean dockerAvailable() {
        try {
            return org.testcontainers.DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | NoClassDefFoundError e) {
            return false;
        }
    }

    /**
     * The image for a backend's container: {@code official}, or the one named by {@code variable}, used as a
     * compatible substitute for the official one (so Testcontainers' modules accept it).
     */
    public static DockerImageName image(String variable, String official) {
        DockerImageName officialName = DockerImageName.parse(official);
        return environment(variable).map(DockerImageName::parse)
                .map(name -> name.asCompatibleSubstituteFor(officialName.getUnversionedPart()))
                .orElse(officialName);
    }

    /**
     * Starts a container of the tests with the pull policy its image needs, or fails saying which image,
     * which tier and what to do: images under {@code localhost/} are built on this machine
     * ({@code .ci/testcontainers-host build}) and never pulled; the container's output goes to the test log.
     *
     * @throws IllegalStateException if there is no Docker API or the container does not start and become ready
     */
    public static <C extends GenericContainer<?>> C start(String what, C container) {
        DockerImageName image = DockerImageName.parse(container.getDockerImageName());
        if (!dockerAvailable()) {
            throw new IllegalStateException("the " + what + " container of the tests cannot start: Testcontainers finds no "
                    + "Docker API (start Docker, or Podman's service with .ci/testcontainers-host and DOCKER_HOST), or set "
                    + TIER_VARIABLE + "=local to use this machine's own server binaries");
        }
        boolean localImage = "localhost".equals(image.getRegistry());
        container.withImagePullPolicy(localImage ? neverPull() : PullPolicy.defaultPolicy());
        // Its output goes to the test log as it comes: Testcontainers removes a container that failed its wait
        // strategy, and its log with it.
        Logger log = LoggerFactory.getLogger("container." + what.replace(' ', '-'));
        container.withLogConsumer(frame -> log.info("{}", frame.getUtf8StringWithoutLineEnding()));
        try {
            container.start();
        } catch (RuntimeException e) {
            StringBuilder causes = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                causes.append("\n  ").append(t.getClass().getSimpleName()).append(": ").append(t.getMessage());
            }
            throw new IllegalStateException("the " + what + " container of the tests did not start from image " + image
                    + (localImage ? " (an image of this machine, never pulled: .ci/testcontainers-host build makes it)" : "")
                    + " (its output, if any, is in the test log under container." + what.replace(' ', '-') + "):"
                    + causes, e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "stop " + what + " container"));
        return container;
    }

    private static ImagePullPolicy neverPull() {
        return image -> false;
    }

    /** A loopback port that was free a moment ago, for a private server. */
    public static int freeLoopbackPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One racer of {@link #winners}: true if its conditional write won, false if the server refused it as stale. */
    public interface Racer {
        boolean run(int n) throws Exception;
    }

    /**
     * Runs {@code threads} racers released at once (racer {@code n} gets {@code n}) and counts those that won: how a
     * test proves that a server's conditional writes are atomic (exactly one winner).
     */
    public static int winners(int threads, Racer racer) throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            java.util.List<java.util.concurrent.Future<Boolean>> results = new java.util.ArrayList<>();
            for (int i = 0; i < threads; i++) {
                int n = i;
                results.add(pool.submit(() -> {
                    go.await();
                    return racer.run(n);
                }));
            }
            go.countDown();
            int winners = 0;
            for (java.util.concurrent.Future<Boolean> f : results) {
                winners += f.get(60, java.util.concurrent.TimeUnit.SECONDS) ? 1 : 0;
            }
            return winners;
        } finally {
            pool.shutdownNow();
        }
    }
}
