package dev.statestore.testkit.postgres;

import java.io.IOException;
import dev.statestore.testkit.TestServers;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A private PostgreSQL server from this machine's binaries, on a free loopback port, in a temp folder
 * of its own: never the machine's own server. As root, the server runs as the {@code postgres} user
 * (initdb and postgres refuse root), through {@code setpriv}, which execs in place so the process held
 * here is the postmaster itself. Stopped with SIGINT (fast shutdown): SIGTERM waits for the pool's
 * connections to leave and would hang.
 */
final class LocalPostgres {

    private final Path bin;
    private final Path base;
    private final Path data;
    private final int port;
    private final boolean root;
    /** The password of the user postgres: random per test JVM, never a secret worth keeping. */
    static final String PASSWORD = "pg-" + java.util.UUID.randomUUID();
    private Process postmaster;

    private LocalPostgres(Path bin, Path base, int port, boolean root) {
        this.bin = bin;
        this.base = base;
        this.data = base.resolve("data");
        this.port = port;
        this.root = root;
    }

    /** The newest {@code /usr/lib/postgresql/N/bin}, if the server package is installed. */
    static Optional<Path> findBinaries() {
        Path lib = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(lib)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(lib)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("postgres")))
                    .max(Comparator.comparingDouble(LocalPostgres::version));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static double version(Path bin) {
        try {
            return Double.parseDouble(bin.getParent().getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static LocalPostgres start(Path bin) throws IOException, InterruptedException {
        boolean root = "root".equals(System.getProperty("user.name"));
        Path base = Files.createTempDirectory("statestore-pg-");
        Path sock = Files.createDirectories(base.resolve("sock"));
        if (root) {
            chownToPostgres(base);
            chownToPostgres(sock);
        }
        LocalPostgres server = new LocalPostgres(bin, base, dev.statestore.testkit.TestServers.freeLoopbackPort(), root);
        server.initdb(sock);
        server.startPostmaster();
        Runtime.getRuntime().addShutdownHook(new Thread(server::destroy, "stop private postgres"));
        return server;
    }

    private static void chownToPostgres(Path path) throws IOException {
        UserPrincipalLookupService users = path.getFileSystem().getUserPrincipalLookupService();
        UserPrincipal user = users.lookupPrincipalByName("postgres");
        GroupPrincipal group = users.lookupPrincipalByGroupName("postgres");
        PosixFileAttributeView view = Files.getFileAttributeView(path, PosixFileAttributeView.class);
        view.setOwner(user);
        view.setGroup(group);
    }

    private List<String> command(String program, String... args) {
        List<String> cmd = new ArrayList<>();
        if (root) {
            cmd.addAll(List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"));
        }
        cmd.add(bin.resolve(program).toString());
        cmd.addAll(List.of(args));
        return cmd;
    }

    private void initdb(Path sock) throws IOException, InterruptedException {
        // Connections over TCP (all of the tests') need the password, as on a real server, so that a wrong one
        // fails the way it does there.
        Path passwordFile = base.resolve("password.txt");
        Files.writeString(passwordFile, PASSWORD + "\n");
        List<String> initdb = new ArrayList<>(List.of("-D", data.toString(), "-U", "postgres", "--auth-local=trust",
                "--auth-host=scram-sha-256", "--pwfile=" + passwordFile, "-E", "UTF8", "--locale=C", "--no-sync"));
        if (majorVersion() >= 15) {
            // The databases' default collation a language's (ICU en-US), as on most real servers, not code point
            // order: a column or a comparison that forgets COLLATE "C" then sorts wrong, and the suite sees it.
            initdb.addAll(List.of("--locale-provider=icu", "--icu-locale=en-US"));
        }
        Process p = new ProcessBuilder(command("initdb", initdb.toArray(String[]::new)))
                .directory(base.toFile()).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean done = p.waitFor(120, TimeUnit.SECONDS);
        Files.deleteIfExists(passwordFile);
        if (!done || p.exitValue() != 0) {
            throw new IOException("initdb failed:\n" + output);
        }
        // fsync off is fine for a throwaway server; synchronous_commit stays on (off loses rows on restart).
        Files.writeString(data.resolve("postgresql.conf"), "\nlisten_addresses = '127.0.0.1'\nport = " + port
                + "\nunix_socket_directories = '" + sock + "'\nfsync = off\nmax_connections = 300\n",
                java.nio.file.StandardOpenOption.APPEND);
    }

    private void startPostmaster() throws IOException, InterruptedException {
        Path log = base.resolve("postgres.log");
        postmaster = new ProcessBuilder(command("postgres", "-D", data.toString()))
                .directory(base.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try (Connection c = connect()) {
                return;
            } catch (SQLException e) {
                if (!postmaster.isAlive() || System.nanoTime() > deadline) {
                    throw new IOException("postgres did not start:\n" + Files.readString(log), e);
                }
                Thread.sleep(100);
            }
        }
    }

    /** N of {@code /usr/lib/postgresql/N/bin}; 0 where the path does not say. */
    private int majorVersion() {
        try {
            return Integer.parseInt(bin.getParent().getFileName().toString());
        } catch (RuntimeException e) {
            return 0;
        }
    }

    String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    int port() {
        return port;
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), "postgres", PASSWORD);
    }

    /** Fast shutdown: clients are disconnected, committed rows stay. */
    void stop() {
        if (postmaster == null || !postmaster.isAlive()) {
            return;
        }
        try {
            new ProcessBuilder("kill", "-INT", Long.toString(postmaster.pid())).start().waitFor();
            if (!postmaster.waitFor(30, TimeUnit.SECONDS)) {
                postmaster.destroyForcibly().waitFor();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void startAgain() throws IOException, InterruptedException {
        startPostmaster();
    }

    private void destroy() {
        stop();
        try (Stream<Path> all = Files.walk(base)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A temp folder left behind is not worth failing a shutdown.
        }
    }
}
