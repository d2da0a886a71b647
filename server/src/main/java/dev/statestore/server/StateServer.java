package dev.statestore.server;

import dev.statestore.StateStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.http.spi.JettyHttpServer;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * A {@link StateStore} served over HTTP with the routes and JSON of Alchemy's HTTP state API, so that
 * Alchemy's own client, and this project's {@code http(s)://} store, can use any backend through one
 * endpoint. See docs/http-api.md for the routes and what this server adds to Alchemy's
 * API: {@code ETag} versions with {@code If-Match} / {@code If-None-Match: *} conditional writes, paged
 * listings with versions, and the deploy lock.
 *
 * <p>Every {@code /state} request needs {@code Authorization: Bearer <token>}, compared in constant time;
 * {@code /version} does not. Path segments are percent-decoded strictly (the fqn twice, as Alchemy's
 * client encodes it twice), so any valid fqn, with {@code /}, {@code %}, {@code ..} or any Unicode,
 * reaches the store as itself and only ever names a record of its scope. One log line per request
 * (method, path, status, time) at INFO on the logger {@code dev.statestore.server}: never the token or a
 * body. The server does not own the store: closing the server leaves the store open.
 */
public final class StateServer implements AutoCloseable {

    private final Server jetty;
    private final StateApiHandler handler;
    private final URI uri;
    private final int port;
    /** Exports spans when the options asked for it; flushed on close. */
    private final OtlpTracing tracing;

    private StateServer(Server jetty, StateApiHandler handler, URI uri, int port, OtlpTracing tracing) {
        this.jetty = jetty;
        this.handler = handler;
        this.uri = uri;
        this.port = port;
        this.tracing = tracing;
    }

    /**
     * Starts serving {@code store}.
     *
     * @throws UncheckedIOException if the address cannot be bound (in use, not local)
     */
    public static StateServer start(StateStore store, ServerOptions options) {
        // Jetty, through its implementation of the JDK's HttpServer interface, which the API handler is written
        // against: unlike the JDK's own server, it lets this server answer every request, a request line that is
        // not a URI included, in the API's JSON (JsonErrors).
        QueuedThreadPool threads = new QueuedThreadPool(options.threads() + RESERVED_THREADS, 2, 30_000);
        threads.setName("statestore-serve");
        threads.setDaemon(true);
        Server jetty = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        // The API decodes every path segment itself, strictly, and encodes fqns twice (%252F): Jetty passes the raw
        // path through as the JDK's server did, with no normalization of "..", "%2F" or "%25" (a "..", decoded, is
        // an invalid name the API refuses). A bad percent escape Jetty still refuses itself: JsonErrors answers it.
        http.setUriCompliance(UriCompliance.UNSAFE);
        ServerConnector connector;
        if (options.tls() != null) {
            http.addCustomizer(new SecureRequestCustomizer(false));
            SslContextFactory.Server tls = new SslContextFactory.Server();
            tls.setSslContext(options.tls());
            connector = new ServerConnector(jetty, new SslConnectionFactory(tls, "http/1.1"), new HttpConnectionFactory(http));
        } else {
            connector = new ServerConnector(jetty, new HttpConnectionFactory(http));
        }
        InetAddress address = options.listen().getAddress();
        connector.setHost(address == null ? options.listen().getHostString() : address.getHostAddress());
        connector.setPort(options.listen().getPort());
        connector.setAcceptQueueSize(128);
        jetty.addConnector(connector);
        jetty.setHandler(new ContextHandlerCollection());
        jetty.setErrorHandler(new JsonErrors());
        // Clients may seal what they send (encryption at rest on their side): the server holds it unread.
        StateStore served = dev.statestore.StateStores.forServing(store);
        StateApiHandler.LastVersions lastVersions = served instanceof dev.statestore.internal.BackendStateStore backed
                ? backed::lastVersion : (scope, key) -> java.util.OptionalLong.empty();
        io.micrometer.prometheusmetrics.PrometheusMeterRegistry metrics = null;
        io.micrometer.observation.ObservationRegistry observations = io.micrometer.observation.ObservationRegistry.create();
        if (options.metrics() != null) {
            metrics = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                    io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
            observations.observationConfig().observationHandler(dev.statestore.micrometer.StoreObservations.meterHandler(metrics));
        }
        OtlpTracing tracing = options.tracing() == null ? null : OtlpTracing.start(options.tracing().settings());
        if (tracing != null) {
            tracing.traceCalls(observations);
        }
        if (metrics != null || tracing != null) {
            served = dev.statestore.micrometer.StoreObservations.observe(served, observations,
                    options.metrics() != null ? options.metrics().backend() : options.tracing().backend());
        }
        StateApiHandler handler = new StateApiHandler(served, options, metrics,
                tracing == null ? io.micrometer.observation.ObservationRegistry.NOOP : tracing.requests(), lastVersions);
        new JettyHttpServer(jetty, true).createContext("/", handler);
        try {
            jetty.start();
        } catch (IOException e) {
            stopQuietly(jetty);
            closeQuietly(tracing);
            throw new UncheckedIOException("cannot listen on " + options.listen() + ": " + e.getMessage(), e);
        } catch (Exception e) {
            stopQuietly(jetty);
            closeQuietly(tracing);
            throw new IllegalStateException("cannot start the server on " + options.listen() + ": " + e.getMessage(), e);
        }
        InetAddress bound = address == null || address.isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : address;
        String host = bound.getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        URI uri = URI.create((options.tls() != null ? "https" : "http") + "://" + host + ":" + connector.getLocalPort());
        return new StateServer(jetty, handler, uri, connector.getLocalPort(), tracing);
    }

    private static void closeQuietly(OtlpTracing tracing) {
        if (tracing != null) {
            tracing.close();
        }
    }

    /** Jetty's own: its acceptor and selector threads come out of the same pool as the requests'. */
    private static final int RESERVED_THREADS = 6;

    private static void stopQuietly(Server jetty) {
        try {
            jetty.stop();
        } catch (Exception ignored) {
            // already failing: the start's error is the one to report
        }
    }

    /** Where the server listens: {@code http://127.0.0.1:PORT} (the port it got when asked for 0). */
    public URI uri() {
        return uri;
    }

    public int port() {
        return port;
    }

    /**
     * Answers new requests 503 (which clients retry elsewhere or later), lets the requests in progress
     * finish (for up to 5 seconds), then stops listening and exports the spans still buffered. Idempotent.
     */
    @Override
    public void close() {
        handler.drain(java.time.Duration.ofSeconds(5));
        stopQuietly(jetty);
        closeQuietly(tracing);
    }
}
