package dev.statestore.server;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.statestore.StateStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link StateStore} served over HTTP with the routes and JSON of Alchemy's HTTP state API, so that
 * Alchemy's own client, and this project's {@code http(s)://} store, can use any backend through one
 * endpoint. See the README ("The HTTP state API") for the routes and what this server adds to Alchemy's
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

    private final HttpServer http;
    private final ExecutorService executor;
    private final StateApiHandler handler;
    private final URI uri;

    private StateServer(HttpServer http, ExecutorService executor, StateApiHandler handler, URI uri) {
        this.http = http;
        this.executor = executor;
        this.handler = handler;
        this.uri = uri;
    }

    /**
     * Starts serving {@code store}.
     *
     * @throws UncheckedIOException if the address cannot be bound (in use, not local)
     */
    public static StateServer start(StateStore store, ServerOptions options) {
        // Without TCP_NODELAY, the JDK's server sends an answer's headers and body in two segments and
        // the second waits for the client's delayed ACK: 40 ms a request. Read once, when the JDK's server
        // first loads, so this is set before it does.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        JdkServerRefusals.install();
        HttpServer http;
        try {
            if (options.tls() != null) {
                HttpsServer https = HttpsServer.create(options.listen(), 128);
                https.setHttpsConfigurator(new HttpsConfigurator(options.tls()));
                http = https;
            } else {
                http = HttpServer.create(options.listen(), 128);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + options.listen() + ": " + e.getMessage(), e);
        }
        AtomicInteger count = new AtomicInteger();
        // Idle threads end after a while: a quiet server holds none.
        java.util.concurrent.ThreadPoolExecutor executor = new java.util.concurrent.ThreadPoolExecutor(options.threads(),
                options.threads(), 30, java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(),
                r -> {
                    Thread t = new Thread(r, "statestore-serve-" + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true);
        http.setExecutor(executor);
        // Clients may seal what they send (encryption at rest on their side): the server holds it unread.
        StateApiHandler handler = new StateApiHandler(dev.statestore.StateStores.forServing(store), options);
        http.createContext("/", handler);
        http.start();
        InetSocketAddress bound = http.getAddress();
        String host = bound.getAddress().isAnyLocalAddress() ? "127.0.0.1" : bound.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        URI uri = URI.create((options.tls() != null ? "https" : "http") + "://" + host + ":" + bound.getPort());
        return new StateServer(http, executor, handler, uri);
    }

    /** Where the server listens: {@code http://127.0.0.1:PORT} (the port it got when asked for 0). */
    public URI uri() {
        return uri;
    }

    public int port() {
        return http.getAddress().getPort();
    }

    /**
     * Answers new requests 503 (which clients retry elsewhere or later), lets the requests in progress
     * finish (for up to 5 seconds), then stops listening. Idempotent.
     */
    @Override
    public void close() {
        handler.drain(java.time.Duration.ofSeconds(5));
        http.stop(0);
        executor.shutdownNow();
    }
}
