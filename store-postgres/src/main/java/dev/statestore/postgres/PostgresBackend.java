package dev.statestore.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;
import com.zaxxer.hikari.pool.HikariPool;
import dev.statestore.StateStoreBackendException;
import dev.statestore.StateStoreAccessDeniedException;
import dev.statestore.StateStoreMisconfiguredException;
import dev.statestore.InvalidStoreUrlException;
import dev.statestore.Page;
import dev.statestore.ScopeId;
import dev.statestore.StoreLimits;
import dev.statestore.StateConflictException;
import dev.statestore.StateWriteFencedException;
import dev.statestore.StateStoreAuthenticationException;
import dev.statestore.StateStoreUnavailableException;
import dev.statestore.spi.ChangeSummary;
import dev.statestore.spi.ControlDocument;
import dev.statestore.spi.ControlStore;
import dev.statestore.spi.DocumentToWrite;
import dev.statestore.spi.LockState;
import dev.statestore.spi.StateKey;
import dev.statestore.spi.StoreBackend;
import dev.statestore.spi.StoredChange;
import dev.statestore.spi.StoredDocument;
import dev.statestore.spi.WriteCondition;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The PostgreSQL backend: one row per document, a version column compared in the statement that
 * writes, and deployments (with the deploy lock) as rows of control documents.
 *
 * <pre>
 * SCHEMA.documents (stack, stage, kind 'r'|'o', fqn, version, status, document, updated_at)
 *     PRIMARY KEY (stack, stage, kind, fqn); a row whose document is NULL is a tombstone
 *     INDEX records_by_status (stack, stage, status, fqn) WHERE kind = 'r' AND status IS NOT NULL
 * SCHEMA.control   (stack, stage, name, document, version) PRIMARY KEY (stack, stage, name): deployments
 * SCHEMA.history  (stack, stage, kind, fqn, seq, version, deployment, document, at) PRIMARY KEY (stack, stage,
 *     kind, fqn, seq): the change log, one row per write (seq 2 * version) or deletion (2 * version + 1), inserted
 *     by the same statement as the write (a data-modifying CTE)
 * SCHEMA.locks     (stack, stage, lock_id, owner, fencing_token, acquired_at, expires_at): the deploy lock of
 *     schema version 2, read once per scope to turn it into a deployment
 * SCHEMA.schema_version (version)
 * </pre>
 *
 * <p>The document is {@code text}, not {@code jsonb}, so it comes back byte for byte (jsonb reorders
 * keys and normalizes numbers). Names are {@code COLLATE "C"}, so {@code ORDER BY} is code point order.
 * Every conditional write is one statement ({@code INSERT … ON CONFLICT … WHERE}, {@code UPDATE … WHERE
 * version = ?}); PostgreSQL re-checks the {@code WHERE} of a row another transaction just changed, so
 * two racing writers cannot both win. Times come from the server's clock, for every client alike.
 */
final class PostgresBackend implements StoreBackend {

    static final int SCHEMA_VERSION = 4;
    private static final String RECORD = "r";
    private static final String OUTPUT = "o";

    /** Where the state is, for messages: the URL without its password, or what the application said. */
    private final String where;
    private final String schema;
    private final DataSource pool;
    /** The pool this backend made and closes; null when the application owns it. */
    private final AutoCloseable ownPool;
    private final String documents;
    private final String locks;
    private final String controlTable;
    private final String historyTable;

    private PostgresBackend(String where, String schema, DataSource pool, AutoCloseable ownPool) {
        this.where = where;
        this.schema = schema;
        this.pool = pool;
        this.ownPool = ownPool;
        this.documents = quote(schema) + ".documents";
        this.locks = quote(schema) + ".locks";
        this.controlTable = quote(schema) + ".control";
        this.historyTable = quote(schema) + ".history";
    }

    /** A backend on the application's own DataSource: its pool, credentials and timeouts; never closed here. */
    static PostgresBackend onDataSource(DataSource dataSource, String schema) {
        PostgresBackend backend = new PostgresBackend("postgresql (the application's DataSource)?schema=" + schema, schema,
                dataSource, null);
        backend.createSchema();
        return backend;
    }

