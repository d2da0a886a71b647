package dev.statestore.server;

import java.net.InetSocketAddress;
import java.util.Objects;
import javax.net.ssl.SSLContext;

/**
 * How a {@link StateServer} listens and whom it serves.
 *
 * @param listen the address and port (0 for any free port)
 * @param token the bearer token every {@code /state} request must carry; compared in constant time
 * @param maxBodyBytes the largest request body accepted; a larger one is answered 413 unread
 * @param threads how many requests are served at once (more wait their turn)
 * @param tls HTTPS with this context when not {@code null}, plain HTTP otherwise
 * @param metrics {@code /metrics} in Prometheus' text format, and the store's calls observed, when not {@code null}
 * @param readToken a second bearer token that reads (every {@code GET}, the web UI under {@code /ui/}) and never
 *     writes (403), or {@code null}
 * @param tracing spans of every request and store call exported over OTLP, when not {@code null}
 */
public record ServerOptions(InetSocketAddress listen, String token, long maxBodyBytes, int threads, SSLContext tls,
        Metrics metrics, String readToken, Tracing tracing) {

    /**
     * What {@code /metrics} shows and to whom.
     *
     * @param backend the {@code backend} tag of the store's calls (the URL's scheme)
     * @param open whether {@code /metrics} is answered without the token (it names no record either way)
     */
    public record Metrics(String backend, boolean open) {
        public Metrics {
            Objects.requireNonNull(backend, "backend");
        }
    }

    /**
     * Spans over OTLP: one per request (continuing the caller's trace when it sends a W3C {@code traceparent}) and one
     * per store call, tagged as the metrics are, never with a path, a document or a token.
     *
     * @param backend the {@code backend} tag of the store's calls (the URL's scheme)
     * @param settings OpenTelemetry SDK properties ({@code otel.exporter.otlp.endpoint}, ...); the standard
     *     {@code OTEL_*} environment variables and {@code otel.*} system properties override them
     */
    public record Tracing(String backend, java.util.Map<String, String> settings) {
        public Tracing {
            Objects.requireNonNull(backend, "backend");
            settings = java.util.Map.copyOf(settings);
        }

        /** Names the settings, never their values: {@code otel.exporter.otlp.headers} carries API keys. */
        @Override
        public String toString() {
            return "Tracing[backend=" + backend + ", settings=" + new java.util.TreeSet<>(settings.keySet()) + "]";
        }
    }

    /** Room for the largest document a store takes (32 MiB) sealed by a client's encryption, and the JSON around it. */
    public static final long DEFAULT_MAX_BODY_BYTES = 48L * 1024 * 1024;
    public static final int DEFAULT_THREADS = 64;

    public ServerOptions {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(token, "token");
        if (token.isBlank()) {
            throw new IllegalArgumentException("the token is empty");
        }
        token = token.strip();
        if (maxBodyBytes < 1024) {
            throw new IllegalArgumentException("maxBodyBytes below 1 KiB: " + maxBodyBytes);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads below 1: " + threads);
        }
        if (readToken != null) {
            readToken = readToken.strip();
            if (readToken.isEmpty() || readToken.equals(token)) {
                throw new IllegalArgumentException("the read-only token is empty or the same as the token");
            }
        }
    }

    /** Plain HTTP on {@code listen}, with the default body limit and thread count. */
    public static ServerOptions of(InetSocketAddress listen, String token) {
        return new ServerOptions(listen, token, DEFAULT_MAX_BODY_BYTES, DEFAULT_THREADS, null, null, null, null);
    }

    public ServerOptions withTls(SSLContext context) {
        return new ServerOptions(listen, token, maxBodyBytes, threads, context, metrics, readToken, tracing);
    }

    public ServerOptions withMaxBodyBytes(long bytes) {
        return new ServerOptions(listen, token, bytes, threads, tls, metrics, readToken, tracing);
    }

    public ServerOptions withThreads(int count) {
        return new ServerOptions(listen, token, maxBodyBytes, count, tls, metrics, readToken, tracing);
    }

    /**
     * Also accepts {@code readToken}, for reads only: the web UI and every {@code GET} route take it, every write
     * route refuses it with 403.
     */
    public ServerOptions withReadToken(String readToken) {
        return new ServerOptions(listen, token, maxBodyBytes, threads, tls, metrics, readToken, tracing);
    }

    /** Exports spans over OTLP (see {@link Tracing}); {@code serve} does when an {@code OTEL_*} exporter is configured. */
    public ServerOptions withOtlpTracing(String backend, java.util.Map<String, String> settings) {
        return new ServerOptions(listen, token, maxBodyBytes, threads, tls, metrics, readToken, new Tracing(backend, settings));
    }

    /** Serves {@code /metrics} (behind the token unless {@code open}) and observes the store's calls. */
    public ServerOptions withMetrics(String backend, boolean open) {
        return new ServerOptions(listen, token, maxBodyBytes, threads, tls, new Metrics(backend, open), readToken, tracing);
    }

    /**
     * The TLS context of a PKCS#12 key store that holds the server's private key and certificate chain.
     *
     * @throws IllegalArgumentException if the file cannot be read or the password does not open it
     */
    public static SSLContext tlsContext(java.nio.file.Path pkcs12, String password) {
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(pkcs12)) {
            java.security.KeyStore keys = java.security.KeyStore.getInstance("PKCS12");
            keys.load(in, password.toCharArray());
            javax.net.ssl.KeyManagerFactory factory = javax.net.ssl.KeyManagerFactory.getInstance(
                    javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
            factory.init(keys, password.toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(factory.getKeyManagers(), null, null);
            return context;
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException("the key store " + pkcs12 + " is not a PKCS#12 key store that this password "
                    + "opens: " + e.getMessage(), e);
        }
    }

    /** Leaves the token out. */
    @Override
    public String toString() {
        return "ServerOptions[listen=" + listen + ", maxBodyBytes=" + maxBodyBytes + ", threads=" + threads + ", tls="
                + (tls != null) + ", metrics=" + metrics + ", tracing=" + (tracing != null) + "]";
    }
}
