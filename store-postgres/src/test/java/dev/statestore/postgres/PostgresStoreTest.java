package dev.statestore.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.statestore.InvalidStoreUrlException;
import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.ScopeId;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.StateStoreException;
import dev.statestore.StateStoreUnavailableException;
import dev.statestore.StateStores;
import dev.statestore.Versioned;
import dev.statestore.testkit.postgres.PostgresFixture;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What only the PostgreSQL store does: its schema, its URL, its server going away. */
class PostgresStoreTest {

    private static final PostgresFixture FIXTURE = new PostgresFixture();

    private static ResourceState record(String fqn) {
        return ResourceState.fromJson("{\"kind\":\"resource\",\"fqn\":\"" + fqn + "\",\"status\":\"created\","
                + "\"props\":{\"z\":1,\"a\":1.10,\"big\":123456789012345678901234567890}}");
    }

    @Test
    @Timeout(120)
    void aServerOutageFailsFastAsUnavailableAndTheSameStoreRecovers() throws Exception {
        String url = FIXTURE.newStoreUrl() + "&applicationName=outage-test";
        try (StateStore store = StateStores.open(url)) {
            StateScope scope = store.scope("app", "prod");
            scope.create(record("Db"));
            List<Long> failureMillis = new ArrayList<>();

            FIXTURE.server().outage("outage-test", () -> {
                if (!FIXTURE.server().restartsForReal()) {
                    return;
                }
                for (int i = 0; i < 2; i++) {
                    long start = System.nanoTime();
                    assertThatThrownBy(() -> scope.get("Db")).isInstanceOf(StateStoreUnavailableException.class)
                            .satisfies(e -> assertThat(((StateStoreException) e).isRetryable()).isTrue());
                    failureMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                }
            });
            org.slf4j.LoggerFactory.getLogger(PostgresStoreTest.class).info(
                    "outage ({}): calls failed as unavailable after {} ms", FIXTURE.server().restartsForReal()
                            ? "server restarted" : "connections cut", failureMillis);
            // connectTimeout=3 in the fixture's URLs: a call fails within it, plus scheduling slack.
            assertThat(failureMillis).allSatisfy(ms -> assertThat(ms).isLessThan(8_000));

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            Versioned<ResourceState> back = null;
            while (back == null) {
                try {
                    back = scope.require("Db");
                } catch (StateStoreUnavailableException e) {
                    assertThat(System.nanoTime()).as("the store works again within 30 s").isLessThan(deadline);
                    Thread.sleep(200);
                }
            }
            assertThat(back.version()).isEqualTo(1);
            assertThat(scope.update(record("Db"), 1).version()).isEqualTo(2);
        }
    }

