package dev.statestore.postgres;

import dev.statestore.bench.BenchmarkRun;
import dev.statestore.bench.RawClient;
import dev.statestore.testkit.postgres.PostgresFixture;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.Map;

/**
 * Not a test: the benchmark's workloads on the tests' PostgreSQL server (see {@code benchmarks/run.sh}), the
 * store next to plain JDBC on one connection making the statements a hand-written store would: one
 * conditional statement per operation, in the store's own table, on rows of a stack of its own.
 */
public final class PostgresBenchmark {

    public static void main(String[] args) throws Exception {
        PostgresFixture fixture = new PostgresFixture();
        String url = fixture.newStoreUrl();
        String schema = url.substring(url.indexOf("schema=") + 7, url.indexOf('&', url.indexOf("schema=")));
        String table = "\"" + schema + "\".documents";
        // The store creates its table on open; the raw client works beside it once it exists.
        try (var created = dev.statestore.StateStores.open(url)) {
            created.stacks();
        }
        Connection c = fixture.server().connect();
        String where = " WHERE stack = 'raw' AND stage = 'prod' AND kind = 'r' AND fqn = ?";
        PreparedStatement get = c.prepareStatement("SELECT version, document, updated_at FROM " + table + where
                + " AND document IS NOT NULL");
        PreparedStatement insert = c.prepareStatement("INSERT INTO " + table + " (stack, stage, kind, fqn, version, status, "
                + "document, updated_at) VALUES ('raw', 'prod', 'r', ?, 1, 'creating', ?, clock_timestamp()) "
                + "ON CONFLICT DO NOTHING");
        PreparedStatement update = c.prepareStatement("UPDATE " + table + " SET version = version + 1, status = 'created', "
                + "document = ?, updated_at = clock_timestamp()" + where + " AND version = ? RETURNING version");
        PreparedStatement delete = c.prepareStatement("DELETE FROM " + table + where + " AND version = ?");
        Map<String, Long> versions = new HashMap<>();
        BenchmarkRun.run("postgresql", url, new RawClient() {
            @Override
            public String describe(String operation) {
                return switch (operation) {
                    case "get" -> "JDBC SELECT by key";
                    case "create" -> "JDBC INSERT ... ON CONFLICT DO NOTHING";
                    case "update" -> "JDBC UPDATE ... WHERE version = ?";
                    default -> "JDBC DELETE ... WHERE version = ?";
                };
            }

            @Override
            public void get(String key) throws Exception {
                get.setString(1, key);
                try (ResultSet rs = get.executeQuery()) {
                    rs.next();
                    rs.getString(2);
                    rs.getObject(3, java.time.OffsetDateTime.class);
                }
            }

            @Override
            public void create(String key, String json) throws Exception {
                insert.setString(1, key);
                insert.setString(2, json);
                if (insert.executeUpdate() != 1) {
                    throw new IllegalStateException("exists: " + key);
                }
                versions.put(key, 1L);
            }

            @Override
            public void update(String key, String json) throws Exception {
                update.setString(1, json);
                update.setString(2, key);
                update.setLong(3, versions.get(key));
                try (ResultSet rs = update.executeQuery()) {
                    rs.next();
                    versions.put(key, rs.getLong(1));
                }
            }

            @Override
            public void delete(String key) throws Exception {
                delete.setString(1, key);
                delete.setLong(2, versions.remove(key));
                delete.executeUpdate();
            }

            @Override
            public void close() throws Exception {
                c.close();
            }
        }, args);
        System.exit(0);
    }
}
