package dev.statestore.server;

import com.sun.net.httpserver.HttpExchange;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.transport.RequestReplyReceiverContext;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.handler.PropagatingReceiverTracingObservationHandler;
import io.micrometer.tracing.otel.bridge.OtelBaggageManager;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelPropagator;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The server's spans, exported over OTLP by OpenTelemetry's SDK: one span per request (a child of the caller's, when
 * the request carries a W3C {@code traceparent}), and one per store call under it. The SDK is set up by its own
 * auto-configuration, so the standard {@code OTEL_*} environment variables (and {@code otel.*} system properties)
 * apply and win over the settings given here; only traces are exported (metrics are {@code /metrics}).
 */
final class OtlpTracing implements AutoCloseable {

    /** What serve changes from the SDK's defaults: its name, traces only, and the protocol its sender speaks. */
    private static final Map<String, String> DEFAULTS = Map.of(
            "otel.service.name", "statestore-serve",
            "otel.traces.exporter", "otlp",
            "otel.metrics.exporter", "none",
            "otel.logs.exporter", "none",
            // The JDK's HttpClient sends the spans: OTLP over HTTP; gRPC would need OkHttp or grpc-java.
            "otel.exporter.otlp.protocol", "http/protobuf");

    private final OpenTelemetrySdk sdk;
    private final OtelTracer tracer;
    private final OtelPropagator propagator;

    private OtlpTracing(OpenTelemetrySdk sdk) {
        this.sdk = sdk;
        OtelCurrentTraceContext current = new OtelCurrentTraceContext();
        io.opentelemetry.api.trace.Tracer otel = sdk.getTracer("dev.statestore.server");
        this.tracer = new OtelTracer(otel, current, event -> { }, new OtelBaggageManager(current, List.of(), List.of()));
        this.propagator = new OtelPropagator(sdk.getPropagators(), otel);
    }

    /** @param settings {@code otel.*} properties; the environment's {@code OTEL_*} variables override them */
    static OtlpTracing start(Map<String, String> settings) {
        Map<String, String> properties = new HashMap<>(DEFAULTS);
        properties.putAll(settings);
        return new OtlpTracing(AutoConfiguredOpenTelemetrySdk.builder()
                .addPropertiesSupplier(() -> properties)
                .disableShutdownHook() // the server's close flushes and shuts it down
                .build()
                .getOpenTelemetrySdk());
    }

    /** A span for each store call, child of the request's span on the same thread. */
    void traceCalls(ObservationRegistry calls) {
        calls.observationConfig().observationHandler(new DefaultTracingObservationHandler(tracer));
    }

    /** A registry whose observations of requests become server spans, continuing the caller's trace. */
    ObservationRegistry requests() {
        ObservationRegistry requests = ObservationRegistry.create();
        requests.observationConfig().observationHandler(
                new PropagatingReceiverTracingObservationHandler<RequestReplyReceiverContext<HttpExchange, Object>>(
                        tracer, propagator));
        return requests;
    }

    /** The context of a request, whose headers the caller's trace is read from. */
    static RequestReplyReceiverContext<HttpExchange, Object> context(HttpExchange exchange) {
        RequestReplyReceiverContext<HttpExchange, Object> context =
                new RequestReplyReceiverContext<>((carrier, key) -> carrier.getRequestHeaders().getFirst(key));
        context.setCarrier(exchange);
        return context;
    }

    /** Exports the spans still buffered, then stops the SDK. */
    @Override
    public void close() {
        sdk.shutdown().join(10, TimeUnit.SECONDS);
    }
}
