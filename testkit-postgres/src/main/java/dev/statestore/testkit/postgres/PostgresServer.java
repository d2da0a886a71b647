package dev.statestore.testkit.postgres;

import dev.statestore.spi.StoreUrl;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;
import dev.statestore.testkit.TestServers;
import dev.statestore.testkit.TestServers.Tier;
import org.slf4j.LoggerFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The PostgreSQL server of the tests (of {@code store-postgres} and of every module that runs a store in front
 * of PostgreSQL), one per tier per test JVM. The tier ({@link TestServers})
 * {@code auto} takes the first of:
 * <ol>
 *   <li>{@code STATESTORE_TEST_POSTGRES_URL}: a server someone runs (a store URL; tests create and drop
 *       schemas of their own in it and touch nothing else);
 *   <li>a container engine: Testcontainers' PostgreSQL module starts {@code postgres:16-alpine} (or
 *       {@code STATESTORE_TEST_POSTGRES_IMAGE}, as a compatible substitute);
 *   <li>this machine's PostgreSQL binaries: a private server on a free loopback port ({@link LocalPostgres}).
 * </ol>
 * {@code containers} and {@code local} take only the second or only the third. Without the one asked for,
 * the tests fail and say how to provide it.
 */
public final class PostgresServer {

    private static final TestServers.PerTier<PostgresServer> shared = new TestServers.PerTier<>(tier -> {
        PostgresServer server = start(tier);
        LoggerFactory.getLogger(PostgresServer.class).info("PostgreSQL for the tests: {} at {}", server.tier, server.host);
        return server;
    });

    private final String tier;
    private final boolean someoneElses;
    private final String host;
    private final String database;
    private final String user;
    private final String password;
    private final LocalPostgres local;

    private PostgresServer(String tier, boolean someoneElses, String host, String database, String user, String password,
            LocalPostgres local) {
        this.tier = tier;
        this.someoneElses = someoneElses;
        this.host = host;
        this.database = database;
        this.user = user;
        this.password = password;
        this.local = local;
    }

    /** The server of the tier {@code STATESTORE_TEST_SERVERS} asks for. */
    public static PostgresServer shared() {
        return shared(TestServers.requestedTier());
    }

    /** The server of the given tier, started on first use and kept for the JVM. */
    public static PostgresServer shared(Tier tier) {
        return shared.get(tier);
    }

    private static PostgresServer start(Tier tier) {
        Optional<String> url = TestServers.environment("STATESTORE_TEST_POSTGRES_URL");
        if (tier.takesUrlFromEnvironment() && url.isPresent()) {
            // Read with the SPI's URL parser, not the store's options: this kit must not depend on the store it tests.
            StoreUrl parsed = StoreUrl.parse(url.get());
            String database = parsed.path().startsWith("/") ? parsed.path().substring(1) : parsed.path();
            StoreUrl.Options options = parsed.options();
            String user = options.string("user").or(parsed::user).orElse(System.getProperty("user.name"));
            String password = options.string("password").or(parsed::password).orElse(null);
            return new PostgresServer("STATESTORE_TEST_POSTGRES_URL", true, parsed.authority().orElse("localhost"), database,
                    user, password, null);
        }
        if (tier.takesContainer()) {
            DockerImageName image = TestServers.image("STATESTORE_TEST_POSTGRES_IMAGE", "postgres:16-alpine");
            PostgreSQLContainer container = TestServers.start("PostgreSQL", new PostgreSQLContainer(image));
            return new PostgresServer("Testcontainers, image " + image + ", port 5432 mapped,", false,
                    container.getHost() + ":" + container.getMappedPort(5432), container.getDatabaseName(),
                    container.getUsername(), container.getPassword(), null);
        }
        Optional<java.nio.file.Path> bin = LocalPostgres.findBinaries();
        if (bin.isEmpty()) {
            throw new IllegalStateException("no PostgreSQL server for the tests: set STATESTORE_TEST_POSTGRES_URL "
                    + "(postgresql://user:pass@host:port/db), or run Docker, or install the server binaries "
                    + "(Debian: apt-get install postgresql) so that a private server can be started");
        }
        try {
            LocalPostgres server = LocalPostgres.start(bin.get());
            return new PostgresServer("private server from " + bin.get(), false, "127.0.0.1:" + server.port(), "postgres",
                    "postgres", LocalPostgres.PASSWORD, server);
        } catch (IOException e) {
            throw new IllegalStateException("could not start a private PostgreSQL server from " + bin.get(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }


    /** A store URL on this server with its own schema; short timeouts so outages show quickly. */
    public String storeUrl(String schema) {
        String credentials = user + (password == null || password.isEmpty() ? "" : ":" + encode(password)) + "@";
        return "postgresql://" + credentials + host + "/" + database + "?schema=" + schema
                + "&sslmode=disable&connectTimeout=3&statementTimeout=60&maxPoolSize=8";
    }

    private static String encode(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Whether the tests started this server themselves (it goes away with the JVM). */
    public boolean isPrivate() {
        return !someoneElses;
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + host + "/" + database + "?sslmode=disable", user,
                password == null ? "" : password);
    }

    /** A plain DataSource on this server (no pool), as an application might have one to hand over. */
    public javax.sql.DataSource dataSource() {
        org.postgresql.ds.PGSimpleDataSource dataSource = new org.postgresql.ds.PGSimpleDataSource();
        dataSource.setURL("jdbc:postgresql://" + host + "/" + database + "?sslmode=disable");
        dataSource.setUser(user);
        dataSource.setPassword(password == null ? "" : password);
        return dataSource;
    }

    public void dropSchema(String schema) {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("DROP SCHEMA IF EXISTS \"" + schema + "\" CASCADE");
        } catch (SQLException e) {
            throw new IllegalStateException("could not drop the test schema " + schema, e);
        }
    }

    /**
     * Takes the server away while {@code whileDown} runs, then brings it back: a restart of the private
     * server; elsewhere (a server the tests do not own), every connection of the store is cut instead.
     */
    public void outage(String applicationName, Runnable whileDown) throws Exception {
        if (local != null) {
            local.stop();
            try {
                whileDown.run();
            } finally {
                local.startAgain();
            }
        } else {
            try (Connection c = connect(); Statement s = c.createStatement()) {
                s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '"
                        + applicationName.replace("'", "''") + "'");
            }
            whileDown.run();
        }
    }

    /** Whether {@link #outage} stops the server itself (a private one) rather than cutting connections. */
    public boolean restartsForReal() {
        return local != null;
    }
}
