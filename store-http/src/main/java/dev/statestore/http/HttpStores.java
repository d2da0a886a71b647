package dev.statestore.http;

import dev.statestore.InvalidStoreUrlException;
import dev.statestore.StateStore;
import dev.statestore.spi.StoreBackend;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Objects;

/**
 * Opens the store behind a {@code statestore serve} on an {@link HttpClient} the application already has (its
 * proxy, TLS and executor settings), instead of a URL, with the bearer token the application holds. The base URL
 * follows the URL's rules ({@code http(s)://host[:port][/base]}, no user info, no options); requests time out
 * after 30 seconds, as a URL's store does by default. The store checks the server's {@code /version} on open.
 */
public final class HttpStores {

    private HttpStores() {}

    /**
     * The store served at {@code base}.
     *
     * @throws IllegalArgumentException if {@code token} is blank
     * @throws dev.statestore.InvalidStoreUrlException if {@code base} is not an {@code http(s)://} URL of a host, or
     *     the server is not a {@code statestore serve}
     * @throws dev.statestore.StateStoreUnavailableException if the server does not answer
     */
    public static StateStore open(HttpClient client, URI base, String token) {
        Objects.requireNonNull(client, "client");
        if (Objects.requireNonNull(token, "token").isBlank()) {
            throw new IllegalArgumentException("the token is blank");
        }
        Objects.requireNonNull(base, "base");
        boolean http = "http".equalsIgnoreCase(base.getScheme()) || "https".equalsIgnoreCase(base.getScheme());
        if (!http || base.getHost() == null || base.getRawUserInfo() != null || base.getRawQuery() != null
                || base.getRawFragment() != null) {
            throw new InvalidStoreUrlException("the base of a served store is http(s)://host[:port][/base], without user "
                    + "info, query or fragment, not " + base.getScheme() + "://" + base.getHost() + "…");
        }
        URI trimmed = URI.create(base.toString().replaceAll("/+$", ""));
        HttpOptions options = new HttpOptions(trimmed, token.strip(), Duration.ofSeconds(30), Duration.ofSeconds(10));
        return StoreBackend.toStateStore(HttpBackend.onClient(client, options));
    }
}
