package dev.statestore.postgres;

import dev.statestore.InvalidStoreUrlException;
import dev.statestore.spi.StoreUrl;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * The options of a {@code postgresql://} (or {@code jdbc:postgresql://}) store URL, validated all at
 * once:
 *
 * <pre>
 * postgresql://[user[:password]@]host[:port][,host2[:port]]/database?schema=…&amp;sslmode=…&amp;maxPoolSize=…
 * </pre>
 *
 * <ul>
 *   <li>{@code user}, {@code password}: from the URL's user info or the options of those names;
 *       otherwise {@code PGUSER} / {@code PGPASSWORD} from the environment; the user defaults to the
 *       operating-system user, as {@code psql} does.
 *   <li>{@code schema} (default {@code statestore}): where the tables go; a lower-case identifier.
 *   <li>{@code sslmode} (default {@code prefer}): {@code disable, allow, prefer, require, verify-ca, verify-full}.
 *   <li>{@code maxPoolSize} (default 10): connections kept by the pool.
 *   <li>{@code connectTimeout} (seconds, default 10): to open a connection, and to wait for one from the pool.
 *   <li>{@code statementTimeout} (seconds, default 30): the longest a statement may run on the server.
 *   <li>{@code applicationName} (default {@code statestore}): shown in {@code pg_stat_activity}.
 * </ul>
 *
 * {@code toString()} never shows the password.
 */
public record PostgresOptions(
        String hosts,
        String database,
        String user,
        String password,
        String schema,
        String sslMode,
        int maxPoolSize,
        Duration connectTimeout,
        Duration statementTimeout,
        String applicationName) {

    /** A host name, an IPv4 address or a bracketed IPv6 address, and an optional port of digits. */
    private static final java.util.regex.Pattern HOST_AND_PORT = java.util.regex.Pattern.compile(
            "(\\[[0-9A-Fa-f:.]+]|[A-Za-z0-9._-]+)(:[0-9]{1,5})?");

    private static boolean portInRange(String host) {
        int colon = host.lastIndexOf(':');
        if (colon < 0 || host.endsWith("]")) {
            return true;
        }
        int port = Integer.parseInt(host.substring(colon + 1));
        return port >= 1 && port <= 65535;
    }

    private static final Set<String> SSL_MODES = Set.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");

    /** A lower-case identifier PostgreSQL takes unquoted, at most 63 bytes. */
    static boolean isSchemaName(String schema) {
        return schema.matches("[a-z_][a-z0-9_]{0,62}");
    }

    /** @throws InvalidStoreUrlException naming every bad part of the URL */
    public static PostgresOptions from(StoreUrl url) {
        StoreUrl.Options options = url.options();
        String hosts = url.authority().orElse("");
        if (hosts.isEmpty()) {
            options.problem("host", "is missing: postgresql://host[:port]/database");
        } else {
            for (String host : hosts.split(",", -1)) {
                if (!HOST_AND_PORT.matcher(host).matches() || !portInRange(host)) {
                    options.problem("host", "'" + host + "' is not host[:port] with a port from 1 to 65535");
                }
            }
        }
        String database = url.path().startsWith("/") ? url.path().substring(1) : url.path();
        if (database.isEmpty() || database.contains("/")) {
            options.problem("database", "must be the one path segment: postgresql://host/database");
        }
        // postgresql://:secret@host names no user: the default one, as libpq takes it.
        String user = options.string("user").or(() -> url.user().filter(u -> !u.isEmpty())).or(() -> env("PGUSER"))
                .orElse(System.getProperty("user.name"));
        String password = options.string("password").or(url::password).or(() -> env("PGPASSWORD")).orElse(null);
        String schema = options.string("schema", "statestore");
        if (!isSchemaName(schema)) {
            options.problem("schema", "must be a lower-case identifier of letters, digits and _, was '" + schema + "'");
        }
        String sslMode = options.string("sslmode", "prefer").toLowerCase(Locale.ROOT);
        if (!SSL_MODES.contains(sslMode)) {
            options.problem("sslmode", "must be one of " + String.join(", ", new java.util.TreeSet<>(SSL_MODES)));
        }
        int maxPoolSize = options.integer("maxPoolSize", 10, 1, 1000);
        int connectTimeout = options.integer("connectTimeout", 10, 1, 600);
        int statementTimeout = options.integer("statementTimeout", 30, 1, 86_400);
        String applicationName = options.string("applicationName", "statestore");
        options.finish();
        return new PostgresOptions(hosts, database, user, password, schema, sslMode, maxPoolSize,
                Duration.ofSeconds(connectTimeout), Duration.ofSeconds(statementTimeout), applicationName);
    }

    private static java.util.Optional<String> env(String name) {
        return java.util.Optional.ofNullable(System.getenv(name)).filter(v -> !v.isEmpty());
    }

    /** The JDBC URL, without user and password (they go to the pool apart). */
    String jdbcUrl() {
        return "jdbc:postgresql://" + hosts + "/" + database;
    }

    /** Where the state is, for messages: no password. */
    String describe() {
        return "postgresql://" + user + "@" + hosts + "/" + database + "?schema=" + schema;
    }

    @Override
    public String toString() {
        return "PostgresOptions[" + describe() + ", sslmode=" + sslMode + ", maxPoolSize=" + maxPoolSize
                + ", connectTimeout=" + connectTimeout + ", statementTimeout=" + statementTimeout + "]";
    }
}
