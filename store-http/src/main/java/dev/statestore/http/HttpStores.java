package dev.statestore.http;

import dev.statestore.InvalidStoreUrlException;
import dev.statestore.StateStore;
import dev.statestore.spi.StoreBackend;
import dev.statestore.spi.StoreUrl;
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
        // The URL's own rules for the base; any option in it is unknown here, and named as such.
        StoreUrl url = StoreUrl.parse(Objects.requireNonNull(base, "base").toString());
        if (!new HttpStoreProvider().schemes().contains(url.scheme())) {
            throw new InvalidStoreUrlException("the base of a served store is http(s)://host[:port][/base], not "
                    + url.scheme() + "://…");
        }
        StoreUrl.Options checks = url.options();
        URI parsed = HttpOptions.base(url, checks);
        checks.finish();
        HttpOptions options = new HttpOptions(parsed, token.strip(), Duration.ofSeconds(HttpOptions.DEFAULT_TIMEOUT_SECONDS),
                Duration.ofSeconds(HttpOptions.DEFAULT_CONNECT_TIMEOUT_SECONDS));
        return StoreBackend.toStateStore(HttpBackend.onClient(client, options));
    }
}
