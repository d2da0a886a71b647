package dev.statestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.statestore.StateStore;
import dev.statestore.StateStores;
import dev.statestore.spi.StateJson;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /metrics} as Prometheus reads it: scraped, then parsed by Prometheus' own text-format parser (Python's). */
class MetricsEndpointTest {

    private static final String TOKEN = "metrics-token-0123456789";
    private static final String SCOPE = "/state/stacks/billing/stages/prod-eu";
    private static final String FQN = "Payments-Db";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The families and samples of a scrape, as parsed by prometheus_client.parser. */
    private static JsonNode parse(String scrape, Path tmp) throws Exception {
        Path input = Files.writeString(tmp.resolve("scrape.txt"), scrape);
        String program = String.join("\n",
                "import json, sys",
                "from prometheus_client.parser import text_string_to_metric_families",
                "families = []",
                "for f in text_string_to_metric_families(open(sys.argv[1]).read()):",
                "    families.append({'name': f.name, 'type': f.type,",
                "        'samples': [{'name': s.name, 'labels': s.labels, 'value': s.value} for s in f.samples]})",
                "print(json.dumps(families))");
        Process python = new ProcessBuilder("/usr/bin/python3", "-c", program, input.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(python.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(python.exitValue()).as("Prometheus' parser accepted the scrape").isZero();
        return StateJson.parse(out);
    }

    @Test
    void metricsAreBehindTheTokenAndParseAsPrometheusTextWithNoRecordStackOrStageInThem(@TempDir Path tmp)
            throws Exception {
        try (StateStore store = StateStores.open("memory:");
                StateServer server = StateServer.start(store, ServerOptions.of(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN).withMetrics("memory", false))) {
            String record = "{\"kind\":\"resource\",\"fqn\":\"" + FQN + "\",\"status\":\"created\",\"attr\":{\"password\":\"hunter2\"}}";
            HttpRequest.Builder put = HttpRequest.newBuilder(URI.create(server.uri() + SCOPE + "/resources/" + FQN))
                    .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(record));
            assertThat(send(put).statusCode()).isEqualTo(200);
            assertThat(send(put.copy().header("If-Match", "\"7\"")).statusCode()).isEqualTo(412);
            assertThat(send(HttpRequest.newBuilder(URI.create(server.uri() + SCOPE + "/resources/" + FQN))
                    .header("Authorization", "Bearer " + TOKEN)).statusCode()).isEqualTo(200);

            assertThat(send(HttpRequest.newBuilder(URI.create(server.uri() + "/metrics"))).statusCode())
                    .as("behind the token").isEqualTo(401);
            HttpResponse<String> scraped = send(HttpRequest.newBuilder(URI.create(server.uri() + "/metrics"))
                    .header("Authorization", "Bearer " + TOKEN));
            assertThat(scraped.statusCode()).isEqualTo(200);
            assertThat(scraped.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");

            JsonNode families = parse(scraped.body(), tmp);
            List<String> labelValues = new ArrayList<>();
            double puts = 0;
            double conflicts = 0;
            double requests = 0;
            for (JsonNode family : families) {
                for (JsonNode sample : family.get("samples")) {
                    sample.get("labels").forEach(v -> labelValues.add(v.asText()));
                    JsonNode labels = sample.get("labels");
                    if (sample.get("name").asText().equals("statestore_call_seconds_count")
                            && labels.path("backend").asText().equals("memory")) {
                        if (labels.path("operation").asText().equals("put") && labels.path("outcome").asText().equals("ok")) {
                            puts += sample.get("value").asDouble();
                        }
                        if (labels.path("operation").asText().equals("update")
                                && labels.path("outcome").asText().equals("conflict")) {
                            conflicts += sample.get("value").asDouble();
                        }
                    }
                    if (sample.get("name").asText().equals("statestore_http_requests_seconds_count")
                            && labels.path("route").asText().equals("resource") && labels.path("method").asText().equals("PUT")) {
                        requests += sample.get("value").asDouble();
                    }
                }
            }
            assertThat(puts).as("the unconditional PUT, observed as the store's put").isEqualTo(1);
            assertThat(conflicts).as("the PUT with a stale If-Match").isEqualTo(1);
            assertThat(requests).as("both PUTs, by route").isEqualTo(2);
            assertThat(labelValues).isNotEmpty().noneMatch(v -> v.contains(FQN) || v.contains("billing")
                    || v.contains("prod-eu") || v.contains("hunter2") || v.contains(TOKEN));
        }
        try (StateStore store = StateStores.open("memory:");
                StateServer open = StateServer.start(store, ServerOptions.of(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN).withMetrics("memory", true));
                StateServer none = StateServer.start(store, ServerOptions.of(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN))) {
            assertThat(send(HttpRequest.newBuilder(URI.create(open.uri() + "/metrics"))).statusCode())
                    .as("--metrics-public").isEqualTo(200);
            assertThat(send(HttpRequest.newBuilder(URI.create(none.uri() + "/metrics"))
                    .header("Authorization", "Bearer " + TOKEN)).statusCode()).as("without metrics").isEqualTo(404);
        }
    }
}
