package dev.statestore.spi;

import dev.statestore.InvalidStoreUrlException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A store URL taken apart: {@code scheme:[//[user[:password]@]authority][path][?options]}. The scheme
 * is lower-cased, and {@code jdbc:x} counts as the scheme {@code jdbc:x}. User, password, path and
 * option values are percent-decoded (UTF-8); a {@code #fragment} is refused.
 *
 * <p>{@link #toString()} and {@link #redacted()} leave out the password and the value of every option
 * whose name says it is secret (password, secret, token, key, credential), so a URL can go into a log
 * line or an exception message.
 *
 * <p>Options are read once each through {@link #options()}, whose accessors collect every problem;
 * {@link Options#finish()} then reports them all in one {@link InvalidStoreUrlException}, together with
 * every option that no accessor asked for.
 */
public final class StoreUrl {

    private static final Set<String> SECRET_WORDS = Set.of("password", "secret", "token", "key", "credential");

    private final String scheme;
    private final String authority;
    private final String user;
    private final String password;
    private final String path;
    private final Map<String, String> options;

    private StoreUrl(String scheme, String authority, String user, String password, String path,
            Map<String, String> options) {
        this.scheme = scheme;
        this.authority = authority;
        this.user = user;
        this.password = password;
        this.path = path;
        this.options = options;
    }

    /** @throws InvalidStoreUrlException if the text is not a URL of this shape */
    public static StoreUrl parse(String url) {
        if (url == null || url.isBlank()) {
            throw new InvalidStoreUrlException("a store URL is required, such as file:.alchemy");
        }
        String text = url.strip();
        int colon = text.indexOf(':');
        if (colon <= 0) {
            throw new InvalidStoreUrlException("not a store URL (no scheme): " + shorten(text));
        }
        String scheme = text.substring(0, colon).toLowerCase(Locale.ROOT);
        String rest = text.substring(colon + 1);
        if (scheme.equals("jdbc")) {
            int second = rest.indexOf(':');
            if (second <= 0) {
                throw new InvalidStoreUrlException("not a store URL (jdbc: needs a subprotocol): " + shorten(text));
            }
            scheme = "jdbc:" + rest.substring(0, second).toLowerCase(Locale.ROOT);
            rest = rest.substring(second + 1);
        }
        if (!scheme.matches("[a-z][a-z0-9+.-]*(:[a-z][a-z0-9+.-]*)?")) {
            throw new InvalidStoreUrlException("not a store URL (bad scheme '" + scheme + "')");
        }
        if (rest.indexOf('#') >= 0) {
            throw new InvalidStoreUrlException("a store URL has no #fragment (percent-encode '#' as %23): "
                    + scheme + ":…");
        }
        String query = null;
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        String authority = null;
        String user = null;
        String password = null;
        if (rest.startsWith("//")) {
            int slash = rest.indexOf('/', 2);
            authority = slash < 0 ? rest.substring(2) : rest.substring(2, slash);
            rest = slash < 0 ? "" : rest.substring(slash);
            int at = authority.lastIndexOf('@');
            if (at >= 0) {
                String userInfo = authority.substring(0, at);
                authority = authority.substring(at + 1);
                int c = userInfo.indexOf(':');
                user = decode(c < 0 ? userInfo : userInfo.substring(0, c), "user");
                password = c < 0 ? null : decode(userInfo.substring(c + 1), "password");
            }
        }
        String path = decode(rest, "path");
        Map<String, String> options = new LinkedHashMap<>();
        if (query != null && !query.isEmpty()) {
            for (String pair : query.split("&", -1)) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq), "option name");
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1), "option " + name);
                if (options.put(name, value) != null) {
                    throw new InvalidStoreUrlException("option '" + name + "' is given twice in a " + scheme + " URL");
                }
            }
        }
        return new StoreUrl(scheme, authority, user, password, path, Collections.unmodifiableMap(options));
    }

    /**
     * Percent-encodes every byte of {@code text}'s UTF-8 but RFC 3986's unreserved characters, so that it goes
     * into a URL (a path segment, an option's value, a request path) as one part that reads back as itself and
     * never as a separator.
     */
    public static String encode(String text) {
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_'
                    || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return out.toString();
    }

    private static String decode(String s, String what) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            byte b = bytes[i];
            if (b == '%') {
                if (i + 2 >= bytes.length) {
                    throw new InvalidStoreUrlException("bad percent-encoding in the " + what + " of a store URL");
                }
                int hi = Character.digit(bytes[i + 1], 16);
                int lo = Character.digit(bytes[i + 2], 16);
                if (hi < 0 || lo < 0) {
                    throw new InvalidStoreUrlException("bad percent-encoding in the " + what + " of a store URL");
                }
                out.write(hi << 4 | lo);
                i += 2;
            } else {
                out.write(b);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String shorten(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }

    public String scheme() {
        return scheme;
    }

    /** What follows {@code //} up to the path, without user and password; empty for {@code file:x}-style URLs. */
    public Optional<String> authority() {
        return Optional.ofNullable(authority);
    }

    public Optional<String> user() {
        return Optional.ofNullable(user);
    }

    /** The password of the URL. Never printed by this class. */
    public Optional<String> password() {
        return Optional.ofNullable(password);
    }

    /** The decoded path: {@code /db} in {@code postgresql://h/db}, {@code .alchemy} in {@code file:.alchemy}. */
    public String path() {
        return path;
    }

    /** This URL without the option {@code name}: for a layer that takes its own option before the backend reads the rest. */
    public StoreUrl withoutOption(String name) {
        Map<String, String> rest = new LinkedHashMap<>(options);
        rest.remove(name);
        return new StoreUrl(scheme, authority, user, password, path, Collections.unmodifiableMap(rest));
    }

    /** A fresh reader of the options, which tracks what it was asked for. */
    public Options options() {
        return new Options();
    }

    /** The URL without password and secret option values. */
    public String redacted() {
        StringBuilder out = new StringBuilder(scheme).append(':');
        if (authority != null) {
            out.append("//");
            if (user != null) {
                out.append(user).append(password != null ? ":****" : "").append('@');
            }
            out.append(authority);
        }
        out.append(path);
        if (!options.isEmpty()) {
            List<String> parts = new ArrayList<>();
            options.forEach((k, v) -> parts.add(k + "=" + (isSecret(k) ? "****" : v)));
            out.append('?').append(String.join("&", parts));
        }
        return out.toString();
    }

    private static boolean isSecret(String option) {
        String lower = option.toLowerCase(Locale.ROOT);
        return SECRET_WORDS.stream().anyMatch(lower::contains);
    }

    @Override
    public String toString() {
        return redacted();
    }

    /**
     * Typed, validated access to the options of one URL. Each accessor returns the default when the
     * option is absent, and records a problem (returning the default) when its value is bad.
     */
    public final class Options {

        private final Set<String> asked = new TreeSet<>();
        private final List<String> problems = new ArrayList<>();

        private Options() {}

        public Optional<String> string(String name) {
            asked.add(name);
            return Optional.ofNullable(options.get(name));
        }

        public String string(String name, String defaultValue) {
            return string(name).orElse(defaultValue);
        }

        public int integer(String name, int defaultValue, int min, int max) {
            Optional<String> raw = string(name);
            if (raw.isEmpty()) {
                return defaultValue;
            }
            try {
                int value = Integer.parseInt(raw.get());
                if (value < min || value > max) {
                    problem(name, "must be from " + min + " to " + max + ", was " + value);
                    return defaultValue;
                }
                return value;
            } catch (NumberFormatException e) {
                problem(name, "must be a whole number, was '" + shown(name, raw.get()) + "'");
                return defaultValue;
            }
        }

        public boolean bool(String name, boolean defaultValue) {
            Optional<String> raw = string(name);
            if (raw.isEmpty()) {
                return defaultValue;
            }
            switch (raw.get().toLowerCase(Locale.ROOT)) {
                case "true":
                    return true;
                case "false":
                    return false;
                default:
                    problem(name, "must be true or false, was '" + shown(name, raw.get()) + "'");
                    return defaultValue;
            }
        }

        /** An http or https URL with a host, such as a service endpoint. */
        public Optional<java.net.URI> httpUri(String name) {
            Optional<String> raw = string(name);
            if (raw.isEmpty()) {
                return Optional.empty();
            }
            try {
                java.net.URI uri = java.net.URI.create(raw.get());
                if (uri.getScheme() != null && uri.getScheme().matches("https?") && uri.getHost() != null) {
                    return Optional.of(uri);
                }
            } catch (IllegalArgumentException e) {
                // reported below
            }
            problem(name, "must be an http(s) URL such as http://127.0.0.1:9000");
            return Optional.empty();
        }

        /** Records a problem with an option found by the caller's own check. */
        public void problem(String name, String message) {
            problems.add("option '" + name + "' " + message);
        }

        private String shown(String name, String value) {
            return isSecret(name) ? "****" : value;
        }

        /** @throws InvalidStoreUrlException listing every bad and every unknown option, if any */
        public void finish() {
            List<String> all = new ArrayList<>(problems);
            Set<String> unknown = new TreeSet<>(options.keySet());
            unknown.removeAll(asked);
            if (!unknown.isEmpty()) {
                all.add("unknown option" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                        + (asked.isEmpty() ? " (this store takes no options)" : " (known: " + String.join(", ", asked) + ")"));
            }
            if (!all.isEmpty()) {
                throw new InvalidStoreUrlException("bad store URL " + redacted() + ": " + String.join("; ", all));
            }
        }
    }
}
