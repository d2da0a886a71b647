package dev.statestore.testkit.postgres;

import dev.statestore.ScopeId;
import dev.statestore.conformance.ConformanceFixture;
import dev.statestore.testkit.TestServers;
import dev.statestore.testkit.TestServers.Tier;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;

/** A schema of its own per store URL, on the shared server; the schemas are dropped when the JVM ends. */
public final class PostgresFixture implements ConformanceFixture {

    private final PostgresServer server;
    private final List<String> schemas = new CopyOnWriteArrayList<>();

    /** On the server of the tier {@code STATESTORE_TEST_SERVERS} asks for. */
    public PostgresFixture() {
        this(TestServers.requestedTier());
    }

    /** On the server of the given tier. */
    public PostgresFixture(Tier tier) {
        server = PostgresServer.shared(tier);
        // A private server is deleted whole when the JVM ends (by a hook that may already be stopping it):
        // only on someone's server do the schemas need dropping.
        if (!server.isPrivate()) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> schemas.forEach(server::dropSchema), "drop test schemas"));
        }
    }

    /** The server this fixture's schemas live on. */
    public PostgresServer server() {
        return server;
    }

    @Override
    public String newStoreUrl() {
        String schema = "statestore_test_" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36);
        schemas.add(schema);
        return server.storeUrl(schema);
    }

    /** Port 1 of loopback, where nothing listens, with the secret as the password. */
    @Override
    public Optional<String> unreachableStoreUrl(String secret) {
        return Optional.of("postgresql://deploy:" + secret + "@127.0.0.1:1/db?connectTimeout=2");
    }

    private static String schemaOf(String storeUrl) {
        int at = storeUrl.indexOf("schema=") + "schema=".length();
        int end = storeUrl.indexOf('&', at);
        return storeUrl.substring(at, end < 0 ? storeUrl.length() : end);
    }

    @Override
    public Optional<byte[]> rawRecord(String storeUrl, ScopeId scope, String fqn) {
        try (Connection c = server.connect(); PreparedStatement ps = c.prepareStatement("SELECT document FROM \""
                + schemaOf(storeUrl) + "\".documents WHERE stack = ? AND stage = ? AND kind = 'r' AND fqn = ? "
                + "AND document IS NOT NULL")) {
            ps.setString(1, scope.stack());
            ps.setString(2, scope.stage());
            ps.setString(3, fqn);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getString(1).getBytes(StandardCharsets.UTF_8)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void writeRawRecord(String storeUrl, ScopeId scope, String fqn, byte[] bytes) {
        try (Connection c = server.connect(); PreparedStatement ps = c.prepareStatement("UPDATE \""
                + schemaOf(storeUrl) + "\".documents SET document = ? WHERE stack = ? AND stage = ? AND kind = 'r' "
                + "AND fqn = ? AND document IS NOT NULL")) {
            ps.setString(1, new String(bytes, StandardCharsets.UTF_8));
            ps.setString(2, scope.stack());
            ps.setString(3, scope.stage());
            ps.setString(4, fqn);
            if (ps.executeUpdate() != 1) {
                throw new IllegalStateException("no record '" + fqn + "' to overwrite in " + scope);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Leases are timed on the server's clock. */
    @Override
    public dev.statestore.StoreLimits.LeaseClock leaseClock() {
        return dev.statestore.StoreLimits.LeaseClock.STORE;
    }
}
