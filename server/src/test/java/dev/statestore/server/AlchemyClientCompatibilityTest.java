package dev.statestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.statestore.ResourceState;
import dev.statestore.StateStore;
import dev.statestore.StateStores;
import dev.statestore.spi.StateJson;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Alchemy's own HTTP state client ({@code alchemy} 2.0.0-beta.79 from the npm registry, under Node) against
 * this server: it writes the records of the fixture Alchemy wrote, lists, reads back, reads what Java wrote,
 * deletes, and is refused with a wrong token. Both sides must see the same documents. Needs {@code node} and
 * {@code npm} on the PATH; fails (never skips) without them.
 */
class AlchemyClientCompatibilityTest {

    private static final Path CLIENT = Path.of("target", "alchemy-client").toAbsolutePath();
    private static final String TOKEN = "alchemy-" + UUID.randomUUID();

    @BeforeAll
    static void installAlchemysClient() throws Exception {
        Files.createDirectories(CLIENT);
        Path manifest = Path.of("src", "test", "node", "package.json");
        boolean fresh = Files.isDirectory(CLIENT.resolve("node_modules/alchemy"))
                && Files.exists(CLIENT.resolve("package.json"))
                && Files.mismatch(manifest, CLIENT.resolve("package.json")) == -1;
        Files.copy(manifest, CLIENT.resolve("package.json"), StandardCopyOption.REPLACE_EXISTING);
        Files.copy(Path.of("src", "test", "node", "alchemy-client.mjs"), CLIENT.resolve("alchemy-client.mjs"),
                StandardCopyOption.REPLACE_EXISTING);
        if (!fresh) {
            // No lock file: it would name the registry's host. The four packages are pinned exactly.
            run(List.of("npm", "install", "--no-audit", "--no-fund", "--no-package-lock", "--ignore-scripts",
                    "--omit=optional", "--loglevel=error"), 15);
        }
    }

    private static String run(List<String> command, int minutes, String... env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(CLIENT.toFile());
        for (int i = 0; i < env.length; i += 2) {
            builder.environment().put(env[i], env[i + 1]);
        }
        File stderr = CLIENT.resolve("stderr.txt").toFile();
        builder.redirectError(stderr);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new AssertionError(command.get(0) + " is not on the PATH: this test needs Node.js 20+ and npm "
                    + "(Debian: apt-get install nodejs npm)", e);
        }
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(minutes, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in " + minutes + " minutes");
        }
        assertThat(process.exitValue()).as(String.join(" ", command) + " failed:\n" + Files.readString(stderr.toPath()))
                .isZero();
        return new String(out, StandardCharsets.UTF_8);
    }

    private static Path fixture() {
        String shared = System.getProperty("statestore.shared.dir", "../../shared");
        Path dir = Path.of(shared, "fixtures", "alchemy-local-state", ".alchemy", "state", "MyApp", "dev_sam")
                .toAbsolutePath().normalize();
        assertThat(dir).as("Alchemy's state fixture (the shared folder sits beside the project)").isDirectory();
        return dir;
    }

    private static JsonNode json(Path file) throws IOException {
        return StateJson.parse(Files.readString(file));
    }

    @Test
    void alchemysClientAndThisServerSeeTheSameDocuments() throws Exception {
        Path fixture = fixture();
        List<Path> records = new ArrayList<>();
        try (Stream<Path> files = Files.list(fixture)) {
            files.filter(f -> f.toString().endsWith(".json") && !f.getFileName().toString().equals("__stack_output__.json"))
                    .sorted().forEach(records::add);
        }
        try (StateStore store = StateStores.open("memory:");
                StateServer server = StateServer.start(store, ServerOptions.of(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN))) {
            Path password = fixture.resolve("Api__Db__Password.json");
            store.scope("from-java", "prod").put(ResourceState.fromJson(Files.readString(password)));

            JsonNode seen = StateJson.parse(run(List.of("node", "alchemy-client.mjs", server.uri().toString(),
                    fixture.toString()), 5, "ALCHEMY_STATE_TOKEN", TOKEN));

            assertThat(seen.path("version").asInt()).isEqualTo(7);
            assertThat(strings(seen.path("stacks"))).containsExactly("from-alchemy", "from-java");
            assertThat(strings(seen.path("stages"))).containsExactly("dev_sam");
            List<String> fqns = List.of("Api/Db/Password", "Api/Worker", "Bucket", "Nightly", "Old/Table", "Queue", "Site",
                    "Unicode/Naïve Bücket 🚀", "snake_case/with_under");
            assertThat(strings(seen.path("fqns"))).containsExactlyElementsOf(fqns);
            assertThat(strings(seen.path("replaced"))).containsExactly("Site");

            // What Alchemy's client wrote is, byte for byte, what Alchemy's local store wrote (compacted).
            for (Path file : records) {
                JsonNode expected = json(file);
                String fqn = expected.path("fqn").asText();
                assertThat(seen.path("readBack").get(fqn)).as("read back by Alchemy: " + fqn).isEqualTo(expected);
            }
            assertThat(seen.path("output")).isEqualTo(json(fixture.resolve("__stack_output__.json")));
            assertThat(seen.path("missingIsUndefined").asBoolean()).isTrue();
            assertThat(seen.path("missingOutputIsUndefined").asBoolean()).isTrue();
            assertThat(seen.path("fromJava")).as("what Java wrote, read by Alchemy").isEqualTo(json(password));

            List<String> left = new ArrayList<>(fqns);
            left.remove("Queue");
            assertThat(strings(seen.path("afterDelete"))).containsExactlyElementsOf(left);
            assertThat(strings(seen.path("doomedStages"))).containsExactly("b");
            assertThat(strings(seen.path("stacksAfter"))).doesNotContain("doomed");
            assertThat(seen.path("wrongToken").asText()).isEqualTo("refused: 401");

            // And through this project's API, the same documents.
            for (Path file : records) {
                JsonNode expected = json(file);
                String fqn = expected.path("fqn").asText();
                if (!fqn.equals("Queue")) {
                    assertThat(store.scope("from-alchemy", "dev_sam").require(fqn).value().toJson()).as(fqn)
                            .isEqualTo(StateJson.compact(expected));
                }
            }
            assertThat(store.scope("from-alchemy", "dev_sam").output().orElseThrow().value().toJson())
                    .isEqualTo(StateJson.compact(json(fixture.resolve("__stack_output__.json"))));
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(n -> values.add(n.asText()));
        return values;
    }
}
