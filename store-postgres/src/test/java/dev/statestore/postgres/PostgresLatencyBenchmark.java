package dev.statestore.postgres;

import dev.statestore.StateStore;
import dev.statestore.StateStores;
import dev.statestore.conformance.LatencyComparison;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Not a test: the store's {@code get} and conditional {@code update} next to the same statements made with
 * plain JDBC on one connection, on the tests' server.
 *
 * <pre>
 * mvn -q -pl store-postgres -am test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp "store-postgres/target/test-classes:store-postgres/target/classes:$(cat store-postgres/target/cp.txt)" \
 *     dev.statestore.postgres.PostgresLatencyBenchmark [iterations]
 * </pre>
 */
public final class PostgresLatencyBenchmark {

    public static void main(String[] args) throws SQLException {
        PostgresFixture fixture = new PostgresFixture();
        String url = fixture.newStoreUrl();
        String schema = url.substring(url.indexOf("schema=") + 7, url.indexOf('&', url.indexOf("schema=")));
        try (StateStore store = StateStores.open(url); Connection raw = fixture.server().connect()) {
            String table = "\"" + schema + "\".documents";
            PreparedStatement get = raw.prepareStatement("SELECT version, document, updated_at FROM " + table
                    + " WHERE stack = 'plain' AND stage = 'prod' AND kind = 'r' AND fqn = 'Bench' AND document IS NOT NULL");
            PreparedStatement insert = raw.prepareStatement("INSERT INTO " + table + " (stack, stage, kind, fqn, version, "
                    + "status, document, updated_at) VALUES ('plain', 'prod', 'r', 'Bench', 0, 'created', ?, now())");
            insert.setString(1, LatencyComparison.DOCUMENT);
            insert.executeUpdate();
            PreparedStatement update = raw.prepareStatement("UPDATE " + table + " SET version = version + 1, status = ?, "
                    + "document = ?, updated_at = clock_timestamp() WHERE stack = 'plain' AND stage = 'prod' AND kind = 'r' "
                    + "AND fqn = 'Bench' AND version = ? AND document IS NOT NULL RETURNING version, updated_at");
            long[] version = {0};
            LatencyComparison.run(fixture.server().tier(), args.length > 0 ? Integer.parseInt(args[0]) : 5000,
                    store.scope("bench", "prod"), "JDBC SELECT", () -> sql(() -> {
                        try (ResultSet rs = get.executeQuery()) {
                            rs.next();
                            rs.getString(2);
                            rs.getObject(3, java.time.OffsetDateTime.class);
                        }
                    }), "JDBC UPDATE ... version = ?", () -> sql(() -> {
                        update.setString(1, "created");
                        update.setString(2, LatencyComparison.DOCUMENT);
                        update.setLong(3, version[0]);
                        try (ResultSet rs = update.executeQuery()) {
                            rs.next();
                            version[0] = rs.getLong(1);
                        }
                    }));
        }
        System.exit(0);
    }

    private interface Sql {
        void run() throws SQLException;
    }

    private static void sql(Sql work) {
        try {
            work.run();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
