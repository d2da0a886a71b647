package dev.statestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.statestore.ResourceState;
import dev.statestore.StateStore;
import dev.statestore.StateStores;
import dev.statestore.spi.StateJson;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
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

    private static final String TOKEN = "alchemy-" + UUID.randomUUID();

    @BeforeAll
    static void installAlchemysClient() throws Exception {
        AlchemyNode.install();
    }

    /** The stage folder of Alchemy's own state tree, beside the project. */
    static Path fixture() {
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

            JsonNode seen = StateJson.parse(AlchemyNode.run(AlchemyNode.HOME, List.of("node",
                    AlchemyNode.script("alchemy-client.mjs"), server.uri().toString(), fixture.toString()), 5,
                    "ALCHEMY_STATE_TOKEN", TOKEN));

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
