package dev.statestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.InvalidStateException;
import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.StateNames;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.StateStores;
import dev.statestore.Versioned;
import dev.statestore.spi.StateJson;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file store and Alchemy's own {@code LocalState} (under Node) on one state tree, both ways, over a fuzzed set
 * of awkward fqns: every fqn Alchemy can write and read back by itself, written here, is read back by Alchemy as
 * the same record (0 misreads), and every record Alchemy writes reads back here. The names Alchemy cannot
 * round-trip by itself are skipped and counted. The seed is printed; {@code -Dstatestore.names.seed=N} repeats it.
 */
class AlchemyLocalStateRoundTripTest {

    private static final int NAMES = 1_200;
    /** Alchemy's name is its file name: at most 255 bytes with ".json". */
    private static final int ALCHEMY_MAX_NAME_BYTES = 255 - ".json".length();
    /**
     * Alchemy writes through a temporary file, {@code NAME.json.PID.RANDOM.tmp}, up to 26 bytes longer: past this
     * it cannot write a name at all (it still reads one it finds).
     */
    private static final int ALCHEMY_MAX_WRITTEN_NAME_BYTES = ALCHEMY_MAX_NAME_BYTES - ".12345678.abcdefghijkl.tmp".length();

    @TempDir
    Path tmp;

    @BeforeAll
    static void installAlchemy() throws Exception {
        AlchemyNode.install();
    }

    private static final List<String> FRAGMENTS = List.of(
            "a", "Bucket", "Api", "x", "Naïve", "Bücket", "🚀", "日本語", "e\u0301", "עברית", "Ω", " ", "  ", "-", ".", "~",
            "%", "%25", "%2F", "%2f", "%5F", "%5C", "%20", "%~", "%zz", "100%", "%E2%82%AC", "_", "__", "___", "_x_",
            "\\", "\\\\", ":", "#", "?", "&", "=", "+", "'", "\"", "(", ")", "[", "]", "{", "}", "$", "!", "@", ",", ";",
            "stack_output", "__stack_output__", "json", ".json", "CON", "nul");

    /** Awkward fqns, valid here: fragments glued into 1 to 4 segments, plus long names near Alchemy's limit. */
    private static List<String> names(long seed) {
        Random random = new Random(seed);
        Set<String> names = new LinkedHashSet<>();
        while (names.size() < NAMES) {
            StringBuilder fqn = new StringBuilder();
            int segments = 1 + random.nextInt(4);
            for (int s = 0; s < segments; s++) {
                if (s > 0) {
                    fqn.append('/');
                }
                int parts = 1 + random.nextInt(4);
                for (int p = 0; p < parts; p++) {
                    fqn.append(FRAGMENTS.get(random.nextInt(FRAGMENTS.size())));
                }
            }
            if (random.nextInt(20) == 0) {
                // Long: around Alchemy's own limit, on both sides of it, in one- to four-byte characters.
                String unit = List.of("x", "é", "日", "🚀").get(random.nextInt(4));
                int bytes = ALCHEMY_MAX_NAME_BYTES - 30 + random.nextInt(60);
                while (fqn.toString().getBytes(StandardCharsets.UTF_8).length < bytes) {
                    fqn.append(unit);
                }
            }
            String candidate = fqn.toString();
            try {
                StateNames.requireValidFqn(candidate);
                names.add(candidate);
            } catch (InvalidStateException notAName) {
                // only names this store accepts are written
            }
        }
        return new ArrayList<>(names);
    }

    /** Alchemy's file name for the fqn, and the fqn its listing turns that name back into. */
    private static String alchemyName(String fqn) {
        return fqn.replace("/", "__");
    }

    private static boolean alchemyRoundTrips(String fqn) {
        String name = alchemyName(fqn);
        return name.replace("__", "/").equals(fqn) && name.getBytes(StandardCharsets.UTF_8).length <= ALCHEMY_MAX_NAME_BYTES;
    }

    private JsonNode alchemy(Path root, String mode, String stack, String stage, List<String> fqns) throws Exception {
        ObjectNode input = StateJson.nodes().objectNode();
        input.put("stack", stack);
        input.put("stage", stage);
        fqns.forEach(input.putArray("fqns")::add);
        Path file = tmp.resolve(mode + "-names.json");
        Files.writeString(file, StateJson.compact(input));
        return StateJson.parse(AlchemyNode.run(root, List.of("node", AlchemyNode.script("alchemy-local-state.mjs"), mode,
                file.toString()), 5));
    }

