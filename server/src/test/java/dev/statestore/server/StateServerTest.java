package dev.statestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.StackOutput;
import dev.statestore.StateStore;
import dev.statestore.StateStores;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server with a raw HTTP client: Alchemy's wire details, the conditional writes it adds, and bad
 * input answered with its status code, never a crash.
 */
class StateServerTest {

    private static final String TOKEN = "t0ken-" + UUID.randomUUID();
    private static final String SCOPE = "/state/stacks/app/stages/dev";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private StateStore store;
    private StateServer server;

    @BeforeEach
    void start() {
        store = StateStores.open("memory:");
        server = StateServer.start(store, ServerOptions.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN)
                .withMaxBodyBytes(1024 * 1024));
    }

    @AfterEach
    void stop() {
        server.close();
        store.close();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(server.uri() + path)).header("Authorization", "Bearer " + TOKEN);
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> put(String path, String json, String... headers) throws Exception {
        HttpRequest.Builder request = request(path).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request);
    }

    private static String record(String fqn, String status) {
        return "{\"kind\":\"resource\",\"fqn\":\"" + fqn + "\",\"status\":\"" + status + "\",\"attr\":{\"password\":"
                + "{\"__redacted__\":\"hunter2\"},\"at\":{\"__date__\":\"2026-01-02T03:04:05.000Z\"}}}";
    }

    @Test
    void alchemysRoutesAndStatusCodes() throws Exception {
        assertThat(send(HttpRequest.newBuilder(URI.create(server.uri() + "/version"))).body())
                .as("no token needed").isEqualTo("{\"version\":7,\"statestore\":1,\"capabilities\":[\"deployments\",\"history\"]}");
        // The fqn is encoded twice, as Alchemy's client sends it: Api/Worker as Api%252FWorker.
        HttpResponse<String> written = put(SCOPE + "/resources/Api%252FWorker", record("Api/Worker", "created"));
        assertThat(written.statusCode()).isEqualTo(200);
        assertThat(written.body()).isEqualTo(record("Api/Worker", "created"));
        assertThat(store.scope("app", "dev").require("Api/Worker").value().toJson()).isEqualTo(record("Api/Worker", "created"));

        HttpResponse<String> read = send(request(SCOPE + "/resources/Api%252FWorker"));
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.body()).isEqualTo(record("Api/Worker", "created"));
        assertThat(read.headers().firstValue("ETag")).hasValue("\"1\"");

        HttpResponse<String> absent = send(request(SCOPE + "/resources/Nope"));
        assertThat(absent.statusCode()).as("absent is 200 with an empty body").isEqualTo(200);
        assertThat(absent.body()).isEmpty();

        put(SCOPE + "/resources/Site", record("Site", "replaced"));
        assertThat(send(request(SCOPE + "/resources")).body()).isEqualTo("[\"Api/Worker\",\"Site\"]");
        assertThat(send(request(SCOPE + "/replaced-resources")).body()).isEqualTo("[" + record("Site", "replaced") + "]");
        assertThat(put(SCOPE + "/output", "{\"url\":\"https://x\"}").statusCode()).isEqualTo(200);
        assertThat(send(request(SCOPE + "/output")).body()).isEqualTo("{\"url\":\"https://x\"}");
        store.scope("app", "output-only").putOutput(StackOutput.fromJson("{}"));
        assertThat(send(request("/state/stacks")).body()).isEqualTo("[\"app\"]");
        assertThat(send(request("/state/stacks/app/stages")).body()).as("a stage with only an output is listed")
                .isEqualTo("[\"dev\",\"output-only\"]");

        HttpResponse<String> deleted = send(request(SCOPE + "/resources/Site").DELETE());
        assertThat(deleted.statusCode()).isEqualTo(204);
        assertThat(deleted.headers().firstValue("X-Statestore-Deleted")).hasValue("true");
        HttpResponse<String> again = send(request(SCOPE + "/resources/Site").DELETE());
        assertThat(again.statusCode()).as("also when already gone").isEqualTo(204);
        assertThat(again.headers().firstValue("X-Statestore-Deleted")).hasValue("false");

        // ?stage= is form-encoded: a stage's own characters arrive encoded.
        assertThat(send(request("/state/stacks/app?stage=output-only").DELETE()).statusCode()).isEqualTo(204);
        assertThat(store.stages("app")).containsExactly("dev");
        assertThat(send(request("/state/stacks/app?unknown=1").DELETE()).statusCode()).isEqualTo(204);
        assertThat(store.stacks()).isEmpty();
    }

    private HttpResponse<String> post(String path, String json) throws Exception {
        return send(request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private static com.fasterxml.jackson.databind.JsonNode json(HttpResponse<String> response) throws Exception {
        return dev.statestore.spi.StateJson.parse(response.body());
    }

    @Test
    void alchemysDeploymentRoutesWithItsBodiesStatusCodesAndTaggedErrors() throws Exception {
        String meta = "{\"command\":\"deploy\",\"initiator\":{\"user\":\"sam\",\"host\":\"laptop\",\"pid\":42},"
                + "\"alchemyVersion\":\"2.0.0\"}";
        HttpResponse<String> begun = post(SCOPE + "/deployments", "{\"meta\":" + meta + ",\"ttlMillis\":60000}");
        assertThat(begun.statusCode()).isEqualTo(200);
        assertThat(json(begun).get("version").asLong()).isEqualTo(1);
        String token = json(begun).get("token").textValue();

        HttpResponse<String> busy = post(SCOPE + "/deployments", "{\"meta\":" + meta + "}");
        assertThat(busy.statusCode()).isEqualTo(409);
        assertThat(json(busy).get("_tag").textValue()).isEqualTo("DeploymentInProgress");
        assertThat(json(busy).get("holder").get("version").asLong()).isEqualTo(1);
        assertThat(json(busy).get("holder").get("meta").get("initiator").get("user").textValue()).isEqualTo("sam");
        assertThat(busy.body()).doesNotContain(token);

        HttpResponse<String> appended = post(SCOPE + "/deployments/1/events", "{\"token\":\"" + token + "\",\"events\":["
                + "{\"seq\":1,\"ts\":1700000000000,\"payload\":{\"op\":\"start\"}},"
                + "{\"seq\":2,\"ts\":1700000000001,\"fqn\":\"Api\",\"payload\":[1,2.50,\"x\"]}]}");
        assertThat(appended.statusCode()).isEqualTo(200);
        assertThat(appended.body()).isEqualTo("{\"ackedSeq\":2}");
        assertThat(send(request(SCOPE + "/deployments/1/events?fromSeq=2")).body())
                .isEqualTo("[{\"seq\":2,\"ts\":1700000000001,\"fqn\":\"Api\",\"payload\":[1,2.50,\"x\"]}]");

        HttpResponse<String> wrong = post(SCOPE + "/deployments/1/heartbeat", "{\"token\":\"nope\"}");
        assertThat(wrong.statusCode()).isEqualTo(403);
        assertThat(json(wrong).get("_tag").textValue()).isEqualTo("DeploymentTokenInvalid");
        assertThat(json(wrong).get("version").asLong()).isEqualTo(1);
        HttpResponse<String> missing = post(SCOPE + "/deployments/9/heartbeat", "{\"token\":\"" + token + "\"}");
        assertThat(missing.statusCode()).isEqualTo(410);
        assertThat(json(missing).get("_tag").textValue()).isEqualTo("DeploymentNotFound");
        assertThat(post(SCOPE + "/deployments/1/heartbeat", "{\"token\":\"" + token + "\"}").statusCode()).isEqualTo(204);

        // A fenced write under the open deployment lands; once a newer one has begun it is refused.
        assertThat(put(SCOPE + "/resources/Api?fence=1", record("Api", "created")).statusCode()).isEqualTo(200);
        HttpResponse<String> takeover = post(SCOPE + "/deployments", "{\"meta\":" + meta + ",\"supersede\":1}");
        assertThat(json(takeover).get("version").asLong()).isEqualTo(2);
        HttpResponse<String> fenced = put(SCOPE + "/resources/Api?fence=1", record("Api", "updated"));
        assertThat(fenced.statusCode()).isEqualTo(412);
        assertThat(json(fenced).get("_tag").textValue()).isEqualTo("StateWriteFenced");
        assertThat(json(fenced).get("fence").asLong()).isEqualTo(1);
        assertThat(send(request(SCOPE + "/resources/Api?fence=1").DELETE()).statusCode()).isEqualTo(412);
        assertThat(put(SCOPE + "/output?fence=1", "{}").statusCode()).isEqualTo(412);
        assertThat(put(SCOPE + "/resources/Api?fence=zero", record("Api", "updated")).statusCode()).isEqualTo(400);
        assertThat(store.scope("app", "dev").require("Api").value().status().wireName()).isEqualTo("created");
        assertThat(send(request(SCOPE + "/all")).body()).isEqualTo("{\"Api\":" + record("Api", "created") + "}");

        assertThat(post(SCOPE + "/deployments/1/end", "{\"token\":\"" + token + "\",\"outcome\":\"succeeded\","
                + "\"summary\":{\"counts\":{\"create\":1}}}").statusCode()).isEqualTo(204);
        com.fasterxml.jackson.databind.JsonNode first = json(send(request(SCOPE + "/deployments/1")));
        assertThat(first.get("outcome").textValue()).isEqualTo("completed-late");
        assertThat(first.get("startedAt").isIntegralNumber()).isTrue();
        assertThat(first.toString()).doesNotContain(token).doesNotContain("tokenHash");
        assertThat(send(request(SCOPE + "/deployments/7")).body()).as("absent: 200, empty").isEmpty();
        com.fasterxml.jackson.databind.JsonNode listed = json(send(request(SCOPE + "/deployments?limit=1")));
        assertThat(listed).hasSize(1);
        assertThat(listed.get(0).get("version").asLong()).isEqualTo(2);
        assertThat(json(send(request(SCOPE + "/deployments?before=2"))).get(0).get("version").asLong()).isEqualTo(1);
        assertThat(post(SCOPE + "/deployments/2/end", "{\"token\":\"x\",\"outcome\":\"abandoned\"}").statusCode())
                .as("only an engine's outcomes").isEqualTo(400);
        assertThat(send(request(SCOPE + "/deployments").DELETE()).statusCode()).isEqualTo(404);
    }

    @Test
    void everyValidFqnIsItselfAndStaysInItsScope() throws Exception {
        String[] fqns = {"a/b/c", "50% off", "a%2Fb", "Naïve Bücket 🚀", "..x", "x..", "a:b#c?d&e=f+g", "back\\slash"};
        for (String fqn : fqns) {
            String path = SCOPE + "/resources/" + encode(encode(fqn));
            String json = "{\"fqn\":" + dev.statestore.spi.StateJson.compact(dev.statestore.spi.StateJson.nodes().textNode(fqn))
                    + ",\"status\":\"created\"}";
            HttpResponse<String> written = put(path, json);
            assertThat(written.statusCode()).as(fqn + ": " + written.body()).isEqualTo(200);
            assertThat(store.scope("app", "dev").get(fqn)).as(fqn).isPresent();
            assertThat(send(request(path)).body()).isEqualTo(json);
        }
        assertThat(store.scope("app", "dev").listAll()).hasSize(fqns.length);
        assertThat(store.stacks()).containsExactly("app");

        // An fqn trying to climb out of its scope is a name this store never writes: refused before the store. Read,
        // it is only a name: no record holds it (another tool's record could, in its own scope).
        for (String escape : new String[] {"..%252F..%252Fother%252Fprod%252Fx", "..", "a%252F..%252Fb"}) {
            HttpResponse<String> refused = put(SCOPE + "/resources/" + escape, "{\"fqn\":\"x\",\"status\":\"created\"}");
            assertThat(refused.statusCode()).as(escape).isEqualTo(400);
            HttpResponse<String> read = send(request(SCOPE + "/resources/" + escape));
            assertThat(read.statusCode()).as(escape).isEqualTo(200);
            assertThat(read.body()).as(escape).isEmpty();
        }
        // A record put under one fqn but naming another in its body is refused too.
        assertThat(put(SCOPE + "/resources/A", "{\"fqn\":\"B\",\"status\":\"created\"}").statusCode()).isEqualTo(400);
        assertThat(store.scope("app", "dev").listAll()).hasSize(fqns.length);
        assertThat(store.stacks()).containsExactly("app");
    }

    private static String encode(String s) {
        return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Test
    void conditionalWritesOverHttp() throws Exception {
        String path = SCOPE + "/resources/Db";
        HttpResponse<String> created = put(path, record("Db", "creating"), "If-None-Match", "*");
        assertThat(created.statusCode()).isEqualTo(200);
        assertThat(created.headers().firstValue("ETag")).hasValue("\"1\"");
        HttpResponse<String> twice = put(path, record("Db", "creating"), "If-None-Match", "*");
        assertThat(twice.statusCode()).isEqualTo(412);
        assertThat(twice.body()).contains("\"currentVersion\":1");

        assertThat(put(path, record("Db", "created"), "If-Match", "\"1\"").headers().firstValue("ETag")).hasValue("\"2\"");
        HttpResponse<String> stale = put(path, record("Db", "updated"), "If-Match", "\"1\"");
        assertThat(stale.statusCode()).isEqualTo(412);
        assertThat(stale.headers().firstValue("ETag")).hasValue("\"2\"");
        assertThat(store.scope("app", "dev").require("Db").value().status()).isEqualTo(ResourceStatus.CREATED);

        assertThat(send(request(path).header("If-Match", "\"1\"").DELETE()).statusCode()).isEqualTo(412);
        assertThat(send(request(path).header("If-Match", "\"2\"").DELETE()).statusCode()).isEqualTo(204);
        assertThat(store.scope("app", "dev").get("Db")).isEmpty();
        assertThat(put(path, record("Db", "created"), "If-Match", "\"2\"").statusCode()).as("no record: a conflict")
                .isEqualTo(412);
        assertThat(put(path, record("Db", "created"), "If-Match", "*").statusCode()).isEqualTo(400);

        // The deploy lock.
        HttpResponse<String> lease = send(request(SCOPE + "/lock").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"owner\":\"ci\",\"ttlMillis\":60000}")));
        assertThat(lease.statusCode()).isEqualTo(200);
        assertThat(lease.body()).contains("\"lockId\"", "\"fencingToken\":1");
        HttpResponse<String> held = send(request(SCOPE + "/lock").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"owner\":\"laptop\",\"ttlMillis\":60000}")));
        assertThat(held.statusCode()).isEqualTo(409);
        assertThat(held.body()).contains("\"owner\":\"ci\"").doesNotContain("lockId");
        assertThat(send(request(SCOPE + "/lock/not-the-lease").DELETE()).statusCode()).isEqualTo(409);
        assertThat(send(request(SCOPE + "/lock").DELETE()).headers().firstValue("X-Statestore-Deleted")).hasValue("true");
    }

    @Test
    void badInputIsAnsweredWithItsStatusNeverACrash() throws Exception {
        String path = SCOPE + "/resources/Db";
        HttpResponse<String> noToken = http.send(HttpRequest.newBuilder(URI.create(server.uri() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(noToken.statusCode()).isEqualTo(401);
        assertThat(noToken.body()).isEmpty();
        assertThat(send(HttpRequest.newBuilder(URI.create(server.uri() + path)).header("Authorization", "Bearer wrong"))
                .statusCode()).isEqualTo(401);
        assertThat(send(HttpRequest.newBuilder(URI.create(server.uri() + path)).header("Authorization", "Basic " + TOKEN))
                .statusCode()).isEqualTo(401);
        assertThat(send(HttpRequest.newBuilder(URI.create(server.uri() + path)).header("Authorization", "bEaReR   " + TOKEN + " "))
                .statusCode()).as("the scheme in any case, spaces trimmed").isEqualTo(200);

        assertThat(send(HttpRequest.newBuilder(URI.create(server.uri() + "/state/nothing-here"))).statusCode())
                .as("an unknown route is 404, even without a token").isEqualTo(404);
        assertThat(send(request("/version").DELETE()).statusCode()).as("an unknown method too").isEqualTo(404);
        assertThat(send(request(SCOPE + "/resources/a//b")).statusCode()).isEqualTo(404);
        assertThat(send(request(SCOPE + "/resources/%C3%28")).statusCode()).as("not UTF-8").isEqualTo(400);
        assertThat(send(request(SCOPE + "/resources/%25E2%2582")).statusCode()).as("not UTF-8 once decoded twice")
                .isEqualTo(400);
        assertThat(send(request(SCOPE + "/resources/%252")).statusCode()).as("a half escape").isEqualTo(400);
        assertThat(send(request("/state/stacks/a%2Fb/stages")).statusCode()).as("an invalid stack").isEqualTo(400);
        assertThat(send(request("/state/stacks/app?stage=a&stage=b").DELETE()).statusCode()).isEqualTo(400);
        assertThat(send(request(SCOPE + "/records?limit=0")).statusCode()).isEqualTo(400);
        assertThat(send(request(SCOPE + "/records?status=exploded")).statusCode()).isEqualTo(400);

        assertThat(put(path, "{\"fqn\": \"Db\", \"status\": tru").statusCode()).as("malformed JSON").isEqualTo(400);
        assertThat(put(path, "[1,2]").statusCode()).isEqualTo(400);
        assertThat(put(path, "{\"fqn\":\"Db\",\"status\":\"exploded\"}").statusCode()).isEqualTo(400);
        assertThat(put(path, "{\"fqn\":\"Db\",\"status\":\"created\",\"fqn\":\"X\"}").statusCode())
                .as("duplicate keys").isEqualTo(400);
        HttpResponse<String> textPlain = send(request(path).header("Content-Type", "text/plain")
                .PUT(HttpRequest.BodyPublishers.ofString(record("Db", "created"))));
        assertThat(textPlain.statusCode()).isEqualTo(415);
        HttpResponse<String> noType = send(request(path).PUT(HttpRequest.BodyPublishers.ofString(record("Db", "created"))));
        assertThat(noType.statusCode()).as("a missing content type is accepted").isEqualTo(200);

        // 100 MiB against a limit of 1 MiB: refused from its Content-Length, unread.
        assertThat(hugeBody(100L * 1024 * 1024)).startsWith("HTTP/1.1 413");
        assertThat(store.scope("app", "dev").require("Db").version()).isEqualTo(1);
        assertThat(send(HttpRequest.newBuilder(URI.create(server.uri() + "/version"))).statusCode())
                .as("the server still serves").isEqualTo(200);
    }

    @Test
    void aRequestLineThatIsNotAUriIsRefusedInJsonAndLoggedOnce() throws Exception {
        for (String bad : List.of("/resources/%zz", "/resources/%E0%A4%A", "/resources/trailing%")) {
            String path = SCOPE + bad;
            long before = refusalsLogged();
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
                socket.setSoTimeout((int) TimeUnit.SECONDS.toMillis(30));
                socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
                        + "Authorization: Bearer " + TOKEN + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(answer).as(bad).startsWith("HTTP/1.1 400").containsIgnoringCase("Content-Type: application/json");
                JsonNode body = dev.statestore.spi.StateJson.parse(answer.substring(answer.indexOf("\r\n\r\n") + 4));
                assertThat(body.path("error").asText()).as(bad).isEqualTo("invalid");
                assertThat(body.path("message").asText()).as(bad).contains("refused the request", "URI");
            }
            // Jetty has dropped the request line by then: the line names the reason and the client instead.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (refusalsLogged() == before && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(refusalsLogged()).as("one request log line for " + bad).isEqualTo(before + 1);
        }
        assertThat(send(HttpRequest.newBuilder(URI.create(server.uri() + "/version"))).statusCode())
                .as("the server still serves").isEqualTo(200);
        String unknown = "/state/nothing-here-" + UUID.randomUUID();
        assertThat(send(request(unknown)).statusCode()).isEqualTo(404);
        // The API logs a request after answering it: wait for its line, then count.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String log = "";
        while (!log.contains("GET " + unknown + " 404") && System.nanoTime() < deadline) {
            Thread.sleep(20);
            log = Files.readString(Path.of("target/server-requests.log"));
        }
        assertThat(log.lines().filter(line -> line.contains("GET " + unknown + " 404")).count())
                .as("the API's own answers are logged once, by the API").isEqualTo(1);
    }

    private static long refusalsLogged() throws IOException {
        return Files.readString(Path.of("target/server-requests.log")).lines()
                .filter(line -> line.contains("400 0 ms from ") && line.contains("refused by the HTTP server before the API")).count();
    }

    /** Sends the headers of a PUT of {@code length} bytes and as much body as the server takes; returns its status line. */
    private String hugeBody(long length) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
            socket.setSoTimeout((int) TimeUnit.SECONDS.toMillis(30));
            OutputStream out = socket.getOutputStream();
            out.write(("PUT " + SCOPE + "/resources/Db HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + TOKEN
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) ' ');
            try {
                for (long sent = 0; sent < length; sent += chunk.length) {
                    out.write(chunk);
                }
            } catch (IOException closedByTheServer) {
                // expected: the server answered and closed without reading the rest
            }
            InputStream in = socket.getInputStream();
            return new String(in.readNBytes(12), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void tlsWithAKeyStoreAndARequestLogWithoutSecrets(@TempDir Path tmp) throws Exception {
        Path keyStore = tmp.resolve("server.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process p = new ProcessBuilder(keytool, "-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", keyStore.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(new String(p.getInputStream().readAllBytes())).isZero();

        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            trust.load(in, "changeit".toCharArray());
        }
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext clientTls = SSLContext.getInstance("TLS");
        clientTls.init(null, trustManagers.getTrustManagers(), null);

        try (StateServer https = StateServer.start(store, ServerOptions.of(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN)
                .withTls(ServerOptions.tlsContext(keyStore, "changeit")))) {
            assertThat(https.uri().getScheme()).isEqualTo("https");
            HttpClient tlsClient = HttpClient.newBuilder().sslContext(clientTls).build();
            HttpResponse<String> written = tlsClient.send(HttpRequest.newBuilder(URI.create(https.uri() + SCOPE + "/resources/Tls"))
                    .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(record("Tls", "created"))).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(written.statusCode()).isEqualTo(200);
            assertThat(store.scope("app", "dev").require("Tls").value()).isEqualTo(ResourceState.fromJson(record("Tls", "created")));
        }

        String log = Files.readString(Path.of("target/server-requests.log"));
        assertThat(log).contains("PUT " + SCOPE + "/resources/Tls 200").doesNotContain(TOKEN).doesNotContain("hunter2");
    }
}
