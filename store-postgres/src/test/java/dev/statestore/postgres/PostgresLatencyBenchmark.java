package dev.statestore.postgres;

import dev.statestore.ResourceState;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.StateStores;
import dev.statestore.Versioned;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Arrays;

/**
 * Not a test: prints the median latency of {@code get} and of a conditional {@code update} through the
 * store, next to the same statements made with plain JDBC on one connection, on the tests' server.
 *
 * <pre>
 * mvn -q -pl store-postgres -am test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp "store-postgres/target/test-classes:store-postgres/target/classes:$(cat store-postgres/target/cp.txt)" \
 *     dev.statestore.postgres.PostgresLatencyBenchmark [iterations]
 * </pre>
 */
public final class PostgresLatencyBenchmark {

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        PostgresFixture fixture = new PostgresFixture();
        String url = fixture.newStoreUrl();
        String schema = url.substring(url.indexOf("schema=") + 7, url.indexOf('&', url.indexOf("schema=")));
        String doc = "{\"kind\":\"resource\",\"fqn\":\"Bench\",\"status\":\"created\",\"props\":{\"size\":\"" + "x".repeat(500) + "\"}}";
        ResourceState record = ResourceState.fromJson(doc);
        try (StateStore store = StateStores.open(url); Connection raw = fixture.server().connect()) {
            StateScope scope = store.scope("bench", "prod");
            scope.create(record);
            String table = "\"" + schema + "\".documents";
            PreparedStatement get = raw.prepareStatement("SELECT version, document, updated_at FROM " + table
                    + " WHERE stack = ? AND stage = ? AND kind = ? AND fqn = ? AND document IS NOT NULL");
            PreparedStatement update = raw.prepareStatement("UPDATE " + table + " SET version = version + 1, status = ?, "
                    + "document = ?, updated_at = clock_timestamp() WHERE stack = ? AND stage = ? AND kind = ? AND fqn = ? "
                    + "AND version = ? AND document IS NOT NULL RETURNING version, updated_at");
            for (int round = 0; round < 2; round++) { // the first round warms up the JIT and the pool
                long[] storeGet = new long[n];
                long[] storeUpdate = new long[n];
                long[] rawGet = new long[n];
                long[] rawUpdate = new long[n];
                for (int i = 0; i < n; i++) {
                    long t0 = System.nanoTime();
                    Versioned<ResourceState> v = scope.require("Bench");
                    long t1 = System.nanoTime();
                    scope.update(record, v.version());
                    long t2 = System.nanoTime();
                    storeGet[i] = t1 - t0;
                    storeUpdate[i] = t2 - t1;

                    t0 = System.nanoTime();
                    bind(get, 1, "bench", "prod", "r", "Bench");
                    long version;
                    try (ResultSet rs = get.executeQuery()) {
                        rs.next();
                        version = rs.getLong(1);
                        rs.getString(2);
                        rs.getObject(3, java.time.OffsetDateTime.class);
                    }
                    t1 = System.nanoTime();
                    update.setString(1, "created");
                    update.setString(2, doc);
                    bind(update, 3, "bench", "prod", "r", "Bench");
                    update.setLong(7, version);
                    try (ResultSet rs = update.executeQuery()) {
                        rs.next();
                    }
                    t2 = System.nanoTime();
                    rawGet[i] = t1 - t0;
                    rawUpdate[i] = t2 - t1;
                }
                if (round == 1) {
                    System.out.printf("server: %s, %d iterations%n", fixture.server().tier(), n);
                    System.out.printf("get                 store %7.3f ms   plain JDBC %7.3f ms   ratio %.2f%n",
                            median(storeGet), median(rawGet), median(storeGet) / median(rawGet));
                    System.out.printf("conditional update  store %7.3f ms   plain JDBC %7.3f ms   ratio %.2f%n",
                            median(storeUpdate), median(rawUpdate), median(storeUpdate) / median(rawUpdate));
                }
            }
        }
        System.exit(0);
    }

    private static void bind(PreparedStatement ps, int at, String... values) throws java.sql.SQLException {
        for (int i = 0; i < values.length; i++) {
            ps.setString(at + i, values[i]);
        }
    }

    private static double median(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2] / 1e6;
    }
}
