package dev.statestore.redis;

import java.io.IOException;
import dev.statestore.testkit.TestServers;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import redis.clients.jedis.Jedis;

/**
 * Private {@code redis-server} processes from this machine's package, on free loopback ports, in a temp
 * folder of their own: never the machine's own Redis on 6379. A single server keeps an append-only file
 * so that a restart keeps its data; a cluster is three empty nodes joined with {@code redis-cli}.
 */
final class LocalRedis {

    private final Path dir;
    private final List<Integer> ports;
    private final List<String> extraArgs;
    private final Process[] processes;

    private LocalRedis(Path dir, List<Integer> ports, List<String> extraArgs) {
        this.dir = dir;
        this.ports = ports;
        this.extraArgs = extraArgs;
        this.processes = new Process[ports.size()];
    }

    static boolean installed() {
        return Files.isExecutable(Path.of("/usr/bin/redis-server")) || onPath("redis-server");
    }

    private static boolean onPath(String program) {
        String path = System.getenv("PATH");
        return path != null && Stream.of(path.split(":")).anyMatch(p -> Files.isExecutable(Path.of(p, program)));
    }

    static LocalRedis single() throws IOException, InterruptedException {
        LocalRedis redis = new LocalRedis(Files.createTempDirectory("statestore-redis-"), List.of(freePort(false)),
                List.of("--appendonly", "yes", "--appendfsync", "everysec", "--save", ""));
        redis.startAll();
        return redis;
    }

    static LocalRedis cluster() throws IOException, InterruptedException {
        List<Integer> ports = new ArrayList<>();
        while (ports.size() < 3) {
            int port = freePort(true);
            if (!ports.contains(port)) {
                ports.add(port);
            }
        }
        LocalRedis redis = new LocalRedis(Files.createTempDirectory("statestore-redis-cluster-"), ports,
                List.of("--save", "", "--appendonly", "no", "--cluster-enabled", "yes", "--cluster-node-timeout", "2000"));
        redis.startAll();
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        ports.forEach(p -> create.add("127.0.0.1:" + p));
        create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        Process p = new ProcessBuilder(create).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        // redis-cli exits 0 on an error reply too: read what it says.
        if (!p.waitFor(60, TimeUnit.SECONDS) || !output.contains("[OK] All 16384 slots covered")) {
            redis.destroy();
            throw new IOException("redis-cli --cluster create failed:\n" + output);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (int port : ports) {
            while (true) {
                try (Jedis jedis = new Jedis("127.0.0.1", port)) {
                    if (jedis.clusterInfo().contains("cluster_state:ok")) {
                        break;
                    }
                }
                if (System.nanoTime() > deadline) {
                    redis.destroy();
                    throw new IOException("the cluster did not reach cluster_state:ok");
                }
                Thread.sleep(100);
            }
        }
        return redis;
    }

    /** A free loopback port; for a cluster node, one whose bus port (+10000) is free too. */
    private static int freePort(boolean withBus) throws IOException {
        while (true) {
            int port = dev.statestore.testkit.TestServers.freeLoopbackPort();
            if (!withBus) {
                return port;
            }
            if (port + 10000 <= 65535) {
                try (ServerSocket bus = new ServerSocket(port + 10000, 1, InetAddress.getLoopbackAddress())) {
                    return port;
                } catch (IOException taken) {
                    // try another
                }
            }
        }
    }

    private void startAll() throws IOException, InterruptedException {
        for (int i = 0; i < ports.size(); i++) {
            start(i);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(this::destroy, "stop private redis"));
    }

    private void start(int i) throws IOException, InterruptedException {
        int port = ports.get(i);
        List<String> cmd = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--dir", dir.toString(), "--dbfilename", "dump-" + port + ".rdb", "--appendfilename", "aof-" + port + ".aof",
                "--cluster-config-file", dir.resolve("nodes-" + port + ".conf").toString()));
        cmd.addAll(extraArgs);
        processes[i] = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis-" + port + ".log").toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Jedis jedis = new Jedis("127.0.0.1", port)) {
                if ("PONG".equals(jedis.ping())) {
                    return;
                }
            } catch (RuntimeException notYet) {
                if (!processes[i].isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("redis-server did not start:\n" + Files.readString(dir.resolve("redis-" + port + ".log")));
                }
                Thread.sleep(50);
            }
        }
    }

    List<Integer> ports() {
        return ports;
    }

    /** Stops the single server as a crash-free restart does (it flushes its append-only file), then starts it again. */
    void stop() throws InterruptedException {
        try (Jedis jedis = new Jedis("127.0.0.1", ports.get(0))) {
            jedis.shutdown();
        } catch (RuntimeException closedAsItStops) {
            // SHUTDOWN closes the connection instead of answering.
        }
        if (!processes[0].waitFor(30, TimeUnit.SECONDS)) {
            processes[0].destroyForcibly().waitFor();
        }
    }

    void startAgain() throws IOException, InterruptedException {
        start(0);
    }

    private void destroy() {
        for (Process p : processes) {
            if (p != null && p.isAlive()) {
                p.destroy();
                try {
                    if (!p.waitFor(10, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // A temp folder left behind is not worth failing a shutdown.
        }
    }
}
