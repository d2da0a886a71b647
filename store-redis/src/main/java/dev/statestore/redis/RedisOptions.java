package dev.statestore.redis;

import dev.statestore.spi.StoreUrl;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.HostAndPort;

/**
 * The options of a Redis store URL, validated all at once:
 *
 * <pre>
 * redis://[user[:password]@]host[:port][/db]?prefix=…&amp;timeout=…&amp;maxPoolSize=…
 * rediss://…                                     (TLS)
 * redis-cluster://[user[:password]@]host:port[,host:port…]?prefix=…   (rediss-cluster:// for TLS)
 * </pre>
 *
 * <ul>
 *   <li>{@code prefix} (default {@code statestore}): every key starts with it and a colon; it may not hold
 *       {@code { } } or control characters. Two prefixes never share a key.
 *   <li>{@code timeout} (milliseconds, default 5000): to connect, and for each reply.
 *   <li>{@code maxPoolSize} (default 16): connections per server.
 *   <li>the password may also come from {@code REDIS_PASSWORD} in the environment.
 * </ul>
 */
public record RedisOptions(
        List<HostAndPort> nodes,
        boolean cluster,
        boolean tls,
        int database,
        String user,
        String password,
        String prefix,
        Duration timeout,
        int maxPoolSize) {

    public static RedisOptions from(StoreUrl url) {
        StoreUrl.Options options = url.options();
        boolean cluster = url.scheme().endsWith("-cluster");
        boolean tls = url.scheme().startsWith("rediss");
        List<HostAndPort> nodes = new ArrayList<>();
        String authority = url.authority().orElse("");
        for (String node : authority.split(",")) {
            if (node.isBlank()) {
                continue;
            }
            try {
                int colon = node.lastIndexOf(':');
                boolean hasPort = colon > 0 && !node.endsWith("]");
                String host = hasPort ? node.substring(0, colon) : node;
                int port = hasPort ? Integer.parseInt(node.substring(colon + 1)) : 6379;
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                if (host.isEmpty() || port < 1 || port > 65535) {
                    throw new NumberFormatException();
                }
                nodes.add(new HostAndPort(host, port));
            } catch (NumberFormatException e) {
                options.problem("host", "'" + node + "' is not host[:port]");
            }
        }
        if (nodes.isEmpty()) {
            options.problem("host", "is missing: " + url.scheme() + "://host[:port]");
        } else if (!cluster && nodes.size() > 1) {
            options.problem("host", "names several servers: use redis-cluster:// for a cluster");
        }
        int database = 0;
        String path = url.path();
        if (!path.isEmpty() && !path.equals("/")) {
            try {
                database = Integer.parseInt(path.substring(1));
                if (database < 0 || cluster && database != 0) {
                    throw new NumberFormatException();
                }
            } catch (NumberFormatException e) {
                options.problem("database", cluster ? "does not exist on a cluster (only 0)"
                        : "must be a number after the host: redis://host:port/0");
            }
        }
        String prefix = options.string("prefix", "statestore");
        if (!isPrefix(prefix)) {
            options.problem("prefix", "must be non-empty, without '{', '}' or control characters");
        }
        int timeout = options.integer("timeout", 5000, 100, 600_000);
        int maxPoolSize = options.integer("maxPoolSize", 16, 1, 1000);
        String password = url.password().orElseGet(() -> {
            String env = System.getenv("REDIS_PASSWORD");
            return env == null || env.isEmpty() ? null : env;
        });
        options.finish();
        return new RedisOptions(List.copyOf(nodes), cluster, tls, database, url.user().filter(u -> !u.isEmpty()).orElse(null), password, prefix,
                Duration.ofMillis(timeout), maxPoolSize);
    }

    /** Where the state is, for messages: no password. */
    /** Non-empty, without hash-tag braces or control characters. */
    static boolean isPrefix(String prefix) {
        return !prefix.isEmpty() && prefix.chars().noneMatch(c -> c == '{' || c == '}' || Character.isISOControl(c));
    }

    String describe() {
        StringBuilder s = new StringBuilder(tls ? "rediss" : "redis").append(cluster ? "-cluster://" : "://");
        if (user != null) {
            s.append(user).append('@');
        }
        for (int i = 0; i < nodes.size(); i++) {
            s.append(i == 0 ? "" : ",").append(nodes.get(i));
        }
        return s.append(cluster ? "" : "/" + database).append("?prefix=").append(prefix).toString();
    }

    @Override
    public String toString() {
        return "RedisOptions[" + describe() + ", timeout=" + timeout + ", maxPoolSize=" + maxPoolSize + "]";
    }
}
