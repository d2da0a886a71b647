package dev.statestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.statestore.StateStore;
import dev.statestore.StateStores;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * serve's spans as an OpenTelemetry collector receives them: exported over OTLP (http/protobuf) to a stub collector,
 * parsed with OpenTelemetry's own protobuf classes. A request continues the caller's W3C trace; each store call is a
 * child span of its request; nothing of a path, a record, a secret or the token is in any of it.
 */
class OtlpTracingTest {

    private static final String TOKEN = "tracing-token-0123456789";
    private static final String SCOPE = "/state/stacks/billing/stages/prod-eu";
    private static final String FQN = "Payments-Db";
    private static final String SECRET = "hunter2-" + System.nanoTime();
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CALLER_SPAN = "00f067aa0ba902b7";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static Map<String, String> attributes(List<KeyValue> values) {
        return values.stream().collect(Collectors.toMap(KeyValue::getKey, kv -> kv.getValue().getStringValue(),
                (a, b) -> a));
    }

    @Test
    void requestsAndStoreCallsAreSpansOfTheCallersTraceWithNoPathRecordOrSecretInThem() throws Exception {
        List<byte[]> exports = new CopyOnWriteArrayList<>();
        HttpServer collector = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        collector.createContext("/v1/traces", exchange -> {
            exports.add(exchange.getRequestBody().readAllBytes());
            exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1); // an empty ExportTraceServiceResponse
            exchange.close();
        });
        collector.start();
        try (StateStore store = StateStores.open("memory:")) {
            try (StateServer server = StateServer.start(store, ServerOptions.of(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN).withMetrics("memory", false)
                    .withOtlpTracing("memory", Map.of(
                            "otel.exporter.otlp.endpoint", "http://127.0.0.1:" + collector.getAddress().getPort(),
                            "otel.bsp.schedule.delay", "100")))) {
                String record = "{\"kind\":\"resource\",\"fqn\":\"" + FQN + "\",\"status\":\"created\","
                        + "\"attr\":{\"password\":\"" + SECRET + "\"}}";
                HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(server.uri() + SCOPE
                                + "/resources/" + FQN))
                        .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                        .header("traceparent", "00-" + TRACE + "-" + CALLER_SPAN + "-01")
                        .PUT(HttpRequest.BodyPublishers.ofString(record)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(put.statusCode()).isEqualTo(200);
                HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(server.uri() + SCOPE
                                + "/resources/" + FQN)).header("Authorization", "Bearer " + TOKEN).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(get.statusCode()).isEqualTo(200);
            } // closing the server exports what is left
        } finally {
            collector.stop(0);
        }

        List<Span> spans = new ArrayList<>();
        List<String> resourceNames = new ArrayList<>();
        for (byte[] export : exports) {
            String raw = new String(export, StandardCharsets.ISO_8859_1);
            assertThat(raw).as("nothing of a record, a scope, a secret or the token on the wire")
                    .doesNotContain(FQN).doesNotContain(SECRET).doesNotContain(TOKEN).doesNotContain("billing")
                    .doesNotContain("prod-eu");
            for (ResourceSpans resource : ExportTraceServiceRequest.parseFrom(export).getResourceSpansList()) {
                resourceNames.add(attributes(resource.getResource().getAttributesList()).get("service.name"));
                for (ScopeSpans scope : resource.getScopeSpansList()) {
                    spans.addAll(scope.getSpansList());
                }
            }
        }
        assertThat(resourceNames).isNotEmpty().containsOnly("statestore-serve");

        Span request = spans.stream().filter(s -> s.getName().equals("PUT resource")).findFirst().orElseThrow();
        assertThat(request.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
        assertThat(HexFormat.of().formatHex(request.getTraceId().toByteArray())).as("the caller's trace").isEqualTo(TRACE);
        assertThat(HexFormat.of().formatHex(request.getParentSpanId().toByteArray())).isEqualTo(CALLER_SPAN);
        assertThat(attributes(request.getAttributesList())).containsEntry("method", "PUT").containsEntry("route", "resource")
                .containsEntry("status", "200");

        Span put = spans.stream().filter(s -> s.getName().equals("statestore put")).findFirst().orElseThrow();
        assertThat(put.getTraceId()).isEqualTo(request.getTraceId());
        assertThat(put.getParentSpanId()).as("the store call under its request").isEqualTo(request.getSpanId());
        assertThat(attributes(put.getAttributesList())).containsEntry("backend", "memory").containsEntry("operation", "put")
                .containsEntry("outcome", "ok");

        Span read = spans.stream().filter(s -> s.getName().equals("GET resource")).findFirst().orElseThrow();
        assertThat(read.getTraceId()).as("no traceparent: a trace of its own").isNotEqualTo(request.getTraceId());
        assertThat(spans).anySatisfy(s -> {
            assertThat(s.getName()).isEqualTo("statestore get");
            assertThat(s.getParentSpanId()).isEqualTo(read.getSpanId());
        });
    }
}