    @Test
    void everyNameAlchemyRoundTripsReadsBackTheSameRecordBothWays() throws Exception {
        long seed = Long.getLong("statestore.names.seed", new Random().nextLong());
        List<String> names = names(seed);
        Map<String, Integer> sharing = new HashMap<>();
        names.forEach(n -> sharing.merge(alchemyName(n), 1, Integer::sum));
        List<String> checked = new ArrayList<>();
        List<String> writable = new ArrayList<>();
        int notRoundTripping = 0;
        int ambiguous = 0;
        for (String name : names) {
            if (!alchemyRoundTrips(name)) {
                notRoundTripping++;
            } else if (sharing.get(alchemyName(name)) > 1) {
                ambiguous++;
            } else {
                checked.add(name);
                if (alchemyName(name).getBytes(StandardCharsets.UTF_8).length <= ALCHEMY_MAX_WRITTEN_NAME_BYTES) {
                    writable.add(name);
                }
            }
        }
        System.out.printf("Alchemy round trip, seed %d: %d names; %d read by Alchemy from a tree written here, %d of "
                + "them also written by Alchemy and read here; skipped as Alchemy's own ambiguity: %d it cannot "
                + "round-trip itself (a '__', a '/' next to '_', or over %d bytes), %d sharing one Alchemy name with "
                + "another name of the set, and %d it reads but cannot write (over %d bytes: its temporary file's name is "
                + "longer)%n", seed, names.size(), checked.size(), writable.size(), notRoundTripping, ALCHEMY_MAX_NAME_BYTES,
                ambiguous, checked.size() - writable.size(), ALCHEMY_MAX_WRITTEN_NAME_BYTES);
        assertThat(writable).as("seed " + seed).hasSizeGreaterThan(NAMES / 2);

        // Written here (every name, in the generated order), read by Alchemy.
        Path root = tmp.resolve("ours");
        try (StateStore store = StateStores.open("file:" + root.resolve(".alchemy"))) {
            StateScope scope = store.scope("app", "fuzz");
            for (String name : names) {
                scope.put(ResourceState.builder(name, ResourceStatus.CREATED).resourceType("Test.Fuzz").build());
            }
        }
        JsonNode seen = alchemy(root, "read", "app", "fuzz", checked);
        Set<String> listed = new HashSet<>();
        seen.path("listed").forEach(n -> listed.add(n.asText()));
        List<String> misread = new ArrayList<>();
        for (String name : checked) {
            JsonNode read = seen.path("read").get(name);
            if (read == null || !name.equals(read.asText(null)) || !listed.contains(name)) {
                misread.add(name + " -> read " + read + (listed.contains(name) ? "" : ", not listed"));
            }
        }
        assertThat(misread).as("seed " + seed + ": names Alchemy misreads in a tree written here").isEmpty();

        // Written by Alchemy, read here.
        Path theirs = tmp.resolve("theirs");
        Files.createDirectories(theirs);
        alchemy(theirs, "write", "app", "fuzz", writable);
        try (StateStore store = StateStores.open("file:" + theirs.resolve(".alchemy"))) {
            StateScope scope = store.scope("app", "fuzz");
            List<String> ours = scope.listAll().stream().map(v -> v.value().fqn()).collect(Collectors.toList());
            assertThat(ours).as("seed " + seed).containsExactlyInAnyOrderElementsOf(writable);
            for (String name : writable) {
                Versioned<ResourceState> read = scope.require(name);
                assertThat(read.value().props().orElseThrow().path("by").asText()).as(name).isEqualTo("alchemy");
            }
            assertThat(store.diagnose()).as("seed " + seed).isEmpty();
        }
    }

    @Test
    void recordsAlchemyWritesUnderNamesThisStoreRefusesAreListedAndReadNeverWritten() throws Exception {
        List<String> foreign = List.of("/lead", "a//b", "x/./y", "tab\there", "trail/", "..");
        Path theirs = tmp.resolve("foreign");
        Files.createDirectories(theirs);
        alchemy(theirs, "write", "app", "fuzz", foreign);
        try (StateStore store = StateStores.open("file:" + theirs.resolve(".alchemy"))) {
            StateScope scope = store.scope("app", "fuzz");
            assertThat(scope.listAll().stream().map(v -> v.value().fqn())).containsExactlyInAnyOrderElementsOf(foreign);
            for (String name : foreign) {
                assertThat(StateNames.fqnProblem(name)).as(name).isPresent();
                Versioned<ResourceState> read = scope.require(name);
                assertThat(read.value().props().orElseThrow().path("by").asText()).as(name).isEqualTo("alchemy");
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> scope.put(read.value())).as(name)
                        .isInstanceOf(InvalidStateException.class).hasMessageContaining("never writes or deletes");
            }
            assertThat(store.diagnose()).as("one line per such file").hasSize(foreign.size());
        }
    }
}
