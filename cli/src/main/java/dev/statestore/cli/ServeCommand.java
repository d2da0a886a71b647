package dev.statestore.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.InvalidStoreUrlException;
import dev.statestore.StateStore;
import dev.statestore.server.ServerOptions;
import dev.statestore.server.StateServer;
import dev.statestore.spi.SecretSource;
import dev.statestore.spi.StateJson;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code serve}: the store behind Alchemy's HTTP state API, for Alchemy's client and {@code http(s)://} URLs. */
@Command(name = "serve", description = {
    "Serves the store over HTTP with the routes of Alchemy's state API (and versions, conditional writes and the "
            + "deploy lock besides), for Alchemy's HTTP state client and for this tool's http(s):// store URLs.",
    "Runs until stopped (Ctrl-C, SIGTERM); logs one line per request, never the token or a body.",
    "GET /metrics gives every store call's latency and outcome, and every request's, in Prometheus' text format "
            + "(behind the token unless --metrics-public).",
    "Spans of every request and store call go over OTLP (http/protobuf) when OTEL_EXPORTER_OTLP_ENDPOINT (or "
            + "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, or OTEL_TRACES_EXPORTER=otlp) is set; the other OTEL_* variables apply."})
final class ServeCommand extends ListCommands.Base {

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:8080",
            description = "where to listen (default ${DEFAULT-VALUE}; port 0: any free port)")
    String listen;

    @Option(names = "--token", paramLabel = "env:VAR|file:PATH", defaultValue = "env:STATESTORE_HTTP_TOKEN",
            description = "where the bearer token is (default ${DEFAULT-VALUE}); never the token itself")
    String token;

    @Option(names = "--tls-keystore", paramLabel = "FILE", description = "serve HTTPS with this PKCS#12 key store")
    Path keyStore;

    @Option(names = "--tls-password", paramLabel = "env:VAR|file:PATH",
            description = "where the key store's password is (default: none)")
    String keyStorePassword;

    @Option(names = "--max-body-mib", paramLabel = "MIB", defaultValue = "48",
            description = "the largest request body (default ${DEFAULT-VALUE} MiB; a record is at most 32 MiB)")
    int maxBodyMib;

    @Option(names = "--threads", defaultValue = "64", description = "requests served at once (default ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--read-token", paramLabel = "env:VAR|file:PATH", description = "where a second, read-only token "
            + "is (optional): it opens the web UI (/ui/) and every read, and any write refuses it with 403")
    String readToken;

    @Option(names = "--metrics-public", description = "answer /metrics without the token (it names no record, stack or "
            + "stage either way)")
    boolean metricsPublic;

    @Option(names = "--no-metrics", description = "no /metrics, and the store's calls not observed")
    boolean noMetrics;

    @Override
    public Integer call() throws InterruptedException {
        ServerOptions options = ServerOptions.of(address(listen), SecretSource.read("--token", token))
                .withMaxBodyBytes(maxBodyMib * 1024L * 1024L).withThreads(threads);
        String backend = dev.statestore.spi.StoreUrl.parse(root().storeUrl()).scheme();
        if (!noMetrics) {
            options = options.withMetrics(backend, metricsPublic);
        }
        if (otlpConfigured(System.getenv(), System.getProperties())) {
            // The SDK reads the OTEL_* variables itself: nothing to pass on.
            options = options.withOtlpTracing(backend, java.util.Map.of());
        }
        if (readToken != null) {
            options = options.withReadToken(SecretSource.read("--read-token", readToken));
        }
        if (keyStore != null) {
            options = options.withTls(ServerOptions.tlsContext(keyStore, keyStorePassword == null ? "" : SecretSource.read("--tls-password",
                    keyStorePassword)));
        }
        StateStore store = root().open();
        StateServer server = StateServer.start(store, options);
        return untilStopped(store, server, () -> {
            if (root().json) {
                // One line a script can read to learn the port it got (--listen 127.0.0.1:0).
                ObjectNode node = Output.object();
                node.put("store", store.describe());
                node.put("uri", server.uri().toString());
                out().println(StateJson.compact(node));
            } else {
                out().println("serving " + store.describe() + " at " + server.uri() + " (Ctrl-C stops; the web UI: "
                        + server.uri().resolve("/ui/") + ")");
            }
            out().flush();
        });
    }

    /**
     * Whether the environment asks for spans over OTLP: an OTLP endpoint, or {@code OTEL_TRACES_EXPORTER=otlp}, and
     * not {@code OTEL_SDK_DISABLED=true}; each also as the system property the SDK reads ({@code
     * -Dotel.exporter.otlp.endpoint=...}), which wins over the variable as it does in the SDK.
     */
    static boolean otlpConfigured(java.util.Map<String, String> environment, java.util.Properties properties) {
        java.util.function.Function<String, String> setting = variable -> properties.getProperty(
                variable.toLowerCase(java.util.Locale.ROOT).replace('_', '.'), environment.get(variable));
        if ("true".equalsIgnoreCase(setting.apply("OTEL_SDK_DISABLED"))) {
            return false;
        }
        return setting.apply("OTEL_EXPORTER_OTLP_ENDPOINT") != null
                || setting.apply("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != null
                || "otlp".equals(setting.apply("OTEL_TRACES_EXPORTER"));
    }

    /** Announces the server, then serves until the process is stopped, closing the server and then the store. */
    static Integer untilStopped(StateStore store, StateServer server, Runnable announce) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            store.close();
            stopped.countDown();
        }, "statestore-serve-stop"));
        announce.run();
        stopped.await();
        return Statestore.OK;
    }

    static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        try {
            String host = hostPort.substring(0, Math.max(colon, 0)).replaceAll("^\\[|]$", "");
            int port = Integer.parseInt(hostPort.substring(colon + 1));
            if (host.isEmpty() || port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return new InetSocketAddress(host, port);
        } catch (NumberFormatException | StringIndexOutOfBoundsException e) {
            throw new InvalidStoreUrlException("--listen is HOST:PORT, such as 127.0.0.1:8080 or 0.0.0.0:443, not " + hostPort);
        }
    }
}