    static PostgresBackend open(PostgresOptions options) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(options.jdbcUrl());
        config.setUsername(options.user());
        config.setPassword(options.password());
        config.setPoolName("statestore-" + options.schema());
        config.setMaximumPoolSize(options.maxPoolSize());
        config.setMinimumIdle(Math.min(2, options.maxPoolSize()));
        config.setConnectionTimeout(options.connectTimeout().toMillis());
        config.setValidationTimeout(Math.min(5000, options.connectTimeout().toMillis()));
        config.addDataSourceProperty("sslmode", options.sslMode());
        config.addDataSourceProperty("connectTimeout", Long.toString(options.connectTimeout().toSeconds()));
        config.addDataSourceProperty("loginTimeout", Long.toString(options.connectTimeout().toSeconds()));
        // The socket gives up a little after the server would have cancelled the statement.
        config.addDataSourceProperty("socketTimeout", Long.toString(options.statementTimeout().toSeconds() + 15));
        config.addDataSourceProperty("tcpKeepAlive", "true");
        config.addDataSourceProperty("ApplicationName", options.applicationName());
        config.addDataSourceProperty("options", "-c statement_timeout=" + options.statementTimeout().toMillis());
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (HikariPool.PoolInitializationException e) {
            String message = "cannot connect to " + options.describe() + ": "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
            if (e.getCause() instanceof SQLException sql && isAuthentication(sql)) {
                throw new StateStoreAuthenticationException(message + " (check the URL's user and password, or "
                        + "PGUSER and PGPASSWORD)", e);
            }
            if (e.getCause() instanceof SQLException sql && "3D000".equals(sql.getSQLState())) {
                // No such database: the URL names the wrong one, retrying will not create it.
                throw new InvalidStoreUrlException(message + " (the URL's path names the database)");
            }
            throw new StateStoreUnavailableException(message, e);
        } catch (RuntimeException e) {
            // HikariCP or the driver refusing the URL it was built from (a malformed host): a bad URL, not an outage.
            throw new InvalidStoreUrlException("cannot use " + options.describe() + ": the PostgreSQL driver refuses it ("
                    + e.getMessage() + ")");
        }
        PostgresBackend backend = new PostgresBackend(options.describe(), options.schema(), pool, pool);
        try {
            backend.createSchema();
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
        return backend;
    }

    private static String quote(String identifier) {
        return "\"" + identifier + "\"";
    }

