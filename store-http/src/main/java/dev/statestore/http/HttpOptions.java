package dev.statestore.http;

import dev.statestore.spi.SecretSource;
import dev.statestore.spi.StoreUrl;
import java.net.URI;
import java.time.Duration;

/**
 * The options of an {@code http(s)://host[:port][/base]} store URL, validated all at once.
 *
 * <ul>
 *   <li>{@code token}: {@code env:VARIABLE} or {@code file:PATH} holding the bearer token; without it,
 *       the environment variable {@code STATESTORE_HTTP_TOKEN}. Never the token itself.
 *   <li>{@code timeout} (seconds, default 30): the longest one request may take.
 *   <li>{@code connectTimeout} (seconds, default 10).
 * </ul>
 * HTTPS trusts what the JVM trusts ({@code javax.net.ssl.trustStore} for a private CA).
 */
record HttpOptions(URI base, String token, Duration timeout, Duration connectTimeout) {

    static final String TOKEN_VARIABLE = "STATESTORE_HTTP_TOKEN";
    static final int DEFAULT_TIMEOUT_SECONDS = 30;
    static final int DEFAULT_CONNECT_TIMEOUT_SECONDS = 10;

    static HttpOptions from(StoreUrl url) {
        StoreUrl.Options options = url.options();
        URI base = base(url, options);
        String token = null;
        var tokenOption = options.string("token");
        try {
            if (tokenOption.isPresent()) {
                token = SecretSource.read("option 'token'", tokenOption.get());
            } else if (System.getenv(TOKEN_VARIABLE) != null && !System.getenv(TOKEN_VARIABLE).isBlank()) {
                token = System.getenv(TOKEN_VARIABLE).strip();
            } else {
                options.problem("token", "is missing: add ?token=env:VARIABLE (or file:PATH), or set " + TOKEN_VARIABLE);
            }
        } catch (dev.statestore.InvalidStoreUrlException e) {
            options.problem("token", e.getMessage().replaceFirst("^option 'token'", "").strip());
        }
        int timeout = options.integer("timeout", DEFAULT_TIMEOUT_SECONDS, 1, 3600);
        int connectTimeout = options.integer("connectTimeout", DEFAULT_CONNECT_TIMEOUT_SECONDS, 1, 600);
        options.finish();
        return new HttpOptions(base, token, Duration.ofSeconds(timeout), Duration.ofSeconds(connectTimeout));
    }

    /**
     * The server's base URL, {@code http(s)://host[:port][/base]} without a trailing slash, or null after reporting
     * to {@code options} why there is none: no host, user info (the token never goes there), not a URL.
     */
    static URI base(StoreUrl url, StoreUrl.Options options) {
        String authority = url.authority().orElse("");
        if (authority.isEmpty()) {
            options.problem("host", "is missing: " + url.scheme() + "://host[:port][/base]");
        }
        if (url.user().isPresent() || url.password().isPresent()) {
            options.problem("user", "is not taken: the token comes from ?token=env:VAR or file:PATH");
        }
        String path = url.path().replaceAll("/+$", "");
        try {
            URI base = new URI(url.scheme(), authority, path.isEmpty() ? null : path, null, null);
            if (base.getHost() == null) {
                options.problem("host", "is not a host name or address: " + authority);
            }
            return base;
        } catch (java.net.URISyntaxException e) {
            options.problem("host", "does not make a URL: " + e.getReason());
            return null;
        }
    }

    /** Leaves the token out. */
    @Override
    public String toString() {
        return "HttpOptions[" + base + ", timeout=" + timeout + "]";
    }
}