    @Test
    void documentsAreStoredAsTheExactText() throws Exception {
        String url = FIXTURE.newStoreUrl();
        try (StateStore store = StateStores.open(url)) {
            store.scope("app", "prod").create(record("Db"));
        }
        byte[] raw = FIXTURE.rawRecord(url, new ScopeId("app", "prod"), "Db").orElseThrow();
        assertThat(new String(raw, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo(record("Db").toJson());
    }

    @Test
    @Timeout(60)
    void manyProcessesOpeningANewSchemaAtOnceAllSucceed() throws Exception {
        String url = FIXTURE.newStoreUrl();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Boolean>> opens = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                opens.add(pool.submit(() -> {
                    go.await();
                    try (StateStore store = StateStores.open(url)) {
                        return store.stacks().isEmpty();
                    }
                }));
            }
            go.countDown();
            for (Future<Boolean> f : opens) {
                assertThat(f.get(50, TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aSchemaFromANewerReleaseIsRefused() throws Exception {
        String url = FIXTURE.newStoreUrl();
        StateStores.open(url).close();
        String schema = url.substring(url.indexOf("schema=") + 7, url.indexOf('&', url.indexOf("schema=")));
        try (Connection c = FIXTURE.server().connect(); Statement s = c.createStatement()) {
            s.execute("UPDATE \"" + schema + "\".schema_version SET version = 99");
        }
        assertThatThrownBy(() -> StateStores.open(url)).isInstanceOf(dev.statestore.StateStoreMisconfiguredException.class)
                .hasMessageContaining("newer release").hasMessageContaining("99");
    }

    private static String schemaOf(String url) {
        return url.substring(url.indexOf("schema=") + 7, url.indexOf('&', url.indexOf("schema=")));
    }

    private static String plan(Statement s, String sql) throws java.sql.SQLException {
        StringBuilder plan = new StringBuilder();
        try (var rs = s.executeQuery("EXPLAIN " + sql)) {
            while (rs.next()) {
                plan.append(rs.getString(1)).append('\n');
            }
        }
        return plan.toString();
    }

    @Test
    void pointLookupsUseTheKeyEvenBeforeStatisticsCatchUpWithALoad() throws Exception {
        String url = FIXTURE.newStoreUrl();
        StateStores.open(url).close();
        String documents = "\"" + schemaOf(url) + "\".documents";
        try (Connection c = FIXTURE.server().connect(); Statement s = c.createStatement()) {
            // Loaded and planned at once, before autovacuum analyzes the table: the planner weighs indexes blind.
            // Literal values plan as a connection's first executions of the store's statements do.
            for (String stack : List.of("app", "other")) {
                s.execute("INSERT INTO " + documents + " SELECT '" + stack + "', 'prod', 'r', 'r' || g, 1, 'created', "
                        + "'{}', now() FROM generate_series(1, 20000) g");
            }
            String key = " WHERE stack = 'app' AND stage = 'prod' AND kind = 'r' AND fqn = 'r777'";
            for (String sql : List.of(
                    "SELECT version, document, updated_at FROM " + documents + key + " AND document IS NOT NULL",
                    "UPDATE " + documents + " SET version = version + 1, status = 'updated', document = '{}', "
                            + "updated_at = clock_timestamp()" + key + " AND version = 1 AND document IS NOT NULL",
                    "UPDATE " + documents + " SET document = NULL, status = NULL, updated_at = clock_timestamp()"
                            + key + " AND document IS NOT NULL AND version = 1")) {
                assertThat(plan(s, sql)).as(sql).contains("documents_pkey").doesNotContain("by_status");
            }
            // The status index still serves listing by status (its predicate is implied), once the planner can see.
            s.execute("UPDATE " + documents + " SET status = 'creating'" + key);
            s.execute("ANALYZE " + documents);
            assertThat(plan(s, "SELECT fqn FROM " + documents + " WHERE stack = 'app' AND stage = 'prod' AND kind = 'r' "
                    + "AND document IS NOT NULL AND status IS NOT NULL AND status = ANY ('{creating}') ORDER BY fqn"))
                    .as("listing by status").contains("records_by_status");
        }
    }

    @Test
    void aSchemaOfVersionOneIsMigratedOnOpenAndKeepsItsRecords() throws Exception {
        String url = FIXTURE.newStoreUrl();
        String schema = "\"" + schemaOf(url) + "\"";
        try (StateStore store = StateStores.open(url)) {
            store.scope("app", "prod").create(record("Db"));
        }
        try (Connection c = FIXTURE.server().connect(); Statement s = c.createStatement()) {
            s.execute("DROP INDEX " + schema + ".records_by_status");
            s.execute("CREATE INDEX documents_by_status ON " + schema + ".documents (stack, stage, status, fqn) "
                    + "WHERE document IS NOT NULL AND kind = 'r'");
            s.execute("UPDATE " + schema + ".schema_version SET version = 1");
        }
        try (StateStore store = StateStores.open(url)) {
            assertThat(store.scope("app", "prod").require("Db").value().status()).isEqualTo(ResourceStatus.CREATED);
            assertThat(store.scope("app", "prod").listByStatus(java.util.Set.of(ResourceStatus.CREATED)))
                    .extracting(v -> v.value().fqn()).containsExactly("Db");
        }
        try (Connection c = FIXTURE.server().connect(); Statement s = c.createStatement();
                var rs = s.executeQuery("SELECT (SELECT max(version) FROM " + schema + ".schema_version), "
                        + "to_regclass('" + schema + ".documents_by_status') IS NULL, "
                        + "to_regclass('" + schema + ".records_by_status') IS NOT NULL")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(PostgresBackend.SCHEMA_VERSION);
            assertThat(rs.getBoolean(2)).as("version 1's index dropped").isTrue();
            assertThat(rs.getBoolean(3)).as("version 2's index made").isTrue();
        }
    }

    @Test
    void aLockOfSchemaVersionTwoStaysHeldByItsIdAndItsTokenGoesOn() throws Exception {
        String url = FIXTURE.newStoreUrl();
        String schema = "\"" + schemaOf(url) + "\"";
        try (StateStore store = StateStores.open(url)) {
            store.scope("app", "prod").create(record("Db"));
        }
        // What the release before deployments left: a held lease row, and no deployments.
        try (Connection c = FIXTURE.server().connect(); Statement s = c.createStatement()) {
            s.execute("DELETE FROM " + schema + ".control");
            s.execute("INSERT INTO " + schema + ".locks VALUES ('app', 'prod', 'old-id', 'old-ci', 41, "
                    + "clock_timestamp() - interval '10 seconds', clock_timestamp() + interval '5 minutes')");
        }
        try (StateStore store = StateStores.open(url)) {
            var scope = store.scope("app", "prod");
            assertThat(scope.lockInfo().map(dev.statestore.LockInfo::fencingToken)).contains(41L);
            assertThatThrownBy(() -> scope.acquireLock("new-ci", java.time.Duration.ofMinutes(1)))
                    .isInstanceOf(dev.statestore.LockConflictException.class);
            scope.renewLock("old-id", java.time.Duration.ofMinutes(5));
            scope.releaseLock("old-id");
            assertThat(scope.acquireLock("new-ci", java.time.Duration.ofMinutes(1)).fencingToken()).isEqualTo(42);
        }
    }

    @Test
    void jdbcUrlsWorkToo() {
        String url = "jdbc:" + FIXTURE.newStoreUrl();
        try (StateStore store = StateStores.open(url)) {
            store.scope("a", "b").create(record("X"));
            assertThat(store.stacks()).containsExactly("a");
        }
    }

    @Test
    void badOptionsAreNamedTogetherAndThePasswordNever() {
        assertThatThrownBy(() -> StateStores.open(
                "postgresql://deploy:hunter2@localhost:1/db?schema=Bad-Name&sslmode=sometimes&maxPoolSize=0&bogus=1"))
                .isInstanceOf(InvalidStoreUrlException.class)
                .hasMessageContaining("'schema'").hasMessageContaining("'sslmode'")
                .hasMessageContaining("'maxPoolSize'").hasMessageContaining("bogus")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> StateStores.open("postgresql://localhost")).isInstanceOf(InvalidStoreUrlException.class)
                .hasMessageContaining("database");
    }

    @Test
    @Timeout(60)
    void aWrongPasswordIsAnAuthenticationFailureNotAnOutage() {
        String url = FIXTURE.newStoreUrl();
        int at = url.indexOf('@');
        int colon = url.lastIndexOf(':', at);
        assertThat(colon).as("the test server's URL carries a password: " + url.replaceAll(":[^:@/]*@", ":***@"))
                .isGreaterThan("postgresql://".length());
        String wrong = url.substring(0, colon + 1) + "not-the-password-hunter2" + url.substring(at);
        assertThatThrownBy(() -> StateStores.open(wrong))
                .isInstanceOf(dev.statestore.StateStoreAuthenticationException.class)
                .hasMessageContaining("password").hasMessageNotContaining("hunter2")
                .satisfies(e -> assertThat(((StateStoreException) e).isRetryable()).isFalse());
    }

    @Test
    @Timeout(60)
    void aUserWithoutPrivilegesIsDeniedNotAnOutage() throws Exception {
        String url = FIXTURE.newStoreUrl();
        String role = "statestore_limited_" + Long.toHexString(System.nanoTime());
        try (Connection c = FIXTURE.server().connect(); Statement s = c.createStatement()) {
            s.execute("CREATE ROLE " + role + " LOGIN PASSWORD 'pw-" + role + "'");
        }
        try {
            // It may connect (every role may, by default) but not create the store's schema in the database.
            String limited = url.replaceFirst("//[^@/]*@", "//" + role + ":pw-" + role + "@");
            assertThatThrownBy(() -> StateStores.open(limited)).isInstanceOf(dev.statestore.StateStoreAccessDeniedException.class)
                    .hasMessageContaining("42501").hasMessageContaining("CREATE")
                    .satisfies(e -> assertThat(((StateStoreException) e).isRetryable()).isFalse());
        } finally {
            try (Connection c = FIXTURE.server().connect(); Statement s = c.createStatement()) {
                s.execute("DROP ROLE " + role);
            }
        }
    }

    @Test
    @Timeout(60)
    void aStoreOnTheApplicationsOwnDataSourceNeverClosesIt() throws Exception {
        String url = FIXTURE.newStoreUrl();
        String schema = url.substring(url.indexOf("schema=") + 7, url.indexOf('&', url.indexOf("schema=")));
        try (com.zaxxer.hikari.HikariDataSource application = new com.zaxxer.hikari.HikariDataSource()) {
            application.setDataSource(FIXTURE.server().dataSource());
            application.setMaximumPoolSize(2);
            try (StateStore store = PostgresStores.open(application, schema)) {
                store.scope("app", "prod").create(record("Bucket"));
                assertThat(store.describe()).contains("the application's DataSource").contains(schema);
            }
            assertThat(application.isClosed()).as("closing the store leaves the application's pool open").isFalse();
            try (Connection c = application.getConnection()) {
                assertThat(c.isValid(5)).isTrue();
            }
            // The same schema through a URL: the same records.
            try (StateStore byUrl = StateStores.open(url)) {
                assertThat(byUrl.scope("app", "prod").require("Bucket").version()).isEqualTo(1);
            }
            assertThatThrownBy(() -> PostgresStores.open(application, "Bad-Name"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lower-case");
        }
    }

    @Test
    void aMalformedHostOrAMissingDatabaseIsABadUrlNotAnOutage() {
        for (String url : List.of("postgresql://host:abc/db", "postgresql://host:99999/db", "postgresql://host:0/db",
                "postgresql://a,b:x/db", "postgresql://bad host/db")) {
            assertThatThrownBy(() -> StateStores.open(url + "?connectTimeout=1")).as(url)
                    .isInstanceOf(InvalidStoreUrlException.class).hasMessageContaining("'host'");
        }
        String url = FIXTURE.newStoreUrl();
        String noSuchDatabase = url.replaceFirst("(@[^/]+/)[^?]+\\?", "$1no_such_database_" + System.nanoTime() + "?");
        assertThat(noSuchDatabase).isNotEqualTo(url);
        assertThatThrownBy(() -> StateStores.open(noSuchDatabase)).isInstanceOf(InvalidStoreUrlException.class)
                .hasMessageContaining("does not exist");
    }

    @Test
    @Timeout(120)
    void aHundredThousandRecordsStreamInOrder() throws Exception {
        String url = FIXTURE.newStoreUrl();
        try (StateStore store = StateStores.open(url)) {
            store.scope("big", "prod").create(record("seed"));
            String schema = url.substring(url.indexOf("schema=") + 7, url.indexOf('&', url.indexOf("schema=")));
            try (Connection c = FIXTURE.server().connect(); PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO \"" + schema + "\".documents (stack, stage, kind, fqn, version, status, document, updated_at) "
                            + "SELECT 'big', 'prod', 'r', 'r/' || lpad(i::text, 6, '0'), 1, 'created', "
                            + "'{\"fqn\":\"r/' || lpad(i::text, 6, '0') || '\",\"status\":\"created\"}', now() "
                            + "FROM generate_series(1, 100000) AS i")) {
                ps.executeUpdate();
            }
            AtomicLong count = new AtomicLong();
            String[] last = {""};
            store.scope("big", "prod").stream().forEach(v -> {
                assertThat(v.value().fqn().compareTo(last[0])).isPositive();
                last[0] = v.value().fqn();
                count.incrementAndGet();
            });
            assertThat(count.get()).isEqualTo(100_001);
            assertThat(store.scope("big", "prod").listByStatus(java.util.EnumSet.of(ResourceStatus.CREATING))).isEmpty();
        }
    }

    @Test
    void locksUseTheServersClockAndSurviveReopen() {
        String url = FIXTURE.newStoreUrl();
        try (StateStore store = StateStores.open(url)) {
            var lease = store.scope("app", "prod").acquireLock("ci", Duration.ofMinutes(1));
            assertThat(lease.info().expiresAt()).isAfter(lease.info().acquiredAt());
        }
        try (StateStore store = StateStores.open(url)) {
            assertThat(store.scope("app", "prod").lockInfo()).isPresent();
        }
    }
}