    /** Creates the schema once, idempotently; the advisory lock makes two processes opening at once take turns. */
    private void createSchema() {
        String schema = quote(this.schema);
        run("create the schema " + schema, c -> {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                    lock.setLong(1, ("dev.statestore:" + schema).hashCode() * 31L + 0x5747L);
                    lock.execute();
                }
                s.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
                s.execute("CREATE TABLE IF NOT EXISTS " + schema + ".schema_version (version integer NOT NULL)");
                s.execute("CREATE TABLE IF NOT EXISTS " + documents + " ("
                        + "stack text COLLATE \"C\" NOT NULL, stage text COLLATE \"C\" NOT NULL, "
                        + "kind char(1) NOT NULL, fqn text COLLATE \"C\" NOT NULL, version bigint NOT NULL, "
                        + "status text, document text, updated_at timestamptz NOT NULL, "
                        + "PRIMARY KEY (stack, stage, kind, fqn))");
                s.execute("CREATE TABLE IF NOT EXISTS " + locks + " ("
                        + "stack text COLLATE \"C\" NOT NULL, stage text COLLATE \"C\" NOT NULL, lock_id text, "
                        + "owner text NOT NULL, fencing_token bigint NOT NULL, acquired_at timestamptz NOT NULL, "
                        + "expires_at timestamptz NOT NULL, PRIMARY KEY (stack, stage))");
                s.execute("CREATE TABLE IF NOT EXISTS " + controlTable + " ("
                        + "stack text COLLATE \"C\" NOT NULL, stage text COLLATE \"C\" NOT NULL, "
                        + "name text COLLATE \"C\" NOT NULL, document text NOT NULL, version bigint NOT NULL, "
                        + "PRIMARY KEY (stack, stage, name))");
                s.execute("CREATE TABLE IF NOT EXISTS " + historyTable + " ("
                        + "stack text COLLATE \"C\" NOT NULL, stage text COLLATE \"C\" NOT NULL, kind char(1) NOT NULL, "
                        + "fqn text COLLATE \"C\" NOT NULL, seq bigint NOT NULL, version bigint NOT NULL, "
                        + "deployment bigint NOT NULL, document text, at timestamptz NOT NULL, "
                        + "PRIMARY KEY (stack, stage, kind, fqn, seq))");
                int found;
                try (ResultSet rs = s.executeQuery("SELECT max(version) FROM " + schema + ".schema_version")) {
                    rs.next();
                    found = rs.getInt(1); // 0 for a new schema
                }
                if (found > SCHEMA_VERSION) {
                    throw new StateStoreMisconfiguredException("the schema " + schema + " was made by a newer release "
                            + "(schema version " + found + "); this one knows version " + SCHEMA_VERSION);
                }
                if (found < 2) {
                    // Version 1's status index had the predicate "document IS NOT NULL AND kind = 'r'", which every
                    // point lookup of a record states too: planned with its values known (a connection's first
                    // executions) and before statistics caught up with a load, get and update walked that index
                    // across the whole scope. Version 2's predicate names the status, which point lookups never do.
                    s.execute("DROP INDEX IF EXISTS " + schema + ".documents_by_status");
                    s.execute("CREATE INDEX IF NOT EXISTS records_by_status ON " + documents
                            + " (stack, stage, status, fqn) WHERE kind = 'r' AND status IS NOT NULL");
                }
                // Version 3 adds the control table (above); an older release must not open it and lock by the old row.
                // Version 4 adds the history: an older release would write without recording.
                if (found < SCHEMA_VERSION) {
                    s.execute(found == 0 ? "INSERT INTO " + schema + ".schema_version VALUES (" + SCHEMA_VERSION + ")"
                            : "UPDATE " + schema + ".schema_version SET version = " + SCHEMA_VERSION);
                }
                c.commit();
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
            return null;
        });
    }

    @Override
    public String describe() {
        return where;
    }

    // ---- scopes ---------------------------------------------------------------------------------

    @Override
    public List<String> stacks() {
        return run("list stacks", c -> strings(c, "SELECT DISTINCT stack FROM " + documents
                + " WHERE document IS NOT NULL ORDER BY stack"));
    }

    @Override
    public List<String> stages(String stack) {
        return run("list stages", c -> strings(c, "SELECT DISTINCT stage FROM " + documents
                + " WHERE stack = ? AND document IS NOT NULL ORDER BY stage", stack));
    }

    private static List<String> strings(Connection c, String sql, String... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setString(i + 1, args[i]);
            }
            List<String> result = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(rs.getString(1));
                }
            }
            return result;
        }
    }

    // ---- documents ------------------------------------------------------------------------------

    private static String kind(StateKey key) {
        return key instanceof StateKey.Record ? RECORD : OUTPUT;
    }

    private static String fqn(StateKey key) {
        return key instanceof StateKey.Record r ? r.fqn() : "";
    }

    private String location(ScopeId scope, StateKey key) {
        return where + " documents row (" + scope.stack() + ", " + scope.stage() + ", "
                + kind(key) + ", " + (key instanceof StateKey.Record r ? r.fqn() : "''") + ")";
    }

    private int bindKey(PreparedStatement ps, int at, ScopeId scope, StateKey key) throws SQLException {
        ps.setString(at, scope.stack());
        ps.setString(at + 1, scope.stage());
        ps.setString(at + 2, kind(key));
        ps.setString(at + 3, fqn(key));
        return at + 4;
    }

    @Override
    public Optional<StoredDocument> read(ScopeId scope, StateKey key) {
        return run("read " + key.describe(), c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT version, document, " + UPDATED_MICROS + " FROM " + documents
                    + " WHERE stack = ? AND stage = ? AND kind = ? AND fqn = ? AND document IS NOT NULL")) {
                bindKey(ps, 1, scope, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.empty();
                    }
                    return Optional.of(new StoredDocument(key, rs.getString(2), rs.getLong(1), instant(rs, 3),
                            location(scope, key)));
                }
            }
        });
    }

    @Override
    public StoredDocument write(ScopeId scope, WriteCondition condition, DocumentToWrite document) {
        StateKey key = document.key();
        String sql;
        // A row, once written, stays (a deletion empties it): the last version is the row's, or 0 for no row.
        boolean inserts = condition.requiresLastVersion() ? condition.lastVersion() == 0
                : condition.isUnconditional() || condition.requiresAbsent();
        if (inserts) {
            sql = "INSERT INTO " + documents + " AS d (stack, stage, kind, fqn, version, status, document, updated_at) "
                    + "VALUES (?, ?, ?, ?, 1, ?, ?, clock_timestamp()) ON CONFLICT (stack, stage, kind, fqn) "
                    + (condition.requiresLastVersion() ? "DO NOTHING" : "DO UPDATE SET version = d.version + 1, "
                    + "status = EXCLUDED.status, document = EXCLUDED.document, updated_at = EXCLUDED.updated_at"
                    + (condition.requiresAbsent() ? " WHERE d.document IS NULL" : ""));
        } else {
            sql = "UPDATE " + documents + " SET version = version + 1, status = ?, document = ?, "
                    + "updated_at = clock_timestamp() WHERE stack = ? AND stage = ? AND kind = ? AND fqn = ? "
                    + "AND version = ?" + (condition.requiresAbsent() ? " AND document IS NULL"
                    : condition.isUnconditional() ? "" : " AND document IS NOT NULL");
        }
        String statement = condition.recorded() ? recording(sql, false) : sql + " RETURNING version, " + UPDATED_MICROS;
        return runFenced(scope, condition, "write " + key.describe(), c -> {
            try (PreparedStatement ps = c.prepareStatement(statement)) {
                int next;
                if (inserts) {
                    int at = bindKey(ps, 1, scope, key);
                    ps.setString(at, document.status());
                    ps.setString(at + 1, document.json());
                    next = at + 2;
                } else {
                    ps.setString(1, document.status());
                    ps.setString(2, document.json());
                    int at = bindKey(ps, 3, scope, key);
                    ps.setLong(at, condition.requiresLastVersion() ? condition.lastVersion() : condition.expectedVersion());
                    next = at + 1;
                }
                if (condition.recorded()) {
                    bindChange(ps, next, scope, key, condition, document.json());
                }
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return new StoredDocument(key, document.json(), rs.getLong(1), instant(rs, 2), location(scope, key));
                    }
                }
            }
            throw conflict(c, scope, key, condition);
        });
    }

    /**
     * The write or delete {@code statement} with its change inserted into the history by the same statement (a
     * data-modifying CTE), returning the version and the time: one atomic step, one round trip. The change's
     * parameters follow the statement's ({@link #bindChange}).
     */
    private String recording(String statement, boolean deletion) {
        return "WITH w AS (" + statement + " RETURNING version, updated_at), h AS (INSERT INTO " + historyTable
                + " (stack, stage, kind, fqn, seq, version, deployment, document, at) SELECT ?, ?, ?, ?, "
                + (deletion ? "2 * w.version + 1" : "2 * w.version") + ", w.version, ?, " + (deletion ? "NULL" : "?")
                + ", w.updated_at FROM w ON CONFLICT (stack, stage, kind, fqn, seq) DO UPDATE SET version = "
                + "EXCLUDED.version, deployment = EXCLUDED.deployment, document = EXCLUDED.document, at = EXCLUDED.at) "
                + "SELECT version, " + UPDATED_MICROS + " FROM w";
    }

    /** Binds the change's parameters of {@link #recording} from {@code at}: key, deployment and the document if any. */
    private void bindChange(PreparedStatement ps, int at, ScopeId scope, StateKey key, WriteCondition condition,
            @org.jspecify.annotations.Nullable String json) throws SQLException {
        int next = bindKey(ps, at, scope, key);
        ps.setLong(next, condition.fence());
        if (json != null) {
            ps.setString(next + 1, json);
        }
    }

    @Override
    public boolean delete(ScopeId scope, StateKey key, WriteCondition condition) {
        String delete = "UPDATE " + documents + " SET document = NULL, status = NULL, "
                + "updated_at = clock_timestamp() WHERE stack = ? AND stage = ? AND kind = ? AND fqn = ? "
                + "AND document IS NOT NULL" + (condition.isUnconditional() ? "" : " AND version = ?");
        String sql = condition.recorded() ? recording(delete, true) : delete;
        return runFenced(scope, condition, "delete " + key.describe(), c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int at = bindKey(ps, 1, scope, key);
                if (!condition.isUnconditional()) {
                    ps.setLong(at++, condition.expectedVersion());
                }
                if (condition.recorded()) {
                    bindChange(ps, at, scope, key, condition, null);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            return true;
                        }
                    }
                } else if (ps.executeUpdate() > 0) {
                    return true;
                }
            }
            if (condition.isUnconditional()) {
                return false;
            }
            throw conflict(c, scope, key, condition);
        });
    }

    // ---- fenced writes ----------------------------------------------------------------------------
    // A fenced write and the claim of a deployment version take the scope's fence lock, shared and exclusive, for
    // their transaction. The write checks for the newer deployment after it holds the lock, in a statement of its
    // own (read committed: a new snapshot), so a claim either committed before that check (the write sees it and is
    // refused) or waits until the write has committed (the write came first). Other writes take no lock.

    /** The transaction-scoped advisory lock of a scope's fence. */
    private void lockFence(Connection c, ScopeId scope, boolean exclusive) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + (exclusive ? "pg_advisory_xact_lock" : "pg_advisory_xact_lock_shared")
                + "(hashtextextended(?, 0))")) {
            ps.setString(1, "statestore-fence/" + schema + "/" + scope.stack() + "/" + scope.stage());
            ps.execute();
        }
    }

    /** Runs {@code work} in one transaction; for a fenced condition, after checking the fence under its lock. */
    private <T> T runFenced(ScopeId scope, WriteCondition condition, String what, SqlWork<T> work) {
        if (!condition.isFenced()) {
            return run(what, work);
        }
        return run(what, c -> inTransaction(c, () -> {
            lockFence(c, scope, false);
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM " + controlTable
                    + " WHERE stack = ? AND stage = ? AND name = ?")) {
                ps.setString(1, scope.stack());
                ps.setString(2, scope.stage());
                ps.setString(3, condition.fenceDocument());
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        throw new StateWriteFencedException(scope, condition.fence());
                    }
                }
            }
            return work.apply(c);
        }));
    }

    private static <T> T inTransaction(Connection c, SqlAction<T> action) throws SQLException {
        c.setAutoCommit(false);
        try {
            T result = action.run();
            c.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    @FunctionalInterface
    private interface SqlAction<T> {
        T run() throws SQLException;
    }

    /** The conflict a failed conditional write reports; the extra read only informs the message. */
    @Override
    public OptionalLong lastVersion(ScopeId scope, StateKey key) {
        return run("read the last version of " + key.describe(), c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT version FROM " + documents
                    + " WHERE stack = ? AND stage = ? AND kind = ? AND fqn = ?")) {
                bindKey(ps, 1, scope, key);
                try (ResultSet rs = ps.executeQuery()) {
                    return OptionalLong.of(rs.next() ? rs.getLong(1) : 0);
                }
            }
        });
    }

    private StateConflictException conflict(Connection c, ScopeId scope, StateKey key, WriteCondition condition)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT version FROM " + documents
                + " WHERE stack = ? AND stage = ? AND kind = ? AND fqn = ? AND document IS NOT NULL")) {
            bindKey(ps, 1, scope, key);
            try (ResultSet rs = ps.executeQuery()) {
                OptionalLong current = rs.next() ? OptionalLong.of(rs.getLong(1)) : OptionalLong.empty();
                return new StateConflictException(scope, key.describe(), condition.expectedVersion(), current);
            }
        }
    }

    @Override
    public Page<StoredDocument> list(ScopeId scope, String afterFqn, int limit) {
        return run("list records", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT fqn, version, document, " + UPDATED_MICROS + " FROM " + documents
                    + " WHERE stack = ? AND stage = ? AND kind = 'r' AND document IS NOT NULL AND fqn > ? "
                    + "ORDER BY fqn LIMIT ?")) {
                ps.setString(1, scope.stack());
                ps.setString(2, scope.stage());
                ps.setString(3, afterFqn == null ? "" : afterFqn);
                ps.setInt(4, limit + 1);
                return Page.fromLookahead(records(scope, ps), limit, d -> d.key().describe());
            }
        });
    }

    @Override
    public List<StoredDocument> listByStatus(ScopeId scope, Set<String> statuses) {
        return run("list records by status", c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT fqn, version, document, " + UPDATED_MICROS + " FROM " + documents
                    + " WHERE stack = ? AND stage = ? AND kind = 'r' AND document IS NOT NULL AND status IS NOT NULL "
                    + "AND status = ANY (?) "
                    + "ORDER BY fqn")) {
                ps.setString(1, scope.stack());
                ps.setString(2, scope.stage());
                ps.setArray(3, c.createArrayOf("text", statuses.toArray()));
                return records(scope, ps);
            }
        });
    }

    private List<StoredDocument> records(ScopeId scope, PreparedStatement ps) throws SQLException {
        List<StoredDocument> items = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                StateKey key = StateKey.record(rs.getString(1));
                items.add(new StoredDocument(key, rs.getString(3), rs.getLong(2), instant(rs, 4), location(scope, key)));
            }
        }
        return items;
    }

    @Override
    public void deleteScope(ScopeId scope, WriteCondition condition) {
        if (condition.isFenced() || condition.recorded()) {
            StoreBackend.super.deleteScope(scope, condition);
            return;
        }
        run("delete " + scope, c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + documents + " SET document = NULL, status = NULL, "
                    + "updated_at = clock_timestamp() WHERE stack = ? AND stage = ? AND document IS NOT NULL")) {
                ps.setString(1, scope.stack());
                ps.setString(2, scope.stage());
                return ps.executeUpdate();
            }
        });
    }

    // ---- history --------------------------------------------------------------------------------

    @Override
    public Optional<dev.statestore.spi.HistoryStore> history() {
        return Optional.of(history);
    }

    private static final int HISTORY_PAGE = 1000;

    private final dev.statestore.spi.HistoryStore history = new dev.statestore.spi.HistoryStore() {
        @Override
        public List<StoredChange> changes(ScopeId scope, StateKey key) {
            return run("read the history of " + key.describe(), c -> {
                try (PreparedStatement ps = c.prepareStatement(changeColumns("document") + historyTable
                        + " WHERE stack = ? AND stage = ? AND kind = ? AND fqn = ? ORDER BY seq")) {
                    bindKey(ps, 1, scope, key);
                    List<StoredChange> changes = new ArrayList<>();
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            changes.add(change(scope, rs));
                        }
                    }
                    return changes;
                }
            });
        }

        @Override
        public void forEachChange(ScopeId scope, java.util.function.Consumer<StoredChange> action) {
            forEachChangeRow(scope, "document", rs -> change(scope, rs), action);
        }

        @Override
        public void forEachChangeSummary(ScopeId scope, java.util.function.Consumer<ChangeSummary> action) {
            // The documents stay on the server: a rebuild of the past reads only the few it needs.
            forEachChangeRow(scope, "document IS NULL", rs -> new ChangeSummary(key(rs), rs.getLong(3), rs.getBoolean(5),
                    instant(rs, 6), rs.getLong(4)), action);
        }

        @Override
        public void remove(ScopeId scope, java.util.Collection<StoredChange> changes) {
            run("prune the history of " + scope, c -> {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + historyTable
                        + " WHERE stack = ? AND stage = ? AND kind = ? AND fqn = ? AND seq = ?")) {
                    for (StoredChange change : changes) {
                        int at = bindKey(ps, 1, scope, change.key());
                        ps.setLong(at, change.seq());
                        ps.addBatch();
                    }
                    ps.executeBatch();
                }
                return null;
            });
        }
    };

    /** Reads one change row: columns as {@link #changeColumns} names them. */
    private interface ChangeRow<T> {
        T read(ResultSet rs) throws SQLException;
    }

    /** The columns of a change row, the fifth one {@code document} (or what stands for it). */
    private static String changeColumns(String document) {
        return "SELECT kind, fqn, version, deployment, " + document + ", " + micros("at") + ", seq FROM ";
    }

    /** The scope's change rows in key order, each read by {@code row}: a page at a time, from where the last stopped. */
    private <T> void forEachChangeRow(ScopeId scope, String document, ChangeRow<T> row,
            java.util.function.Consumer<T> action) {
        // No offset scan, no snapshot held across pages.
        String[] after = {"", ""};
        long[] afterSeq = {-1};
        while (true) {
            List<T> page = new ArrayList<>();
            run("read the history of " + scope, c -> {
                try (PreparedStatement ps = c.prepareStatement(changeColumns(document) + historyTable + " WHERE stack = ? "
                        + "AND stage = ? AND (kind, fqn, seq) > (?, ?, ?) ORDER BY kind, fqn, seq LIMIT " + HISTORY_PAGE)) {
                    ps.setString(1, scope.stack());
                    ps.setString(2, scope.stage());
                    ps.setString(3, after[0]);
                    ps.setString(4, after[1]);
                    ps.setLong(5, afterSeq[0]);
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            page.add(row.read(rs));
                            after[0] = rs.getString(1);
                            after[1] = rs.getString(2);
                            afterSeq[0] = rs.getLong(7);
                        }
                    }
                    return null;
                }
            });
            page.forEach(action);
            if (page.size() < HISTORY_PAGE) {
                return;
            }
        }
    }

    private static StateKey key(ResultSet rs) throws SQLException {
        return RECORD.equals(rs.getString(1)) ? StateKey.record(rs.getString(2)) : StateKey.output();
    }

    private StoredChange change(ScopeId scope, ResultSet rs) throws SQLException {
        StateKey key = key(rs);
        return new StoredChange(key, rs.getLong(3), rs.getString(5), instant(rs, 6), rs.getLong(4),
                where + " history row (" + scope.stack() + ", " + scope.stage() + ", " + kind(key) + ", "
                        + (key instanceof StateKey.Record r ? r.fqn() : "''") + ", " + rs.getLong(7) + ")");
    }

    // ---- control documents (deployments) ---------------------------------------------------------
    // Rows of their own table, so that no listing or deletion of records sees them. Not advisory locks for the
    // deploy lock: a session advisory lock belongs to a pooled connection (which goes back to the pool and serves
    // other callers), dies with a network blip mid-deploy, cannot be renewed or released by id from another
    // connection, and has no fencing token. A deployment row does all of that, on the server's clock.

    private static final String LOCK_STATE = "lock_id, " + "owner, fencing_token, " + micros("acquired_at") + ", "
            + micros("expires_at");

    private final ControlStore control = new ControlStore() {
        @Override
        public Optional<ControlDocument> read(ScopeId scope, String name) {
            return run("read the control document " + name, c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT document, version FROM " + controlTable
                        + " WHERE stack = ? AND stage = ? AND name = ?")) {
                    ps.setString(1, scope.stack());
                    ps.setString(2, scope.stage());
                    ps.setString(3, name);
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next() ? Optional.of(new ControlDocument(rs.getString(1), Long.toString(rs.getLong(2))))
                                : Optional.empty();
                    }
                }
            });
        }

        @Override
        public boolean compareAndSet(ScopeId scope, String name, Optional<ControlDocument> expected, String json) {
            if (expected.isEmpty() && name.startsWith(ControlStore.DEPLOYMENT_PREFIX)) {
                // The claim of a deployment version: under the fence lock, so that no fenced write straddles it.
                return run("claim " + name, c -> inTransaction(c, () -> {
                    lockFence(c, scope, true);
                    return insertOrUpdate(c, scope, name, expected, json);
                }));
            }
            return run("write the control document " + name, c -> insertOrUpdate(c, scope, name, expected, json));
        }

        private boolean insertOrUpdate(Connection c, ScopeId scope, String name, Optional<ControlDocument> expected,
                String json) throws SQLException {
            {
                String sql = expected.isEmpty()
                        ? "INSERT INTO " + controlTable + " (document, stack, stage, name, version) VALUES (?, ?, ?, ?, 1) "
                                + "ON CONFLICT (stack, stage, name) DO NOTHING"
                        : "UPDATE " + controlTable + " SET document = ?, version = version + 1 "
                                + "WHERE stack = ? AND stage = ? AND name = ? AND version = ?";
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setString(1, json);
                    ps.setString(2, scope.stack());
                    ps.setString(3, scope.stage());
                    ps.setString(4, name);
                    if (expected.isPresent()) {
                        ps.setLong(5, Long.parseLong(expected.get().tag()));
                    }
                    return ps.executeUpdate() == 1;
                }
            }
        }

        @Override
        public boolean delete(ScopeId scope, String name, ControlDocument expected) {
            return run("delete the control document " + name, c -> {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + controlTable
                        + " WHERE stack = ? AND stage = ? AND name = ? AND version = ?")) {
                    ps.setString(1, scope.stack());
                    ps.setString(2, scope.stage());
                    ps.setString(3, name);
                    ps.setLong(4, Long.parseLong(expected.tag()));
                    return ps.executeUpdate() == 1;
                }
            });
        }

        /** The server's clock, which every client shares, so that clients whose clocks differ agree on expiry. */
        @Override
        public StoreLimits.LeaseClock leaseClock() {
            return StoreLimits.LeaseClock.STORE;
        }

        @Override
        public Instant time(ScopeId scope) {
            return run("read the server's clock", c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT " + micros("clock_timestamp()"));
                        ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return instant(rs, 1);
                }
            });
        }

        /** The lease row of a release before deployments (schema version 2). */
        @Override
        public Optional<LockState> legacyLock(ScopeId scope) {
            return run("read the deploy lock of an earlier release", c -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT " + LOCK_STATE + " FROM " + locks
                        + " WHERE stack = ? AND stage = ?")) {
                    ps.setString(1, scope.stack());
                    ps.setString(2, scope.stage());
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next() ? Optional.of(new LockState(rs.getString(1), rs.getString(2), rs.getLong(3),
                                instant(rs, 4), instant(rs, 5))) : Optional.empty();
                    }
                }
            });
        }
    };

    @Override
    public Optional<ControlStore> controlStore() {
        return Optional.of(control);
    }

    private static long micros(Instant instant) {
        return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000L), instant.getNano() / 1_000L);
    }


    /**
     * A timestamptz column as microseconds since the epoch (its own precision), read back by {@link #instant}.
     * Read as a number, not a timestamptz: pgjdbc builds a new calendar for every result set that parses one
     * (TimestampUtils, a GregorianCalendar), which stood out in the profile of single reads and writes.
     */
    private static String micros(String column) {
        return "(extract(epoch FROM " + column + ") * 1000000)::bigint";
    }

    private static final String UPDATED_MICROS = micros("updated_at");

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        long micros = rs.getLong(column);
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1_000L);
    }

    // ---- plumbing -------------------------------------------------------------------------------

    @FunctionalInterface
    private interface SqlWork<T> {
        T apply(Connection c) throws SQLException;
    }

    /** Runs {@code work} on a pooled connection, turning SQL errors into this suite's exceptions. */
    private <T> T run(String what, SqlWork<T> work) {
        try (Connection c = pool.getConnection()) {
            return work.apply(c);
        } catch (SQLException e) {
            throw translate(what, e);
        }
    }

    private RuntimeException translate(String what, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String message = "cannot " + what + " in " + where + ": " + e.getMessage()
                + (state.isEmpty() ? "" : " (SQLState " + state + ")");
        if (isAuthentication(e)) {
            return new StateStoreAuthenticationException(message, e);
        }
        boolean unavailable = e instanceof SQLTransientConnectionException || e instanceof SQLRecoverableException
                || state.startsWith("08") || state.startsWith("57P") || state.startsWith("53") || state.equals("57014");
        if (unavailable) {
            return new StateStoreUnavailableException(message, e);
        }
        if (state.equals("42501")) {
            return new StateStoreAccessDeniedException(message + " (the store's user needs USAGE and CREATE on the schema, "
                    + "and SELECT, INSERT, UPDATE and DELETE on its tables)", e);
        }
        if (state.equals("3D000") || state.equals("3F000") || state.equals("42P01")) {
            return new StateStoreMisconfiguredException(message, e);
        }
        return new StateStoreBackendException(message, e);
    }

    /** Class 28, invalid authorization specification: a wrong password (28P01) or a refused user (28000). */
    private static boolean isAuthentication(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("28")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        if (ownPool != null) {
            try {
                ownPool.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the connection pool failed", e);
            }
        }
    }
}
