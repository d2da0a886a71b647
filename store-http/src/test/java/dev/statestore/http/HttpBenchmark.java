package dev.statestore.http;

import dev.statestore.StateStore;
import dev.statestore.StateStores;
import dev.statestore.bench.BenchmarkRun;
import dev.statestore.bench.RawClient;
import dev.statestore.server.ServerOptions;
import dev.statestore.server.StateServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Not a test: the benchmark's workloads through {@code statestore serve} in front of the memory store (see
 * {@code benchmarks/run.sh}), the {@code http://} store next to the JDK's HTTP client making the same
 * requests by hand on the same server: {@code GET}, {@code PUT} with {@code If-None-Match: *} or
 * {@code If-Match}, {@code DELETE} with {@code If-Match}.
 */
public final class HttpBenchmark {

    public static void main(String[] args) throws Exception {
        String token = "bench-" + UUID.randomUUID();
        Path tokenFile = Files.createTempFile("statestore-bench-token-", ".txt");
        tokenFile.toFile().deleteOnExit();
        Files.writeString(tokenFile, token);
        StateStore behind = StateStores.open("memory:");
        StateServer server = StateServer.start(behind, ServerOptions.of(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), token));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Map<String, String> etags = new HashMap<>();
        String base = server.uri() + "/state/stacks/raw/stages/prod/resources/";
        BenchmarkRun.run("http (serve, memory)", server.uri() + "?token=file:" + tokenFile, new RawClient() {
            private HttpRequest.Builder request(String key) {
                return HttpRequest.newBuilder(URI.create(base + key)).header("Authorization", "Bearer " + token);
            }

            private HttpResponse<byte[]> send(HttpRequest.Builder request, int expected) throws Exception {
                HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
                if (response.statusCode() != expected) {
                    throw new IllegalStateException("answered " + response.statusCode());
                }
                return response;
            }

            @Override
            public String describe(String operation) {
                return switch (operation) {
                    case "get" -> "GET";
                    case "create" -> "PUT If-None-Match: *";
                    case "update" -> "PUT If-Match";
                    default -> "DELETE If-Match";
                };
            }

            @Override
            public void get(String key) throws Exception {
                send(request(key).GET(), 200);
            }

            @Override
            public void create(String key, String json) throws Exception {
                etags.put(key, send(request(key).header("If-None-Match", "*").header("Content-Type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofString(json.replace("\"fqn\":\"x\"", "\"fqn\":\"" + key + "\""))), 200)
                        .headers().firstValue("ETag").orElseThrow());
            }

            @Override
            public void update(String key, String json) throws Exception {
                etags.put(key, send(request(key).header("If-Match", etags.get(key)).header("Content-Type", "application/json")
                        .PUT(HttpRequest.BodyPublishers.ofString(json.replace("\"fqn\":\"x\"", "\"fqn\":\"" + key + "\""))), 200)
                        .headers().firstValue("ETag").orElseThrow());
            }

            @Override
            public void delete(String key) throws Exception {
                send(request(key).header("If-Match", etags.remove(key)).DELETE(), 204);
            }

            @Override
            public void close() {
                server.close();
                behind.close();
            }
        }, args);
        System.exit(0);
    }
}
