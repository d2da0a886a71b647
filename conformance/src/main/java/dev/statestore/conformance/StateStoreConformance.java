package dev.statestore.conformance;

import static dev.statestore.conformance.TestRecords.counter;
import static dev.statestore.conformance.TestRecords.json;
import static dev.statestore.conformance.TestRecords.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.statestore.CorruptStateException;
import dev.statestore.DeploymentEvent;
import dev.statestore.DeploymentInProgressException;
import dev.statestore.DeploymentLease;
import dev.statestore.DeploymentMeta;
import dev.statestore.DeploymentNotFoundException;
import dev.statestore.DeploymentOutcome;
import dev.statestore.DeploymentRecord;
import dev.statestore.DeploymentSummary;
import dev.statestore.DeploymentTokenInvalidException;
import dev.statestore.Deployments;
import dev.statestore.InvalidStateException;
import dev.statestore.StateDiff;
import dev.statestore.RepairChoices;
import dev.statestore.RepairFinding;
import dev.statestore.Surgery;
import dev.statestore.SurgeryIncompleteException;
import dev.statestore.SurgeryPlan;
import dev.statestore.SurgeryResult;
import dev.statestore.SurgeryStep;
import dev.statestore.StateChange;
import dev.statestore.ScopeSnapshot;
import dev.statestore.RestoreResult;
import dev.statestore.RestoreIncompleteException;
import dev.statestore.HistoryNotKeptException;
import dev.statestore.History;
import dev.statestore.InvalidStoreUrlException;
import dev.statestore.LockConflictException;
import dev.statestore.LockInfo;
import dev.statestore.LockLease;
import dev.statestore.Page;
import dev.statestore.ResourceState;
import dev.statestore.spi.StateJson;
import dev.statestore.spi.StateStoreProvider;
import dev.statestore.spi.StoreUrl;
import dev.statestore.spi.DocumentToWrite;
import dev.statestore.spi.WriteCondition;
import dev.statestore.spi.StateKey;
import dev.statestore.spi.StoreBackend;
import dev.statestore.ResourceStatus;
import dev.statestore.ScopeId;
import dev.statestore.StackOutput;
import dev.statestore.StateConflictException;
import dev.statestore.StateNames;
import dev.statestore.StateNotFoundException;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.StateStoreException;
import dev.statestore.StateStoreUnavailableException;
import dev.statestore.StateWriteFencedException;
import dev.statestore.StateStores;
import dev.statestore.StoreLimits;
import dev.statestore.UnknownSchemeException;
import dev.statestore.Versioned;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The conformance suite: what every state store does, whatever its backend. A store module extends
 * this class in its tests and supplies a {@link ConformanceFixture}; it cannot change or disable a
 * case (the cases are package-private).
 *
 * <pre>{@code
 * class PostgresConformanceTest extends StateStoreConformance {
 *     static final PostgresFixture FIXTURE = new PostgresFixture();
 *     @Override protected ConformanceFixture fixture() { return FIXTURE; }
 * }
 * }</pre>
 */
public abstract class StateStoreConformance {

    private static final ScopeId SCOPE = new ScopeId("MyApp", "dev_sam");

    /** The fixture that hands out this backend's stores. Called once per test. */
    protected abstract ConformanceFixture fixture();

    private final List<StateStore> opened = new ArrayList<>();
    private String url;
    private StateStore store;

    @BeforeEach
    final void openFreshStore() {
        url = fixture().newStoreUrl();
        store = open(url);
    }

    @AfterEach
    final void closeStores() {
        opened.forEach(StateStore::close);
        opened.clear();
    }

    private StateStore open(String storeUrl) {
        StateStore s = StateStores.open(storeUrl);
        opened.add(s);
        return s;
    }

    private StateScope scope() {
        return store.scope(SCOPE);
    }

    /** Runs one deployment of {@code initiator}: its fenced writes, then its end. @return its version */
    private long deployAs(DeploymentMeta.Initiator initiator, java.util.function.Consumer<StateScope> writes) {
        return TestDeployments.deploy(scope(), initiator, writes);
    }

    /** Each record's JSON text by fqn, and the output's, without versions: what a restore brings back byte for byte. */
    private static Map<String, String> documents(ScopeSnapshot snapshot) {
        Map<String, String> documents = new java.util.TreeMap<>();
        snapshot.records().forEach((fqn, r) -> documents.put(fqn, r.value().toJson()));
        if (snapshot.output() != null) {
            documents.put("<output>", snapshot.output().value().toJson());
        }
        return documents;
    }

    private static List<String> fqns(List<Versioned<ResourceState>> records) {
        return records.stream().map(v -> v.value().fqn()).collect(Collectors.toList());
    }

    private static List<String> sorted(Iterable<String> names) {
        List<String> list = new ArrayList<>();
        names.forEach(list::add);
        list.sort(StateNames.ORDER);
        return list;
    }

    private static <T> List<T> race(int threads, Callable<T> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return task.call();
                }));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> f : futures) {
                results.add(f.get(60, TimeUnit.SECONDS));
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * 8 threads at once, alternately on this test's store and on {@code second}: each makes {@code attempt} (given its
     * instance and its number); a {@code losing} exception means it lost. @return the winners' results
     */
    private <T> List<T> raceOnTwoInstances(StateStore second, Class<? extends RuntimeException> losing,
            java.util.function.BiFunction<StateStore, Integer, T> attempt) throws Exception {
        AtomicInteger thread = new AtomicInteger();
        List<Optional<T>> results = race(8, () -> {
            int me = thread.getAndIncrement();
            try {
                return Optional.of(attempt.apply(me % 2 == 0 ? store : second, me));
            } catch (RuntimeException e) {
                if (losing.isInstance(e)) {
                    return Optional.empty();
                }
                throw e;
            }
        });
        return results.stream().flatMap(Optional::stream).collect(Collectors.toList());
    }

    @Nested
    @DisplayName("round trips: a record reads back exactly as written")
    class RoundTrips {

        @Test
        @Timeout(120)
        @DisplayName("a record that grows large and shrinks again reads back exactly at every size")
        void growAndShrink() {
            ResourceState small = record("Grow", ResourceStatus.CREATED);
            ResourceState large = TestRecords.incompressible("Grow", 700 * 1024, 11);
            ResourceState larger = TestRecords.incompressible("Grow", 900 * 1024, 12);
            Versioned<ResourceState> v = scope().create(small);
            for (ResourceState next : List.of(large, small, larger, small, large)) {
                v = scope().update(next, v.version());
                assertThat(scope().require("Grow").value()).isEqualTo(next);
            }
            assertThat(scope().require("Grow").version()).isEqualTo(6);
            scope().delete("Grow", 6);
            assertThat(scope().get("Grow")).isEmpty();
            assertThat(scope().create(small).version()).isEqualTo(7);
        }

        @Test
        @DisplayName("every field of a resource record, through the typed accessors")
        void everyResourceField() {
            ResourceState previous = ResourceState.builder("Api/Site", ResourceStatus.CREATED)
                    .resourceType("Cloudflare.Website").props(json("{\"v\":1}")).build();
            ResourceState written = ResourceState.builder("Api/Site", ResourceStatus.REPLACING)
                    .resourceType("Cloudflare.Website").namespace("Api").logicalId("Site").instanceId("i-0004")
                    .providerVersion(3).downstream(List.of("Api/Route", "Dns"))
                    .bindings(json("[{\"sid\":\"Read\",\"binding\":{\"bucket\":\"Bucket\"}}]"))
                    .props(json("{\"v\":2}")).attr(json("{\"id\":\"new\"}")).removalPolicy("retain")
                    .providerMode("local").previousGeneration(previous).deleteFirst(true).adopting(false)
                    .build();
            Versioned<ResourceState> created = scope().create(written);
            ResourceState read = scope().require("Api/Site").value();

            assertThat(created.version()).isEqualTo(1);
            assertThat(read.toJson()).isEqualTo(written.toJson());
            assertThat(read.kind()).contains("resource");
            assertThat(read.isAction()).isFalse();
            assertThat(read.resourceType()).contains("Cloudflare.Website");
            assertThat(read.namespace()).contains("Api");
            assertThat(read.fqn()).isEqualTo("Api/Site");
            assertThat(read.logicalId()).contains("Site");
            assertThat(read.instanceId()).contains("i-0004");
            assertThat(read.providerVersion()).hasValue(3);
            assertThat(read.status()).isEqualTo(ResourceStatus.REPLACING);
            assertThat(read.downstream()).containsExactly("Api/Route", "Dns");
            assertThat(read.bindings()).contains(json("[{\"sid\":\"Read\",\"binding\":{\"bucket\":\"Bucket\"}}]"));
            assertThat(read.props()).contains(json("{\"v\":2}"));
            assertThat(read.attr()).contains(json("{\"id\":\"new\"}"));
            assertThat(read.removalPolicy()).contains("retain");
            assertThat(read.providerMode()).contains("local");
            assertThat(read.previousGeneration()).contains(previous);
            assertThat(read.deleteFirst()).contains(true);
            assertThat(read.adopting()).contains(false);
        }

        @Test
        @DisplayName("every field of an action record")
        void everyActionField() {
            ResourceState written = ResourceState.builder("Nightly", ResourceStatus.RAN).logicalId("Nightly")
                    .actionType("NightlySync").inputHash("9f2c").input(json("{\"n\":1}"))
                    .output(json("{\"ok\":true}")).downstream(List.of()).build();
            scope().create(written);
            ResourceState read = scope().require("Nightly").value();

            assertThat(read.toJson()).isEqualTo(written.toJson());
            assertThat(read.isAction()).isTrue();
            assertThat(read.status()).isEqualTo(ResourceStatus.RAN);
            assertThat(read.actionType()).contains("NightlySync");
            assertThat(read.inputHash()).contains("9f2c");
            assertThat(read.input()).contains(json("{\"n\":1}"));
            assertThat(read.output()).contains(json("{\"ok\":true}"));
        }

        static Stream<Arguments> awkwardJson() {
            return TestRecords.awkwardProps().entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("awkwardJson")
        @DisplayName("awkward JSON, byte for byte")
        void awkwardJsonExactly(String name, String propsJson) {
            String document = "{\"kind\":\"resource\",\"fqn\":\"Awkward\",\"status\":\"created\",\"props\":"
                    + propsJson + "}";
            ResourceState written = ResourceState.fromJson(document);
            assertThat(written.toJson()).as("the test document is already canonical").isEqualTo(document);

            scope().put(written);

            Versioned<ResourceState> read = scope().require("Awkward");
            assertThat(read.value().toJson()).isEqualTo(document);
            assertThat(read.value()).isEqualTo(written);
        }

        static Stream<Arguments> shapes() {
            return TestRecords.shapes().entrySet().stream().map(e -> Arguments.of(e.getKey(), e.getValue()));
        }

        @ParameterizedTest(name = "{0}")
        @MethodSource("shapes")
        @DisplayName("every record shape of Alchemy (statuses, old chains, actions, tagged values, unknown fields)")
        void everyShape(String name, String document) {
            ResourceState written = ResourceState.fromJson(document);
            assertThat(written.toJson()).isEqualTo(document);

            scope().create(written);

            assertThat(scope().require(written.fqn()).value().toJson()).isEqualTo(document);
        }

        @Test
        @DisplayName("the old-generation chain of a replaced record reads as records")
        void oldChain() {
            ResourceState replaced = ResourceState.fromJson(TestRecords.shapes().get("replaced"));
            scope().create(replaced);

            ResourceState read = scope().require("S/replaced").value();
            ResourceState gen2 = read.previousGeneration().orElseThrow();
            ResourceState gen1 = gen2.previousGeneration().orElseThrow();
            assertThat(gen2.status()).isEqualTo(ResourceStatus.REPLACING);
            assertThat(gen1.status()).isEqualTo(ResourceStatus.CREATED);
            assertThat(gen1.attr()).contains(json("{\"id\":\"g1\"}"));
            assertThat(gen1.previousGeneration()).isEmpty();
        }

        @Test
        @DisplayName("a field the library does not know survives a read-modify-write, in its place")
        void unknownFieldsSurvive() {
            scope().create(ResourceState.fromJson(TestRecords.shapes().get("unknown fields")));
            Versioned<ResourceState> read = scope().require("S/future");

            ResourceState modified = read.value().toBuilder().status(ResourceStatus.UPDATED)
                    .props(json("{\"x\":2}")).build();
            scope().update(modified, read.version());

            assertThat(scope().require("S/future").value().toJson()).isEqualTo(
                    "{\"kind\":\"resource\",\"futureTopLevel\":{\"a\":[1,2,{\"b\":null}]},\"fqn\":\"S/future\","
                            + "\"status\":\"updated\",\"props\":{\"x\":2},\"zzz\":\"last\",\"aaa\":\"after\"}");
        }

        @Test
        @DisplayName("a record of 1 MiB of incompressible JSON")
        void oneMebibyteRecord() {
            ResourceState big = TestRecords.incompressible("Big/Bundle", 1024 * 1024, 42);
            assertThat(big.toJson().length()).isGreaterThan(1024 * 1024);

            scope().create(big);
            Versioned<ResourceState> read = scope().require("Big/Bundle");
            assertThat(read.value().toJson()).isEqualTo(big.toJson());

            ResourceState bigger = TestRecords.incompressible("Big/Bundle", 1024 * 1024 + 4096, 43);
            scope().update(bigger, read.version());
            assertThat(scope().require("Big/Bundle").value().toJson()).isEqualTo(bigger.toJson());
            assertThat(scope().listAll()).hasSize(1);
        }

        @Test
        @DisplayName("the store declares its limits: at most 32 MiB, and the lease clock its backend has")
        void declaredLimits() {
            StoreLimits limits = store.limits();
            assertThat(limits.maxDocumentBytes()).isEqualTo(StoreLimits.DEFAULT_MAX_DOCUMENT_BYTES);
            assertThat(limits.incompressibleDocumentBytes()).isBetween(1024 * 1024, limits.maxDocumentBytes());
            assertThat(limits.leaseClock()).isEqualTo(fixture().leaseClock());
        }

        @Test
        @DisplayName("a record of exactly the store's declared size for any content, random text, round trips")
        void recordAtTheDeclaredLimit() {
            int limit = store.limits().incompressibleDocumentBytes();
            ResourceState atLimit = TestRecords.incompressibleOfExactly("Max/Bundle", limit, 7);
            scope().create(atLimit);
            Versioned<ResourceState> read = scope().require("Max/Bundle");
            assertThat(read.value().toJson()).isEqualTo(atLimit.toJson());
            scope().delete("Max/Bundle", read.version());
            assertThat(scope().get("Max/Bundle")).isEmpty();
        }

        @Test
        @DisplayName("a record of 5 MiB of compressible JSON (a bundled script)")
        void fiveMebibyteCompressibleRecord() {
            StringBuilder script = new StringBuilder(5 * 1024 * 1024 + 100);
            for (int i = 0; script.length() < 5 * 1024 * 1024; i++) {
                script.append("export function handler").append(i).append("(event) { return fetch(event.url); }\n");
            }
            ResourceState big = ResourceState.builder("Api/Worker", ResourceStatus.CREATED).resourceType("Cloudflare.Worker")
                    .props(dev.statestore.spi.StateJson.nodes().objectNode().put("script", script.toString())).build();
            scope().create(big);
            assertThat(scope().require("Api/Worker").value().toJson()).isEqualTo(big.toJson());
            scope().delete("Api/Worker", 1);
            assertThat(scope().get("Api/Worker")).isEmpty();
        }

        @Test
        @DisplayName("the stack output, any JSON, exactly")
        void stackOutput() {
            assertThat(scope().output()).isEmpty();
            String text = "{\"url\":\"https://api.example.workers.dev\",\"n\":123456789012345678901234567890,"
                    + "\"nested\":{\"list\":[1,null,\"x\"]},\"secret\":{\"__redacted__\":\"p\"}}";
            Versioned<StackOutput> written = scope().putOutput(StackOutput.fromJson(text));
            assertThat(written.version()).isEqualTo(1);

            Versioned<StackOutput> read = scope().output().orElseThrow();
            assertThat(read.value().toJson()).isEqualTo(text);
            assertThat(read.version()).isEqualTo(1);
            assertThat(scope().listAll()).as("the output is not a record").isEmpty();
        }

        @Test
        @DisplayName("versions and update times come back with what was written")
        void metadata() {
            Instant before = Instant.now().minusSeconds(5);
            Versioned<ResourceState> created = scope().create(record("Meta", ResourceStatus.CREATING));
            Versioned<ResourceState> read = scope().require("Meta");
            assertThat(read.version()).isEqualTo(created.version()).isEqualTo(1);
            assertThat(read.updatedAt()).isAfter(before).isBefore(Instant.now().plusSeconds(5));
        }
    }

    @Nested
    @DisplayName("fqns: every valid name is its own record and stays in its scope")
    class Fqns {

        @Test
        @DisplayName("awkward fqns (spaces, unicode, % : # ? \\, case, 1,000 characters, underscores) never collide")
        void awkwardFqnsAreDistinct() {
            List<String> names = TestRecords.awkwardFqns();
            assertThat(new HashSet<>(names)).hasSameSizeAs(names);
            for (String fqn : names) {
                scope().create(record(fqn, ResourceStatus.CREATED));
            }
            for (String fqn : names) {
                Versioned<ResourceState> read = scope().require(fqn);
                assertThat(read.value().fqn()).isEqualTo(fqn);
                assertThat(read.value().props().orElseThrow().get("marker").asText()).isEqualTo(fqn);
                assertThat(read.version()).isEqualTo(1);
            }
            assertThat(fqns(scope().listAll())).containsExactlyElementsOf(sorted(names));
            assertThat(store.stacks()).containsExactly(SCOPE.stack());
            assertThat(store.stages(SCOPE.stack())).containsExactly(SCOPE.stage());
            assertThat(scope().output()).as("no fqn lands on the stack output").isEmpty();
        }

        @Test
        @DisplayName("awkward fqns delete one by one, touching no other")
        void awkwardFqnsDeleteAlone() {
            List<String> names = TestRecords.awkwardFqns();
            names.forEach(fqn -> scope().create(record(fqn, ResourceStatus.CREATED)));
            List<String> left = new ArrayList<>(names);
            for (String fqn : names) {
                assertThat(scope().delete(fqn)).isTrue();
                left.remove(fqn);
                assertThat(scope().get(fqn)).isEmpty();
            }
            assertThat(scope().listAll()).isEmpty();
            assertThat(left).isEmpty();
        }

        @ParameterizedTest
        @ValueSource(strings = {"/", "a/", "/a", "a//b", ".", "..", "a/./b", "a/../b", "../escape", "..\\/x/..",
            "tab\there", "new\nline", "del\u007f", "nonchar \uFFFF", "nonchar \uFFFE", "nonchar/\uFDD0",
            "plane two \uD87F\uDFFF"})
        @DisplayName("fqns another tool may write but this suite does not are never written or deleted by name")
        void unwritableFqns(String fqn) {
            ResourceState foreign = ResourceState.fromJson("{\"fqn\":" + StateJson.compact(StateJson.nodes().textNode(fqn))
                    + ",\"status\":\"created\"}");
            assertThatThrownBy(() -> scope().create(foreign)).isInstanceOf(InvalidStateException.class);
            assertThatThrownBy(() -> scope().put(foreign)).isInstanceOf(InvalidStateException.class);
            assertThatThrownBy(() -> scope().update(foreign, 1)).isInstanceOf(InvalidStateException.class);
            assertThatThrownBy(() -> scope().delete(fqn)).isInstanceOf(InvalidStateException.class);
            assertThatThrownBy(() -> scope().delete(fqn, 1)).isInstanceOf(InvalidStateException.class);
            assertThatThrownBy(() -> record(fqn, ResourceStatus.CREATED)).isInstanceOf(InvalidStateException.class);
            // Read like any name: absent here, since nothing of this suite wrote it.
            assertThat(scope().get(fqn)).isEmpty();
            assertThat(store.stacks()).isEmpty();
        }

        @ParameterizedTest
        @ValueSource(strings = {"", "nul\u0000", "lone \uD800 surrogate", "lone \uDC00"})
        @DisplayName("names that cannot name a stored record are refused by every call")
        void unreadableFqns(String fqn) {
            assertThatThrownBy(() -> scope().get(fqn)).isInstanceOf(InvalidStateException.class);
            assertThatThrownBy(() -> scope().delete(fqn)).isInstanceOf(InvalidStateException.class);
            assertThatThrownBy(() -> scope().list(fqn, 10)).isInstanceOf(InvalidStateException.class);
            assertThatThrownBy(() -> record(fqn, ResourceStatus.CREATED)).isInstanceOf(InvalidStateException.class);
            assertThat(store.stacks()).isEmpty();
        }

        @Test
        @DisplayName("an fqn over the size limit is refused")
        void tooLongFqn() {
            String fqn = "é".repeat(StateNames.MAX_FQN_BYTES / 2 + 1);
            assertThatThrownBy(() -> scope().put(record(fqn, ResourceStatus.CREATED)))
                    .isInstanceOf(InvalidStateException.class).hasMessageContaining("bytes");
            assertThat(store.stacks()).isEmpty();
        }

        @Test
        @DisplayName("lookups are exact: case, unicode normalization and trailing spaces all count")
        void exactLookups() {
            scope().create(record("One", ResourceStatus.CREATED));
            scope().create(record("\u00e9", ResourceStatus.CREATED));
            assertThat(scope().get("one")).isEmpty();
            assertThat(scope().get("ONE")).isEmpty();
            assertThat(scope().get("One ")).isEmpty();
            assertThat(scope().get("e\u0301")).as("NFD is not NFC").isEmpty();
            assertThat(scope().get("One")).isPresent();
            assertThat(scope().get("\u00e9")).isPresent();
        }
    }

    @Nested
    @DisplayName("isolation: stacks and stages never see each other")
    class Isolation {

        private final ScopeId otherStage = new ScopeId(SCOPE.stack(), SCOPE.stage() + "2");
        private final ScopeId otherStack = new ScopeId(SCOPE.stack() + "2", SCOPE.stage());
        private final ScopeId prefixStack = new ScopeId("My", "App/dev_sam".replace('/', '_'));

        @Test
        @DisplayName("one fqn in two stacks and two stages is three records")
        void sameFqnThreeScopes() {
            for (ScopeId s : List.of(SCOPE, otherStage, otherStack)) {
                store.scope(s).create(record("Bucket", ResourceStatus.CREATED).toBuilder()
                        .attr(json("{\"scope\":\"" + s.stack() + "/" + s.stage() + "\"}")).build());
            }
            for (ScopeId s : List.of(SCOPE, otherStage, otherStack)) {
                Versioned<ResourceState> read = store.scope(s).require("Bucket");
                assertThat(read.value().attr().orElseThrow().get("scope").asText()).isEqualTo(s.stack() + "/" + s.stage());
                assertThat(read.version()).isEqualTo(1);
            }
        }

        @Test
        @DisplayName("delete, list and status listing stay in their scope")
        void operationsStayInScope() {
            for (ScopeId s : List.of(SCOPE, otherStage, otherStack, prefixStack)) {
                store.scope(s).create(record("Shared", ResourceStatus.CREATING));
                store.scope(s).create(record("Only/" + s.stack() + "/" + s.stage(), ResourceStatus.REPLACED));
            }
            scope().delete("Shared", 1);

            assertThat(fqns(scope().listAll())).containsExactly("Only/MyApp/dev_sam");
            assertThat(fqns(scope().listPending())).containsExactly("Only/MyApp/dev_sam");
            for (ScopeId s : List.of(otherStage, otherStack, prefixStack)) {
                assertThat(fqns(store.scope(s).listAll()))
                        .containsExactly("Only/" + s.stack() + "/" + s.stage(), "Shared");
                assertThat(fqns(store.scope(s).listByStatus(EnumSet.of(ResourceStatus.CREATING))))
                        .containsExactly("Shared");
            }
        }

        @Test
        @DisplayName("deleting a stage leaves the other stages and stacks")
        void deleteStage() {
            for (ScopeId s : List.of(SCOPE, otherStage, otherStack)) {
                store.scope(s).create(record("Bucket", ResourceStatus.CREATED));
                store.scope(s).putOutput(StackOutput.fromJson("{\"s\":1}"));
            }
            scope().deleteAll();

            assertThat(scope().listAll()).isEmpty();
            assertThat(scope().output()).isEmpty();
            assertThat(store.stages(SCOPE.stack())).containsExactly(otherStage.stage());
            assertThat(store.stacks()).containsExactly(SCOPE.stack(), otherStack.stack());
            for (ScopeId s : List.of(otherStage, otherStack)) {
                assertThat(store.scope(s).get("Bucket")).isPresent();
                assertThat(store.scope(s).output()).isPresent();
            }
        }

        @Test
        @DisplayName("deleting a stack leaves stacks whose names start the same")
        void deleteStack() {
            for (ScopeId s : List.of(SCOPE, otherStage, otherStack, prefixStack)) {
                store.scope(s).create(record("Bucket", ResourceStatus.CREATED));
            }
            store.deleteStack(SCOPE.stack());

            assertThat(store.stacks()).containsExactly(prefixStack.stack(), otherStack.stack());
            assertThat(store.stages(SCOPE.stack())).isEmpty();
            assertThat(store.scope(otherStack).get("Bucket")).isPresent();
            assertThat(store.scope(prefixStack).get("Bucket")).isPresent();
        }

        @Test
        @DisplayName("stack outputs and deploy locks are per scope")
        void outputsAndLocks() {
            scope().putOutput(StackOutput.fromJson("{\"a\":1}"));
            LockLease lease = scope().acquireLock("alice", Duration.ofMinutes(5));

            assertThat(store.scope(otherStage).output()).isEmpty();
            assertThat(store.scope(otherStage).lockInfo()).isEmpty();
            LockLease other = store.scope(otherStack).acquireLock("bob", Duration.ofMinutes(5));
            assertThat(other.scope()).isEqualTo(otherStack);
            assertThatThrownBy(() -> store.scope(otherStack).releaseLock(lease.lockId()))
                    .isInstanceOf(LockConflictException.class);
        }
    }

    @Nested
    @DisplayName("listing: stacks, stages, records in order and in pages, records by status")
    class Listing {

        @Test
        @DisplayName("stacks and stages, sorted, listed only while they hold a record or an output")
        void stacksAndStages() {
            assertThat(store.stacks()).isEmpty();
            store.scope("b", "x").create(record("R", ResourceStatus.CREATED));
            store.scope("a", "y").create(record("R", ResourceStatus.CREATED));
            store.scope("a", "x").create(record("R", ResourceStatus.CREATED));
            store.scope("c", "out").putOutput(StackOutput.fromJson("{}"));
            store.scope("d", "empty").get("R");

            assertThat(store.stacks()).containsExactly("a", "b", "c");
            assertThat(store.stages("a")).containsExactly("x", "y");
            assertThat(store.stages("c")).containsExactly("out");
            assertThat(store.stages("nothing")).isEmpty();

            store.scope("b", "x").delete("R");
            store.scope("c", "out").deleteOutput();
            assertThat(store.stacks()).containsExactly("a");
        }

        @Test
        @DisplayName("records list in Unicode code point order, whatever the backend's own order")
        void codePointOrder() {
            List<String> expected = List.of("A", "B/a", "B_a", "Z", "_", "a", "b", "z", "~", "é", "\uFFFD", "😀");
            List<String> shuffled = new ArrayList<>(expected);
            Collections.shuffle(shuffled, new Random(7));
            shuffled.forEach(fqn -> scope().create(record(fqn, ResourceStatus.CREATED)));

            assertThat(fqns(scope().listAll())).containsExactlyElementsOf(expected);
            assertThat(fqns(scope().list("_", 3).items())).containsExactly("a", "b", "z");
            assertThat(fqns(scope().list("é", 10).items())).containsExactly("\uFFFD", "😀");
        }

        @Test
        @DisplayName("2,500 records: sorted, paged without gaps or repeats, streamed")
        void manyRecords() {
            // Past two of listAll's pages of 1,000 and eight odd pages of 333: the point, without soaking the
            // emulators that slow down with their buckets (S3Mock, Azurite: 5,000 took half of their suites).
            int count = 2500;
            Random random = new Random(count);
            Set<String> names = new HashSet<>();
            while (names.size() < count) {
                names.add("svc" + random.nextInt(50) + "/res-" + Integer.toString(random.nextInt(1 << 24), 36));
            }
            // Loaded without history: this case is about listing, and each change would be one more object on S3.
            StateScope loader = open(fixture().withStoreOption(url, StateStores.HISTORY_OPTION, "off")).scope(SCOPE);
            names.forEach(fqn -> loader.put(record(fqn, ResourceStatus.CREATED)));
            List<String> expected = sorted(names);

            assertThat(fqns(scope().listAll())).containsExactlyElementsOf(expected);
            assertThat(scope().stream().limit(600).map(v -> v.value().fqn())).containsExactlyElementsOf(expected.subList(0, 600));
            // listAll pages by 1,000; page by an odd size too, so that pages end mid-namespace.
            List<String> seen = new ArrayList<>();
            String after = null;
            int pages = 0;
            while (true) {
                Page<Versioned<ResourceState>> page = scope().list(after, 333);
                assertThat(page.items().size()).isLessThanOrEqualTo(333);
                seen.addAll(fqns(page.items()));
                pages++;
                if (!page.hasMore()) {
                    break;
                }
                after = page.nextAfter().orElseThrow();
            }
            assertThat(seen).containsExactlyElementsOf(expected);
            assertThat(pages).isBetween(count / 333, count / 333 + 2);
        }

        @Test
        @DisplayName("a page starts after the cursor even when no record has that fqn")
        void cursorNeedNotExist() {
            List.of("a", "c", "e").forEach(fqn -> scope().create(record(fqn, ResourceStatus.CREATED)));
            assertThat(fqns(scope().list("b", 10).items())).containsExactly("c", "e");
            assertThat(scope().list("e", 10).items()).isEmpty();
            assertThat(scope().list("e", 10).hasMore()).isFalse();
            Page<Versioned<ResourceState>> first = scope().list(null, 2);
            assertThat(fqns(first.items())).containsExactly("a", "c");
            assertThat(first.nextAfter()).contains("c");
        }

        @Test
        @DisplayName("records in an intermediate status, and by any set of statuses")
        void byStatus() {
            for (ResourceStatus status : ResourceStatus.values()) {
                scope().create(record("R/" + status.wireName(), status));
            }
            scope().putOutput(StackOutput.fromJson("{\"status\":\"replaced\"}"));

            assertThat(fqns(scope().listPending())).containsExactly(
                    "R/creating", "R/deleting", "R/replaced", "R/replacing", "R/running", "R/updating");
            assertThat(fqns(scope().listReplaced())).containsExactly("R/replaced");
            assertThat(fqns(scope().listByStatus(EnumSet.of(ResourceStatus.CREATED, ResourceStatus.RAN))))
                    .containsExactly("R/created", "R/ran");
            assertThat(scope().listByStatus(EnumSet.noneOf(ResourceStatus.class))).isEmpty();

            Versioned<ResourceState> replaced = scope().require("R/replaced");
            scope().update(replaced.value().toBuilder().status(ResourceStatus.CREATED).build(), replaced.version());
            assertThat(scope().listReplaced()).isEmpty();
        }

        @Test
        @DisplayName("a record is listed once, under its present status only, through every write and delete")
        void byStatusFollowsEveryChange() {
            Set<ResourceStatus> both = java.util.EnumSet.of(ResourceStatus.CREATING, ResourceStatus.CREATED);
            Versioned<ResourceState> r = scope().create(record("R", ResourceStatus.CREATING));
            assertThat(fqns(scope().listByStatus(both))).containsExactly("R");
            r = scope().update(record("R", ResourceStatus.CREATED), r.version());
            assertThat(fqns(scope().listByStatus(java.util.EnumSet.of(ResourceStatus.CREATING)))).isEmpty();
            assertThat(fqns(scope().listByStatus(java.util.EnumSet.of(ResourceStatus.CREATED)))).containsExactly("R");
            assertThat(fqns(scope().listByStatus(both))).as("once, whatever statuses are asked").containsExactly("R");
            scope().put(record("R", ResourceStatus.UPDATING));
            assertThat(fqns(scope().listByStatus(java.util.EnumSet.of(ResourceStatus.UPDATING)))).containsExactly("R");
            assertThat(fqns(scope().listByStatus(both))).isEmpty();
            scope().delete("R");
            assertThat(fqns(scope().listByStatus(java.util.EnumSet.allOf(ResourceStatus.class)))).isEmpty();
            scope().create(record("R", ResourceStatus.REPLACED));
            assertThat(fqns(scope().listReplaced())).containsExactly("R");
            assertThat(fqns(scope().listByStatus(java.util.EnumSet.of(ResourceStatus.UPDATING)))).isEmpty();
        }

        @Test
        @DisplayName("a last page that is exactly full says there is no more")
        void exactlyFullLastPage() {
            List.of("a", "b", "c", "d").forEach(fqn -> scope().create(record(fqn, ResourceStatus.CREATED)));
            assertThat(scope().list(null, 4).hasMore()).isFalse();
            Page<Versioned<ResourceState>> first = scope().list(null, 2);
            assertThat(first.hasMore()).isTrue();
            Page<Versioned<ResourceState>> second = scope().list(first.nextAfter().orElseThrow(), 2);
            assertThat(fqns(second.items())).containsExactly("c", "d");
            assertThat(second.hasMore()).isFalse();
        }

        @Test
        @DisplayName("a scope that holds only a deploy lease, held or released, is not listed")
        void leaseOnlyScopesAreNotListed() {
            StateScope leased = store.scope("lease-only", "dev");
            LockLease lease = leased.acquireLock("deploy", Duration.ofMinutes(5));
            assertThat(store.stacks()).doesNotContain("lease-only");
            assertThat(store.stages("lease-only")).isEmpty();
            leased.releaseLock(lease.lockId());
            assertThat(store.stacks()).doesNotContain("lease-only");
        }

        @Test
        @DisplayName("updatedAt is the time of the last write, moved by every one")
        void updatedAtMoves() throws Exception {
            Versioned<ResourceState> created = scope().create(record("T", ResourceStatus.CREATING));
            Thread.sleep(20);
            Versioned<ResourceState> updated = scope().update(record("T", ResourceStatus.CREATED), created.version());
            assertThat(updated.updatedAt()).isAfter(created.updatedAt());
            assertThat(scope().require("T").updatedAt()).isEqualTo(updated.updatedAt());
            Thread.sleep(20);
            Versioned<ResourceState> put = scope().put(record("T", ResourceStatus.UPDATING));
            assertThat(put.updatedAt()).isAfter(updated.updatedAt());
            assertThat(scope().require("T").updatedAt()).isEqualTo(put.updatedAt());
        }

        @Test
        @DisplayName("a page size outside 1 to 1,000 is refused")
        void pageSizeBounds() {
            assertThatThrownBy(() -> scope().list(null, 0)).isInstanceOf(InvalidStateException.class);
            assertThatThrownBy(() -> scope().list(null, StateScope.MAX_PAGE_SIZE + 1))
                    .isInstanceOf(InvalidStateException.class);
        }
    }

    @Nested
    @DisplayName("unconditional writes: last writer wins, the version still grows")
    class Unconditional {

        @Test
        @DisplayName("put creates, then overwrites, one version each")
        void put() {
            assertThat(scope().put(counter("C", 1)).version()).isEqualTo(1);
            assertThat(scope().put(counter("C", 2)).version()).isEqualTo(2);
            assertThat(scope().put(counter("C", 3)).version()).isEqualTo(3);
            Versioned<ResourceState> read = scope().require("C");
            assertThat(read.version()).isEqualTo(3);
            assertThat(read.value()).isEqualTo(counter("C", 3));
        }

        @Test
        @DisplayName("delete says whether there was a record, and a later put continues the versions")
        void delete() {
            assertThat(scope().delete("C")).isFalse();
            scope().put(counter("C", 1));
            scope().put(counter("C", 2));
            assertThat(scope().delete("C")).isTrue();
            assertThat(scope().get("C")).isEmpty();
            assertThat(scope().delete("C")).isFalse();
            assertThat(scope().put(counter("C", 3)).version()).isEqualTo(3);
        }

        @Test
        @DisplayName("the stack output: put, overwrite, delete")
        void output() {
            assertThat(scope().putOutput(StackOutput.fromJson("{\"a\":1}")).version()).isEqualTo(1);
            assertThat(scope().putOutput(StackOutput.fromJson("{\"a\":2}")).version()).isEqualTo(2);
            assertThat(scope().output().orElseThrow().value().toJson()).isEqualTo("{\"a\":2}");
            assertThat(scope().deleteOutput()).isTrue();
            assertThat(scope().deleteOutput()).isFalse();
            assertThat(scope().output()).isEmpty();
            assertThat(scope().putOutput(StackOutput.fromJson("[]")).version()).isEqualTo(3);
        }

        @Test
        @DisplayName("require of a missing record says so")
        void requireMissing() {
            StateNotFoundException e = catchThrowableOfType(StateNotFoundException.class, () -> scope().require("Nope"));
            assertThat(e.fqn()).isEqualTo("Nope");
            assertThat(e.scope()).isEqualTo(SCOPE);
        }
    }

    @Nested
    @DisplayName("conditional writes: every outcome, and nothing changed by a failure")
    class ConditionalWrites {

        private void assertConflict(Runnable write, long expected, Long current) {
            StateConflictException e = catchThrowableOfType(StateConflictException.class, write::run);
            assertThat(e).as("a StateConflictException").isNotNull();
            assertThat(e.scope()).isEqualTo(SCOPE);
            assertThat(e.key()).isEqualTo("C");
            assertThat(e.expectedVersion()).isEqualTo(expected);
            if (current == null) {
                assertThat(e.currentVersion()).isEmpty();
            } else {
                assertThat(e.currentVersion()).hasValue(current);
            }
            assertThat(e.isRetryable()).isFalse();
        }

        @Test
        @DisplayName("create of an existing record conflicts and leaves it as it was")
        void createTwice() {
            scope().create(counter("C", 1));
            assertConflict(() -> scope().create(counter("C", 2)), 0, 1L);
            assertThat(scope().require("C").value()).isEqualTo(counter("C", 1));
            assertThat(scope().require("C").version()).isEqualTo(1);
        }

        @Test
        @DisplayName("update with the current version succeeds; with a stale one conflicts")
        void updateStale() {
            scope().create(counter("C", 1));
            assertThat(scope().update(counter("C", 2), 1).version()).isEqualTo(2);
            assertConflict(() -> scope().update(counter("C", 99), 1), 1, 2L);
            assertConflict(() -> scope().update(counter("C", 99), 3), 3, 2L);
            assertThat(scope().require("C").value()).isEqualTo(counter("C", 2));
            assertThat(scope().require("C").version()).isEqualTo(2);
        }

        @Test
        @DisplayName("delete with a stale version conflicts and deletes nothing; with the current one deletes")
        void deleteStale() {
            scope().create(counter("C", 1));
            scope().update(counter("C", 2), 1);
            assertConflict(() -> scope().delete("C", 1), 1, 2L);
            assertThat(scope().require("C").version()).isEqualTo(2);
            scope().delete("C", 2);
            assertThat(scope().get("C")).isEmpty();
        }

        @Test
        @DisplayName("update and delete of a missing record conflict, with no current version")
        void missing() {
            assertConflict(() -> scope().update(counter("C", 1), 1), 1, null);
            assertConflict(() -> scope().delete("C", 4), 4, null);
            assertThat(scope().get("C")).isEmpty();
            assertThat(store.stacks()).isEmpty();
        }

        @Test
        @DisplayName("an expected version below 1 is refused")
        void versionBelowOne() {
            scope().create(counter("C", 1));
            assertThatThrownBy(() -> scope().update(counter("C", 2), 0)).isInstanceOf(InvalidStateException.class);
            assertThatThrownBy(() -> scope().delete("C", -1)).isInstanceOf(InvalidStateException.class);
            assertThat(scope().require("C").version()).isEqualTo(1);
        }

        @Test
        @DisplayName("no ABA: after delete and re-create, versions from before the delete never match")
        void noAba() {
            scope().create(counter("C", 1));
            scope().update(counter("C", 2), 1);
            scope().delete("C", 2);
            Versioned<ResourceState> recreated = scope().create(counter("C", 3));
            assertThat(recreated.version()).isEqualTo(3);
            assertConflict(() -> scope().update(counter("C", 9), 1), 1, 3L);
            assertConflict(() -> scope().update(counter("C", 9), 2), 2, 3L);
            assertConflict(() -> scope().delete("C", 2), 2, 3L);
            assertThat(scope().update(counter("C", 4), 3).version()).isEqualTo(4);
        }

        @Test
        @DisplayName("no ABA across deleting the stage or the stack either")
        void noAbaAcrossScopeDeletion() {
            scope().create(counter("C", 1));
            scope().deleteAll();
            assertThat(scope().create(counter("C", 2)).version()).isEqualTo(2);
            store.deleteStack(SCOPE.stack());
            assertThat(scope().create(counter("C", 3)).version()).isEqualTo(3);
            assertConflict(() -> scope().update(counter("C", 9), 2), 2, 3L);
        }

        @Test
        @DisplayName("the stack output has the same conditional writes")
        void outputConditional() {
            Versioned<StackOutput> first = scope().createOutput(StackOutput.fromJson("{\"v\":1}"));
            assertThat(first.version()).isEqualTo(1);
            assertThatThrownBy(() -> scope().createOutput(StackOutput.fromJson("{\"v\":2}")))
                    .isInstanceOf(StateConflictException.class);
            assertThat(scope().updateOutput(StackOutput.fromJson("{\"v\":2}"), 1).version()).isEqualTo(2);
            StateConflictException e = catchThrowableOfType(StateConflictException.class,
                    () -> scope().updateOutput(StackOutput.fromJson("{\"v\":3}"), 1));
            assertThat(e.key()).isEqualTo("stack output");
            assertThat(e.currentVersion()).hasValue(2);
            assertThat(scope().output().orElseThrow().value().toJson()).isEqualTo("{\"v\":2}");
            scope().deleteOutput();
            assertThat(scope().createOutput(StackOutput.fromJson("{\"v\":4}")).version()).isEqualTo(3);
        }

        /**
         * Below the public API, what encryption at rest builds on: a backend that says a key's last version (its live
         * record's, its tombstone's, or 0) holds a put or a create to it, so that it stores exactly the version after
         * it. Plain, recorded in the history, and fenced. Over HTTP such a write travels as a document sealed for that
         * version, so the documents here carry an envelope naming it.
         */
        @Test
        @DisplayName("a put or a create on the key's last version stores the version after it, or conflicts")
        void lastVersions() {
            try (StoreBackend backend = openBackend(url)) {
                assertThat(backend.lastVersion(SCOPE, StateKey.output())).as("the backend says its last versions")
                        .isPresent();
                for (WriteCondition kind : List.of(WriteCondition.any(), WriteCondition.any().recorded(true),
                        WriteCondition.any().recorded(true).fencedBy(1))) {
                    String fqn = "Last" + (kind.recorded() ? "Recorded" : "") + (kind.isFenced() ? "Fenced" : "");
                    for (StateKey key : List.of(StateKey.record(fqn), StateKey.output())) {
                        backend.delete(SCOPE, key, WriteCondition.any());
                        long start = backend.lastVersion(SCOPE, key).orElseThrow();
                        WriteCondition put = kind;
                        WriteCondition create = new WriteCondition(WriteCondition.ABSENT, kind.fence(), kind.recorded());
                        assertThatThrownBy(() -> backend.write(SCOPE, put.following(start + 1), sealedFor(key, start + 2)))
                                .isInstanceOf(StateConflictException.class);
                        assertThat(backend.write(SCOPE, create.following(start), sealedFor(key, start + 1)).version())
                                .isEqualTo(start + 1);
                        assertThat(backend.lastVersion(SCOPE, key)).hasValue(start + 1);
                        StateConflictException live = catchThrowableOfType(StateConflictException.class,
                                () -> backend.write(SCOPE, create.following(start + 1), sealedFor(key, start + 2)));
                        assertThat(live.currentVersion()).as("a live record refuses a create").hasValue(start + 1);
                        assertThatThrownBy(() -> backend.write(SCOPE, put.following(start), sealedFor(key, start + 1)))
                                .isInstanceOf(StateConflictException.class);
                        assertThat(backend.write(SCOPE, put.following(start + 1), sealedFor(key, start + 2)).version())
                                .isEqualTo(start + 2);
                        assertThat(backend.delete(SCOPE, key, WriteCondition.any())).isTrue();
                        assertThat(backend.lastVersion(SCOPE, key)).as("a deletion keeps its version").hasValue(start + 2);
                        StateConflictException deleted = catchThrowableOfType(StateConflictException.class,
                                () -> backend.write(SCOPE, create.following(start + 1), sealedFor(key, start + 2)));
                        assertThat(deleted.currentVersion()).as("deleted: no live version").isEmpty();
                        assertThat(backend.write(SCOPE, create.following(start + 2), sealedFor(key, start + 3)).version())
                                .isEqualTo(start + 3);
                        assertThat(backend.read(SCOPE, key).orElseThrow().version()).isEqualTo(start + 3);
                    }
                }
            }
        }

        /** A valid record (or stack output) carrying an envelope that names {@code version}, as a sealed one does. */
        private static DocumentToWrite sealedFor(StateKey key, long version) {
            com.fasterxml.jackson.databind.node.ObjectNode tree = key instanceof StateKey.Record r
                    ? record(r.fqn(), ResourceStatus.CREATED).toJsonNode() : StateJson.nodes().objectNode().put("v", 1);
            tree.putObject(DocumentToWrite.SEALED).put(DocumentToWrite.SEALED_VERSION, version);
            return DocumentToWrite.of(key, tree, key instanceof StateKey.Record ? "created" : null);
        }
    }

    /** The backend under a store URL, as {@link StateStores#open} opens it, without the layers the store adds. */
    private static StoreBackend openBackend(String storeUrl) {
        StoreUrl parsed = StoreUrl.parse(storeUrl).withoutOption(StateStores.ENCRYPTION_OPTION);
        for (String layered : StateStores.RETENTION_OPTIONS) {
            parsed = parsed.withoutOption(layered);
        }
        for (StateStoreProvider provider : java.util.ServiceLoader.load(StateStoreProvider.class,
                StateStoreConformance.class.getClassLoader())) {
            if (provider.schemes().contains(parsed.scheme())) {
                return provider.open(parsed);
            }
        }
        throw new IllegalStateException("no provider of " + parsed.scheme());
    }

    @Nested
    @DisplayName("concurrency: racing writers lose nothing and win once")
    class Concurrency {

        /** The scope under test on this test's store and on a second instance of the same store. */
        private List<StateScope> onTwoInstances() {
            return List.of(store.scope(SCOPE), open(url).scope(SCOPE));
        }

        @Test
        @Timeout(180)
        @DisplayName("8 threads on 2 store instances increment one counter 200 times: it ends at 200, version 201")
        void sharedCounter() throws Exception {
            List<StateScope> scopes = onTwoInstances();
            scopes.get(0).create(TestRecords.counter("Counter", 0));
            AtomicInteger remaining = new AtomicInteger(200);
            AtomicInteger thread = new AtomicInteger();
            AtomicInteger conflicts = new AtomicInteger();

            race(8, () -> {
                StateScope mine = scopes.get(thread.getAndIncrement() % 2);
                while (remaining.getAndDecrement() > 0) {
                    while (true) {
                        Versioned<ResourceState> current = mine.require("Counter");
                        long n = current.value().attr().orElseThrow().get("n").longValue();
                        try {
                            mine.update(TestRecords.counter("Counter", n + 1), current.version());
                            break;
                        } catch (StateConflictException e) {
                            conflicts.incrementAndGet();
                        }
                    }
                }
                return null;
            });

            for (StateScope s : scopes) {
                Versioned<ResourceState> last = s.require("Counter");
                assertThat(last.value().attr().orElseThrow().get("n").longValue()).isEqualTo(200);
                assertThat(last.version()).isEqualTo(201);
            }
        }

        @Test
        @Timeout(180)
        @DisplayName("conditional deletes racing updates and re-creates on 2 instances: no version is ever acknowledged twice")
        void deletesRacingUpdates() throws Exception {
            // A delete that checks and then writes its tombstone unconditionally can bury an update that landed in
            // between: the next create then hands out that update's version again. Correct deletes never do.
            List<StateScope> scopes = onTwoInstances();
            scopes.get(0).create(record("Churn", ResourceStatus.CREATED));
            List<Long> acknowledged = java.util.Collections.synchronizedList(new ArrayList<>(List.of(1L)));
            AtomicInteger remaining = new AtomicInteger(240);
            AtomicInteger thread = new AtomicInteger();
            race(6, () -> {
                int me = thread.getAndIncrement();
                StateScope mine = scopes.get(me % 2);
                boolean deleter = me >= 4;
                while (remaining.getAndDecrement() > 0) {
                    try {
                        Optional<Versioned<ResourceState>> current = mine.get("Churn");
                        if (current.isEmpty()) {
                            acknowledged.add(mine.create(record("Churn", ResourceStatus.CREATING)).version());
                        } else if (deleter) {
                            mine.delete("Churn", current.get().version());
                        } else {
                            acknowledged.add(mine.update(record("Churn", ResourceStatus.UPDATED),
                                    current.get().version()).version());
                        }
                    } catch (StateConflictException lost) {
                        // someone else won this one
                    }
                }
                return null;
            });
            assertThat(acknowledged).as("every acknowledged version is its own").doesNotHaveDuplicates();
            Optional<Versioned<ResourceState>> last = scopes.get(1).get("Churn");
            long highest = java.util.Collections.max(acknowledged);
            last.ifPresent(v -> assertThat(v.version()).isEqualTo(highest));
        }

        @Test
        @Timeout(120)
        @DisplayName("writers of an unchanged document still conflict: a stale version never wins, nor after delete and re-create")
        void unchangedDocumentsStillConflict() {
            // Content-addressed backends (an S3 ETag is the MD5 of the bytes) must not take a rewrite of the
            // same bytes for the version they were read at.
            StateStore second = open(url);
            StateScope a = store.scope(SCOPE);
            StateScope b = second.scope(SCOPE);
            ResourceState same = record("Same", ResourceStatus.CREATED);
            a.create(same);
            long read = b.require("Same").version();
            a.update(same, a.require("Same").version());
            assertThatThrownBy(() -> b.update(same, read)).isInstanceOf(StateConflictException.class);
            a.update(same, a.require("Same").version());
            assertThat(b.require("Same").version()).isEqualTo(3);

            long before = b.require("Same").version();
            a.delete("Same", before);
            a.create(same);
            assertThatThrownBy(() -> b.update(same, before)).as("the version from before the delete")
                    .isInstanceOf(StateConflictException.class);
            a.delete("Same");
            assertThatThrownBy(() -> b.delete("Same", before + 1)).as("the deleted re-creation's version")
                    .isInstanceOf(StateConflictException.class);
            assertThat(b.create(same).version()).isEqualTo(before + 2);
        }

        @Test
        @Timeout(120)
        @DisplayName("8 racing creates of one fqn: exactly one wins, 20 rounds")
        void racingCreates() throws Exception {
            StateStore second = open(url);
            for (int round = 0; round < 20; round++) {
                String fqn = "Race/" + round;
                AtomicInteger thread = new AtomicInteger();
                List<Boolean> wins = race(8, () -> {
                    int me = thread.getAndIncrement();
                    StateScope s = (me % 2 == 0 ? store : second).scope(SCOPE);
                    try {
                        s.create(counter(fqn, me));
                        return true;
                    } catch (StateConflictException e) {
                        return false;
                    }
                });
                assertThat(wins.stream().filter(w -> w).count()).as("winners of round " + round).isEqualTo(1);
                assertThat(scope().require(fqn).version()).isEqualTo(1);
            }
        }
    }

    @Nested
    @DisplayName("deploy lock: exclusive, renewable, expiring, fenced, force-releasable")
    class DeployLock {

        private final Duration minutes = Duration.ofMinutes(5);

        /** A lease of 300 ms, taken and left to expire: returned once the store no longer shows it held. */
        private LockLease expiredLease(String owner) throws InterruptedException {
            LockLease lease = scope().acquireLock(owner, Duration.ofMillis(300));
            while (scope().lockInfo().isPresent()) {
                Thread.sleep(50);
            }
            return lease;
        }

        @Test
        @DisplayName("one holder at a time; the loser learns who holds it")
        void exclusive() {
            LockLease alice = scope().acquireLock("alice@laptop", minutes);
            LockConflictException e = catchThrowableOfType(LockConflictException.class,
                    () -> scope().acquireLock("bob@ci", minutes));
            assertThat(e.holder().map(LockInfo::owner)).contains("alice@laptop");
            assertThat(e.getMessage()).doesNotContain(alice.lockId());
            assertThatThrownBy(() -> scope().acquireLock("alice@laptop", minutes))
                    .as("not reentrant, even for the same owner").isInstanceOf(LockConflictException.class);
            assertThat(scope().lockInfo().map(LockInfo::owner)).contains("alice@laptop");

            scope().releaseLock(alice.lockId());
            assertThat(scope().lockInfo()).isEmpty();
            LockLease bob = scope().acquireLock("bob@ci", minutes);
            assertThat(bob.fencingToken()).isGreaterThan(alice.fencingToken());
        }

        @Test
        @DisplayName("renew extends the lease and keeps the fencing token")
        void renew() {
            LockLease lease = scope().acquireLock("alice", Duration.ofSeconds(30));
            LockLease renewed = scope().renewLock(lease.lockId(), Duration.ofMinutes(10));
            assertThat(renewed.lockId()).isEqualTo(lease.lockId());
            assertThat(renewed.fencingToken()).isEqualTo(lease.fencingToken());
            assertThat(renewed.info().expiresAt()).isAfter(lease.info().expiresAt());
            assertThat(scope().lockInfo().orElseThrow().expiresAt()).isEqualTo(renewed.info().expiresAt());
        }

        @Test
        @DisplayName("renew and release with a wrong lock id fail, and the holder keeps the lock")
        void wrongId() {
            LockLease lease = scope().acquireLock("alice", minutes);
            assertThatThrownBy(() -> scope().renewLock("not-" + lease.lockId(), minutes))
                    .isInstanceOf(LockConflictException.class);
            assertThatThrownBy(() -> scope().releaseLock("not-" + lease.lockId()))
                    .isInstanceOf(LockConflictException.class);
            assertThat(scope().lockInfo().map(LockInfo::fencingToken)).contains(lease.fencingToken());
            scope().releaseLock(lease.lockId());
            assertThatThrownBy(() -> scope().releaseLock(lease.lockId()))
                    .as("a lease released once cannot be released again").isInstanceOf(LockConflictException.class);
        }

        @Test
        @Timeout(30)
        @DisplayName("a lease that is not renewed expires, and its holder can no longer renew or release")
        void expires() throws Exception {
            LockLease stale = expiredLease("crashed-deploy");
            assertThat(Instant.now()).isAfterOrEqualTo(stale.info().expiresAt().minusMillis(50));
            LockLease next = scope().acquireLock("next-deploy", minutes);
            assertThat(next.fencingToken()).isGreaterThan(stale.fencingToken());
            assertThatThrownBy(() -> scope().renewLock(stale.lockId(), minutes)).isInstanceOf(LockConflictException.class);
            assertThatThrownBy(() -> scope().releaseLock(stale.lockId())).isInstanceOf(LockConflictException.class);
            assertThat(scope().lockInfo().map(LockInfo::owner)).contains("next-deploy");
        }

        @Test
        @Timeout(30)
        @DisplayName("a lease that expired is over even if nobody took it: its id no longer renews or releases")
        void expiredUntaken() throws Exception {
            LockLease stale = expiredLease("paused-laptop");
            assertThatThrownBy(() -> scope().renewLock(stale.lockId(), minutes)).isInstanceOf(LockConflictException.class);
            assertThatThrownBy(() -> scope().releaseLock(stale.lockId())).isInstanceOf(LockConflictException.class);
            assertThat(scope().lockInfo()).as("still free").isEmpty();
            assertThat(scope().acquireLock("next", minutes).fencingToken()).isGreaterThan(stale.fencingToken());
        }

        @Test
        @DisplayName("deleting the stage or the stack keeps the deploy lease and its fencing token")
        void deletingRecordsKeepsTheLease() {
            scope().create(record("R", ResourceStatus.CREATED));
            LockLease lease = scope().acquireLock("deploy", minutes);
            scope().deleteAll();
            assertThat(scope().lockInfo().map(LockInfo::owner)).contains("deploy");
            store.deleteStack(SCOPE.stack());
            assertThat(scope().lockInfo().map(LockInfo::fencingToken)).contains(lease.fencingToken());
            assertThatThrownBy(() -> scope().acquireLock("other", minutes)).isInstanceOf(LockConflictException.class);
            scope().releaseLock(lease.lockId());
            assertThat(scope().acquireLock("next", minutes).fencingToken()).isGreaterThan(lease.fencingToken());
        }

        @Test
        @DisplayName("the fencing token grows on every acquisition, across release and force-release")
        void fencing() {
            long last = 0;
            for (int i = 0; i < 3; i++) {
                LockLease lease = scope().acquireLock("deploy-" + i, minutes);
                assertThat(lease.fencingToken()).isGreaterThan(last);
                last = lease.fencingToken();
                scope().releaseLock(lease.lockId());
            }
            scope().acquireLock("forced", minutes);
            assertThat(scope().forceReleaseLock()).isTrue();
            assertThat(scope().acquireLock("after", minutes).fencingToken()).isGreaterThan(last + 1);
        }

        @Test
        @DisplayName("force-release frees a held lock; the old holder's id is then worthless")
        void forceRelease() {
            assertThat(scope().forceReleaseLock()).isFalse();
            LockLease lease = scope().acquireLock("stuck", minutes);
            assertThat(scope().forceReleaseLock()).isTrue();
            assertThat(scope().lockInfo()).isEmpty();
            assertThat(scope().forceReleaseLock()).isFalse();
            assertThatThrownBy(() -> scope().renewLock(lease.lockId(), minutes)).isInstanceOf(LockConflictException.class);
            scope().acquireLock("operator", minutes);
        }

        @Test
        @Timeout(120)
        @DisplayName("8 racing lockers on 2 instances: exactly one wins, 10 rounds")
        void racingLockers() throws Exception {
            StateStore second = open(url);
            for (int round = 0; round < 10; round++) {
                ScopeId roundScope = new ScopeId(SCOPE.stack(), "race-" + round);
                List<LockLease> winners = raceOnTwoInstances(second, LockConflictException.class,
                        (instance, me) -> instance.scope(roundScope).acquireLock("locker-" + me, minutes));
                assertThat(winners).as("winners of round " + round).hasSize(1);
                assertThat(store.scope(roundScope).lockInfo().map(LockInfo::owner)).contains(winners.get(0).info().owner());
            }
        }

        @Test
        @DisplayName("owner and lease length are checked")
        void arguments() {
            assertThatThrownBy(() -> scope().acquireLock("", minutes)).isInstanceOf(InvalidStateException.class);
            assertThatThrownBy(() -> scope().acquireLock("x", Duration.ZERO)).isInstanceOf(InvalidStateException.class);
            assertThatThrownBy(() -> scope().acquireLock("x", Duration.ofDays(8))).isInstanceOf(InvalidStateException.class);
            assertThat(scope().lockInfo()).isEmpty();
        }
    }

    @Nested
    @DisplayName("fenced writes: a deploy that lost its lease writes nothing")
    class FencedWrites {

        private final Duration minute = Duration.ofMinutes(1);
        private final DeploymentMeta meta = DeploymentMeta.deploy(new DeploymentMeta.Initiator("ci", "runner", 1L));

        @Test
        @DisplayName("a superseded deployment's put, delete and output write are refused and not applied")
        void supersededIsRefused() {
            DeploymentLease old = scope().deployments().begin(meta, minute);
            StateScope zombie = scope().fenced(old.version());
            Versioned<ResourceState> kept = zombie.put(record("Kept", ResourceStatus.CREATED));
            zombie.putOutput(StackOutput.fromJson("{\"url\":\"old\"}"));
            DeploymentLease successor = scope().deployments().begin(meta, minute, old.version());

            for (Runnable write : List.<Runnable>of(
                    () -> zombie.put(record("New", ResourceStatus.CREATED)),
                    () -> zombie.create(record("New", ResourceStatus.CREATED)),
                    () -> zombie.update(record("Kept", ResourceStatus.UPDATED), kept.version()),
                    () -> zombie.delete("Kept"),
                    () -> zombie.delete("Kept", kept.version()),
                    () -> zombie.delete("Missing"),
                    () -> zombie.putOutput(StackOutput.fromJson("{\"url\":\"zombie\"}")),
                    () -> zombie.deleteOutput(),
                    () -> zombie.deleteAll())) {
                StateWriteFencedException e = catchThrowableOfType(StateWriteFencedException.class, write::run);
                assertThat(e).isNotNull();
                assertThat(e.fence()).isEqualTo(old.version());
                assertThat(e.scope()).isEqualTo(SCOPE);
                assertThat(e.isRetryable()).isFalse();
            }
            assertThat(scope().get("New")).isEmpty();
            assertThat(scope().require("Kept")).isEqualTo(kept);
            assertThat(scope().output().orElseThrow().value().value().get("url").textValue()).isEqualTo("old");

            StateScope current = scope().fenced(successor.version());
            assertThat(current.update(record("Kept", ResourceStatus.UPDATED), kept.version()).version())
                    .isEqualTo(kept.version() + 1);
            current.putOutput(StackOutput.fromJson("{\"url\":\"new\"}"));
            assertThat(scope().put(record("Operator", ResourceStatus.CREATED)).version()).as("unfenced: always").isEqualTo(1);
            assertThat(scope().fenced(successor.version() + 5).put(record("Ahead", ResourceStatus.CREATED)).version())
                    .as("a fence ahead of every deployment refuses nothing").isEqualTo(1);
        }

        @Test
        @DisplayName("with a conditional write both conditions must hold; reads of a fenced view are unchanged")
        void bothConditions() {
            DeploymentLease lease = scope().deployments().begin(meta, minute);
            StateScope fenced = scope().fenced(lease.version());
            Versioned<ResourceState> r = fenced.create(record("R", ResourceStatus.CREATED));
            assertThatThrownBy(() -> fenced.update(record("R", ResourceStatus.UPDATED), r.version() + 1))
                    .isInstanceOf(StateConflictException.class);
            assertThatThrownBy(() -> fenced.create(record("R", ResourceStatus.CREATED))).isInstanceOf(StateConflictException.class);
            assertThat(fenced.require("R")).isEqualTo(r);
            assertThat(fenced.listAll()).hasSize(1);
            scope().deployments().end(lease.version(), lease.token(), DeploymentOutcome.SUCCEEDED, null);
            assertThat(fenced.update(record("R", ResourceStatus.UPDATED), r.version()).version())
                    .as("ending its own deployment does not fence it: only a newer one does").isEqualTo(2);
            scope().deployments().begin(meta, minute);
            assertThatThrownBy(() -> fenced.update(record("R", ResourceStatus.CREATED), 2))
                    .as("fence first, then the version").isInstanceOf(StateWriteFencedException.class);
            assertThat(scope().require("R").version()).isEqualTo(2);
            assertThatThrownBy(() -> scope().fenced(0)).isInstanceOf(InvalidStateException.class);
        }

        @Test
        @DisplayName("a deploy lock's fencing token fences its writes: after a force-release and a new lock, they are refused")
        void lockToken() {
            LockLease lock = scope().acquireLock("ci", minute);
            scope().fenced(lock.fencingToken()).put(record("R", ResourceStatus.CREATED));
            assertThat(scope().forceReleaseLock()).isTrue();
            scope().acquireLock("operator", minute);
            assertThatThrownBy(() -> scope().fenced(lock.fencingToken()).put(record("R", ResourceStatus.UPDATED)))
                    .isInstanceOf(StateWriteFencedException.class);
            assertThat(scope().require("R").version()).isEqualTo(1);
        }

        @Test
        @Timeout(120)
        @DisplayName("a zombie deploy writing in a loop on one instance while another takes over: no write lands after the takeover")
        void zombieRace() throws Exception {
            StateStore second = open(url);
            DeploymentLease old = scope().deployments().begin(meta, minute);
            StateScope zombie = scope().fenced(old.version());
            int threads = 4;
            CountDownLatch writing = new CountDownLatch(threads);
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<List<String>>> acked = new ArrayList<>();
            AtomicInteger refused = new AtomicInteger();
            for (int t = 0; t < threads; t++) {
                int me = t;
                acked.add(pool.submit(() -> {
                    List<String> mine = new ArrayList<>();
                    int refusals = 0;
                    for (int i = 0; refusals < 20 && i < 100_000; i++) {
                        String fqn = "zombie-" + me + "-" + i;
                        try {
                            zombie.put(record(fqn, ResourceStatus.CREATED));
                            mine.add(fqn);
                            assertThat(refusals).as("a write accepted after one was refused").isZero();
                        } catch (StateWriteFencedException e) {
                            refusals++;
                            refused.incrementAndGet();
                        }
                        if (i == 3) {
                            writing.countDown();
                        }
                    }
                    return mine;
                }));
            }
            try {
                assertThat(writing.await(60, TimeUnit.SECONDS)).isTrue();
                DeploymentLease successor = second.scope(SCOPE).deployments().begin(meta, minute, old.version());
                Set<String> landedAtTakeover = new HashSet<>(second.scope(SCOPE).getAll().keySet());
                Set<String> ackedWrites = new HashSet<>();
                for (Future<List<String>> f : acked) {
                    ackedWrites.addAll(f.get(90, TimeUnit.SECONDS));
                }
                Set<String> landed = new HashSet<>(second.scope(SCOPE).getAll().keySet());
                assertThat(landed).as("zombie writes that landed after the takeover's begin returned")
                        .isEqualTo(landedAtTakeover);
                assertThat(landed).as("every write acknowledged to the zombie").isEqualTo(ackedWrites);
                assertThat(refused.get()).isEqualTo(threads * 20);
                assertThat(ackedWrites).hasSizeGreaterThanOrEqualTo(threads * 4);
                second.scope(SCOPE).fenced(successor.version()).put(record("successor", ResourceStatus.CREATED));
            } finally {
                pool.shutdownNow();
            }
        }

        @Test
        @DisplayName("getAll reads every record by fqn, in order, and nothing of an empty scope")
        void getAll() {
            assertThat(scope().getAll()).isEmpty();
            List<String> names = new ArrayList<>();
            for (int i = 0; i < 1200; i++) {
                names.add("api/Item-" + i);
            }
            store.scope(SCOPE).deployments(); // deployments leave no record behind
            StateScope loader = open(fixture().withStoreOption(url, StateStores.HISTORY_OPTION, "off")).scope(SCOPE);
            for (String name : names) {
                loader.put(record(name, ResourceStatus.CREATED));
            }
            scope().putOutput(StackOutput.fromJson("1"));
            Map<String, Versioned<ResourceState>> all = scope().getAll();
            assertThat(new ArrayList<>(all.keySet())).isEqualTo(sorted(names));
            assertThat(all.get("api/Item-7").value()).isEqualTo(record("api/Item-7", ResourceStatus.CREATED));
            assertThat(all.get("api/Item-7").version()).isEqualTo(1);
        }
    }

    @Nested
    @DisplayName("deployments: versions, the lease of the open one, journals, Alchemy's transitions")
    class DeploymentsGroup {

        private final Duration minute = Duration.ofMinutes(1);
        private final DeploymentMeta meta = new DeploymentMeta("deploy",
                new DeploymentMeta.Initiator("alice", "laptop", 4242L), "2.0.0-beta.79", "0123abc");

        private Deployments deployments() {
            return scope().deployments();
        }

        private DeploymentEvent event(long seq, String payload) {
            return new DeploymentEvent(seq, Instant.ofEpochMilli(1_700_000_000_000L + seq), seq % 2 == 0 ? "api/Bucket" : null,
                    json(payload));
        }

        private List<Long> seqs(List<DeploymentEvent> events) {
            return events.stream().map(DeploymentEvent::seq).collect(Collectors.toList());
        }

        @Test
        @DisplayName("versions are 1 then 2; the record keeps the meta; end closes it")
        void versionsFromOne() {
            DeploymentLease first = deployments().begin(meta, minute);
            assertThat(first.version()).isEqualTo(1);
            DeploymentRecord open = deployments().get(1).orElseThrow();
            assertThat(open.isOpen()).isTrue();
            assertThat(open.meta()).isEqualTo(meta);
            assertThat(open.scope()).isEqualTo(SCOPE);
            assertThat(open.ttl()).isEqualTo(minute);
            assertThat(deployments().open().map(DeploymentRecord::version)).contains(1L);
            deployments().end(1, first.token(), DeploymentOutcome.SUCCEEDED,
                    new DeploymentSummary(Map.of("create", 3L, "update", 1L), null));
            DeploymentRecord closed = deployments().get(1).orElseThrow();
            assertThat(closed.outcome()).isEqualTo(DeploymentOutcome.SUCCEEDED);
            assertThat(closed.endedAt()).isAfterOrEqualTo(closed.startedAt());
            assertThat(closed.summary().counts()).containsEntry("create", 3L).containsEntry("update", 1L);
            assertThat(deployments().open()).isEmpty();
            assertThat(deployments().begin(meta, minute).version()).isEqualTo(2);
        }

        @Test
        @DisplayName("a live open deployment refuses a begin with its record, never its token")
        void inProgress() {
            DeploymentLease holder = deployments().begin(meta, minute);
            DeploymentInProgressException e = catchThrowableOfType(DeploymentInProgressException.class,
                    () -> deployments().begin(DeploymentMeta.deploy(null), minute));
            assertThat(e.holderRecord().version()).isEqualTo(holder.version());
            assertThat(e.holderRecord().meta()).isEqualTo(meta);
            assertThat(e.holder().map(LockInfo::owner)).contains("alice@laptop");
            assertThat(e).isInstanceOf(LockConflictException.class);
            assertThat(e.getMessage()).doesNotContain(holder.token());
            assertThat(StateJson.compact(dev.statestore.spi.DeploymentJson.record(e.holderRecord())))
                    .doesNotContain(holder.token());
            assertThat(holder.toString()).doesNotContain(holder.token());
            assertThat(deployments().list(null, 10)).hasSize(1);
        }

        @Test
        @Timeout(30)
        @DisplayName("an open deployment whose heartbeat is as old as the begin's ttl is closed as abandoned")
        void staleIsAbandoned() throws Exception {
            DeploymentLease stale = deployments().begin(meta, minute);
            Thread.sleep(250);
            assertThatThrownBy(() -> deployments().begin(meta, minute)).isInstanceOf(DeploymentInProgressException.class);
            DeploymentLease next = deployments().begin(meta, Duration.ofMillis(200));
            assertThat(next.version()).isEqualTo(stale.version() + 1);
            DeploymentRecord abandoned = deployments().get(stale.version()).orElseThrow();
            assertThat(abandoned.outcome()).isEqualTo(DeploymentOutcome.ABANDONED);
            assertThat(abandoned.endedAt()).isNotNull();
            assertThat(deployments().begin(meta, Duration.ZERO).version())
                    .as("a ttl of zero treats every open deployment as stale").isEqualTo(next.version() + 1);
        }

        @Test
        @Timeout(30)
        @DisplayName("a heartbeat keeps a deployment live; after its end it changes nothing")
        void heartbeat() throws Exception {
            DeploymentLease lease = deployments().begin(meta, minute);
            Instant started = deployments().get(lease.version()).orElseThrow().heartbeatAt();
            Thread.sleep(300);
            deployments().heartbeat(lease.version(), lease.token());
            Instant beat = deployments().get(lease.version()).orElseThrow().heartbeatAt();
            assertThat(beat).isAfter(started);
            assertThatThrownBy(() -> deployments().begin(meta, Duration.ofMillis(250)))
                    .as("judged from the last heartbeat").isInstanceOf(DeploymentInProgressException.class);
            deployments().end(lease.version(), lease.token(), DeploymentOutcome.FAILED, new DeploymentSummary(Map.of(), "boom"));
            DeploymentRecord ended = deployments().get(lease.version()).orElseThrow();
            deployments().heartbeat(lease.version(), lease.token());
            assertThat(deployments().get(lease.version()).orElseThrow()).isEqualTo(ended);
            assertThat(ended.summary().error()).isEqualTo("boom");
        }

        @Test
        @DisplayName("supersede takes over exactly the open version it names; any other live one still wins")
        void supersede() {
            DeploymentLease first = deployments().begin(meta, minute);
            assertThatThrownBy(() -> deployments().begin(meta, minute, first.version() + 7))
                    .isInstanceOf(DeploymentInProgressException.class);
            DeploymentLease second = deployments().begin(meta, minute, first.version());
            assertThat(second.version()).isEqualTo(first.version() + 1);
            assertThat(second.tookOver()).as("the lease says what it took over").isEqualTo(first.version());
            assertThat(first.tookOver()).isNull();
            assertThat(deployments().get(first.version()).orElseThrow().outcome()).isEqualTo(DeploymentOutcome.ABANDONED);
            assertThatThrownBy(() -> deployments().begin(meta, minute, first.version()))
                    .as("the superseded version is no longer the open one").isInstanceOf(DeploymentInProgressException.class);
            assertThat(deployments().open().map(DeploymentRecord::version)).contains(second.version());
        }

        @Test
        @DisplayName("end keeps the first outcome; ending an abandoned deployment records completed-late")
        void endTransitions() {
            DeploymentLease first = deployments().begin(meta, minute);
            deployments().end(first.version(), first.token(), DeploymentOutcome.SUCCEEDED, null);
            deployments().end(first.version(), first.token(), DeploymentOutcome.FAILED, new DeploymentSummary(Map.of(), "late"));
            assertThat(deployments().get(first.version()).orElseThrow().outcome()).isEqualTo(DeploymentOutcome.SUCCEEDED);

            DeploymentLease zombie = deployments().begin(meta, minute);
            DeploymentLease successor = deployments().begin(meta, minute, zombie.version());
            deployments().end(zombie.version(), zombie.token(), DeploymentOutcome.SUCCEEDED,
                    new DeploymentSummary(Map.of("update", 2L), null));
            DeploymentRecord late = deployments().get(zombie.version()).orElseThrow();
            assertThat(late.outcome()).isEqualTo(DeploymentOutcome.COMPLETED_LATE);
            assertThat(late.summary().counts()).containsEntry("update", 2L);
            deployments().end(zombie.version(), zombie.token(), DeploymentOutcome.FAILED, null);
            assertThat(deployments().get(zombie.version()).orElseThrow().outcome()).isEqualTo(DeploymentOutcome.COMPLETED_LATE);
            assertThat(deployments().get(successor.version()).orElseThrow().isOpen()).as("untouched").isTrue();
            assertThatThrownBy(() -> deployments().end(successor.version(), successor.token(), DeploymentOutcome.ABANDONED, null))
                    .as("only the store abandons").isInstanceOf(InvalidStateException.class);
        }

        @Test
        @DisplayName("the journal: ascending by seq, fromSeq inclusive, a retried overlapping batch adds nothing")
        void journal() {
            DeploymentLease lease = deployments().begin(meta, minute);
            String awkward = "{\"op\":\"create\",\"n\":12345678901234567890123,\"d\":1.50,\"s\":\"\u00e9\ud83d\ude00\\n\","
                    + "\"nested\":[null,true,{\"z\":1,\"a\":2}]}";
            assertThat(deployments().appendEvents(lease.version(), lease.token(),
                    List.of(event(1, awkward), event(2, "\"two\""), event(3, "3")))).isEqualTo(3);
            assertThat(deployments().appendEvents(lease.version(), lease.token(),
                    List.of(event(2, "\"again\""), event(3, "\"again\""), event(5, "5"), event(4, "4")))).isEqualTo(5);
            assertThat(deployments().appendEvents(lease.version(), lease.token(), List.of(event(4, "\"again\""))))
                    .as("nothing new").isEqualTo(5);
            assertThat(deployments().appendEvents(lease.version(), lease.token(), List.of())).isEqualTo(5);
            List<DeploymentEvent> all = deployments().readEvents(lease.version(), 1);
            assertThat(seqs(all)).containsExactly(1L, 2L, 3L, 4L, 5L);
            assertThat(all.get(0).payload()).isEqualTo(json(awkward));
            assertThat(StateJson.compact(all.get(0).payload())).isEqualTo(StateJson.compact(json(awkward)));
            assertThat(all.get(0).fqn()).isNull();
            assertThat(all.get(1).fqn()).isEqualTo("api/Bucket");
            assertThat(all.get(1).payload().textValue()).as("first write wins").isEqualTo("two");
            assertThat(all.get(2).ts()).isEqualTo(Instant.ofEpochMilli(1_700_000_000_003L));
            assertThat(seqs(deployments().readEvents(lease.version(), 3))).containsExactly(3L, 4L, 5L);
            assertThat(deployments().readEvents(lease.version(), 6)).isEmpty();
            assertThat(deployments().get(lease.version()).orElseThrow().lastSeq()).isEqualTo(5);
        }

        @Test
        @DisplayName("a journal of 3,000 events in batches reads back whole and in order")
        void longJournal() {
            DeploymentLease lease = deployments().begin(meta, minute);
            String payload = "{\"log\":\"" + "x".repeat(400) + "\"}";
            for (int batch = 0; batch < 6; batch++) {
                List<DeploymentEvent> events = new ArrayList<>();
                for (int i = 1; i <= 500; i++) {
                    events.add(event(batch * 500L + i, payload));
                }
                deployments().appendEvents(lease.version(), lease.token(), events);
            }
            List<DeploymentEvent> all = deployments().readEvents(lease.version(), 1);
            assertThat(all).hasSize(3000);
            assertThat(seqs(all)).isSorted().doesNotHaveDuplicates();
            assertThat(seqs(deployments().readEvents(lease.version(), 2990))).hasSize(11);
        }

        @Test
        @DisplayName("appends are accepted after the end, with the right token")
        void appendAfterEnd() {
            DeploymentLease lease = deployments().begin(meta, minute);
            deployments().appendEvents(lease.version(), lease.token(), List.of(event(1, "1")));
            deployments().end(lease.version(), lease.token(), DeploymentOutcome.INTERRUPTED, null);
            assertThat(deployments().appendEvents(lease.version(), lease.token(), List.of(event(2, "2")))).isEqualTo(2);
            assertThat(seqs(deployments().readEvents(lease.version(), 1))).containsExactly(1L, 2L);
            assertThat(deployments().get(lease.version()).orElseThrow().outcome()).isEqualTo(DeploymentOutcome.INTERRUPTED);
        }

        @Test
        @DisplayName("a wrong token or an unknown version is refused by append, heartbeat, end and read, revealing nothing")
        void wrongTokenAndUnknownVersion() {
            DeploymentLease lease = deployments().begin(meta, minute);
            String wrong = "not-" + lease.token();
            long v = lease.version();
            List<DeploymentEvent> one = List.of(event(1, "1"));
            for (Runnable call : List.<Runnable>of(
                    () -> deployments().appendEvents(v, wrong, one),
                    () -> deployments().heartbeat(v, wrong),
                    () -> deployments().end(v, wrong, DeploymentOutcome.SUCCEEDED, null),
                    () -> deployments().heartbeat(v, ""))) {
                DeploymentTokenInvalidException e = catchThrowableOfType(DeploymentTokenInvalidException.class, call::run);
                assertThat(e).isNotNull();
                assertThat(e.version()).isEqualTo(v);
                assertThat(e.getMessage()).doesNotContain(lease.token());
            }
            for (Runnable call : List.<Runnable>of(
                    () -> deployments().appendEvents(v + 1, lease.token(), one),
                    () -> deployments().heartbeat(v + 1, lease.token()),
                    () -> deployments().end(v + 1, lease.token(), DeploymentOutcome.SUCCEEDED, null),
                    () -> deployments().readEvents(v + 1, 1),
                    () -> deployments().readEvents(0, 1))) {
                assertThatThrownBy(call::run).isInstanceOf(DeploymentNotFoundException.class);
            }
            assertThat(deployments().get(v + 1)).isEmpty();
            assertThat(deployments().get(0)).isEmpty();
            assertThat(deployments().get(v).orElseThrow().isOpen()).as("nothing changed").isTrue();
            assertThat(deployments().readEvents(v, 1)).isEmpty();
        }

        @Test
        @DisplayName("list: newest first, before is strictly less than, limit")
        void listing() {
            for (int i = 0; i < 5; i++) {
                DeploymentLease lease = deployments().begin(meta, minute);
                deployments().end(lease.version(), lease.token(), DeploymentOutcome.SUCCEEDED, null);
            }
            Function<List<DeploymentRecord>, List<Long>> versions = records -> records.stream()
                    .map(DeploymentRecord::version).collect(Collectors.toList());
            assertThat(versions.apply(deployments().list(null, 10))).containsExactly(5L, 4L, 3L, 2L, 1L);
            assertThat(versions.apply(deployments().list(null, 2))).containsExactly(5L, 4L);
            assertThat(versions.apply(deployments().list(4L, 2))).containsExactly(3L, 2L);
            assertThat(versions.apply(deployments().list(2L, 10))).containsExactly(1L);
            assertThat(deployments().list(1L, 10)).isEmpty();
            assertThat(versions.apply(deployments().list(99L, 1))).containsExactly(5L);
            assertThat(store.scope(SCOPE.stack(), "other").deployments().list(null, 10)).as("per scope").isEmpty();
            assertThatThrownBy(() -> deployments().list(null, 0)).isInstanceOf(InvalidStateException.class);
        }

        @Test
        @Timeout(120)
        @DisplayName("8 racing begins on 2 instances: exactly one wins, 10 rounds, versions never repeat")
        void racingBegins() throws Exception {
            StateStore second = open(url);
            for (int round = 0; round < 10; round++) {
                ScopeId roundScope = new ScopeId(SCOPE.stack(), "deploy-race-" + round);
                List<DeploymentLease> winners = raceOnTwoInstances(second, DeploymentInProgressException.class,
                        (instance, me) -> instance.scope(roundScope).deployments().begin(meta, minute));
                assertThat(winners).as("winners of round " + round).hasSize(1);
                assertThat(winners.get(0).version()).isEqualTo(1);
                assertThat(second.scope(roundScope).deployments().list(null, 10)).hasSize(1);
            }
        }

        @Test
        @DisplayName("a second store instance sees the first's deployments and journals, and can end them")
        void secondInstance() {
            DeploymentLease lease = deployments().begin(meta, minute);
            deployments().appendEvents(lease.version(), lease.token(), List.of(event(1, "{\"a\":1}")));
            Deployments other = open(url).scope(SCOPE).deployments();
            assertThat(other.get(lease.version()).orElseThrow().meta()).isEqualTo(meta);
            assertThat(seqs(other.readEvents(lease.version(), 1))).containsExactly(1L);
            assertThatThrownBy(() -> other.begin(meta, minute)).isInstanceOf(DeploymentInProgressException.class);
            other.end(lease.version(), lease.token(), DeploymentOutcome.SUCCEEDED, null);
            assertThat(deployments().get(lease.version()).orElseThrow().outcome()).isEqualTo(DeploymentOutcome.SUCCEEDED);
        }

        @Test
        @DisplayName("versions are never reused after the stage or the stack is deleted")
        void versionsSurviveDeletion() {
            scope().create(record("R", ResourceStatus.CREATED));
            DeploymentLease first = deployments().begin(meta, minute);
            deployments().end(first.version(), first.token(), DeploymentOutcome.SUCCEEDED, null);
            scope().deleteAll();
            store.deleteStack(SCOPE.stack());
            assertThat(deployments().begin(meta, minute).version()).isEqualTo(first.version() + 1);
            assertThat(deployments().list(null, 10)).hasSize(2);
            assertThat(store.stacks()).as("deployments alone do not list a stack").doesNotContain(SCOPE.stack());
        }

        @Test
        @DisplayName("the deploy lock is the open deployment: its token is the lock id, its version the fencing token")
        void lockIsTheOpenDeployment() {
            LockLease lock = scope().acquireLock("ci@runner-7", minute);
            DeploymentRecord open = deployments().open().orElseThrow();
            assertThat(open.version()).isEqualTo(lock.fencingToken());
            assertThat(open.meta().command()).isEqualTo("deploy");
            assertThat(open.lockInfo().owner()).isEqualTo("ci@runner-7");
            assertThatThrownBy(() -> deployments().begin(meta, minute)).isInstanceOf(DeploymentInProgressException.class);
            deployments().heartbeat(open.version(), lock.lockId());
            scope().releaseLock(lock.lockId());
            assertThat(deployments().get(open.version()).orElseThrow().outcome()).isEqualTo(DeploymentOutcome.SUCCEEDED);

            DeploymentLease deploy = deployments().begin(meta, minute);
            assertThat(scope().lockInfo().map(LockInfo::fencingToken)).contains(deploy.version());
            assertThat(scope().lockInfo().map(LockInfo::owner)).contains("alice@laptop");
            LockConflictException e = catchThrowableOfType(LockConflictException.class,
                    () -> scope().acquireLock("bob", minute));
            assertThat(e.holder().map(LockInfo::fencingToken)).contains(deploy.version());
            scope().renewLock(deploy.token(), minute);
            assertThat(scope().forceReleaseLock()).isTrue();
            assertThat(deployments().get(deploy.version()).orElseThrow().outcome()).isEqualTo(DeploymentOutcome.ABANDONED);
            deployments().end(deploy.version(), deploy.token(), DeploymentOutcome.SUCCEEDED, null);
            assertThat(deployments().get(deploy.version()).orElseThrow().outcome()).isEqualTo(DeploymentOutcome.COMPLETED_LATE);
        }

        @Test
        @DisplayName("retention: journals beyond the newest kept are pruned when a deployment ends; their records stay")
        void retention() {
            Deployments keepingTwo = open(fixture().withStoreOption(url, StateStores.JOURNALS_OPTION, "2")).scope(SCOPE).deployments();
            for (int i = 0; i < 4; i++) {
                DeploymentLease lease = keepingTwo.begin(meta, minute);
                keepingTwo.appendEvents(lease.version(), lease.token(), List.of(event(1, "1"), event(2, "2")));
                keepingTwo.end(lease.version(), lease.token(), DeploymentOutcome.SUCCEEDED, null);
            }
            assertThat(keepingTwo.list(null, 10)).as("every record stays").hasSize(4);
            for (long version : List.of(1L, 2L)) {
                DeploymentRecord pruned = deployments().get(version).orElseThrow();
                assertThat(pruned.journalPruned()).as("version " + version).isTrue();
                assertThat(pruned.lastSeq()).isEqualTo(2);
                assertThat(deployments().readEvents(version, 1)).isEmpty();
            }
            for (long version : List.of(3L, 4L)) {
                assertThat(deployments().get(version).orElseThrow().journalPruned()).isFalse();
                assertThat(seqs(deployments().readEvents(version, 1))).containsExactly(1L, 2L);
            }
            DeploymentLease open = keepingTwo.begin(meta, minute);
            keepingTwo.appendEvents(open.version(), open.token(), List.of(event(1, "1")));
            assertThat(deployments().readEvents(open.version(), 1)).as("an open deployment keeps its journal").hasSize(1);
        }

        @Test
        @DisplayName("arguments are checked before any I/O")
        void arguments() {
            assertThatThrownBy(() -> deployments().begin(null, minute)).isInstanceOf(InvalidStateException.class);
            assertThatThrownBy(() -> deployments().begin(meta, Duration.ofMillis(-1))).isInstanceOf(InvalidStateException.class);
            assertThatThrownBy(() -> new DeploymentMeta("apply", null, null, null)).isInstanceOf(InvalidStateException.class);
            assertThatThrownBy(() -> event(0, "1")).isInstanceOf(InvalidStateException.class);
            DeploymentLease lease = deployments().begin(meta, minute);
            assertThatThrownBy(() -> deployments().appendEvents(lease.version(), lease.token(), null))
                    .isInstanceOf(InvalidStateException.class);
            assertThat(deployments().list(null, 10)).hasSize(1);
        }
    }

    @Nested
    @DisplayName("history: every change kept, the scope at any deployment, diff and restore")
    class HistoryGroup {

        private final Duration minute = Duration.ofMinutes(1);
        private final DeploymentMeta.Initiator alice = new DeploymentMeta.Initiator("alice", "laptop", 4242L);

        private History history() {
            return scope().history();
        }

        private long deploy(java.util.function.Consumer<StateScope> writes) {
            return deployAs(alice, writes);
        }

        /** What a snapshot holds, byte for byte: each record's version and JSON text, and the output's. */
        private Map<String, String> view(ScopeSnapshot snapshot) {
            Map<String, String> view = new java.util.TreeMap<>();
            snapshot.records().forEach((fqn, r) -> view.put(fqn, r.version() + " " + r.value().toJson()));
            if (snapshot.output() != null) {
                view.put("<output>", snapshot.output().version() + " " + snapshot.output().value().toJson());
            }
            return view;
        }

        private ResourceState secretRecord(String fqn, String secret) {
            return ResourceState.builder(fqn, ResourceStatus.CREATED).resourceType("Random.Password")
                    .props(json("{\"length\":32}")).attr(json("{\"value\":{\"__redacted__\":\"" + secret + "\"},\"id\":\"" + secret.length() + "\"}"))
                    .build();
        }

        @Test
        @DisplayName("each write and delete appears once, newest first, with its versions; unfenced ones with no deployment")
        void everyChangeOnce() {
            Versioned<ResourceState> v1 = scope().create(record("Api/Bucket", ResourceStatus.CREATING));
            Versioned<ResourceState> v2 = scope().update(record("Api/Bucket", ResourceStatus.CREATED), v1.version());
            Versioned<ResourceState> v3 = scope().put(record("Api/Bucket", ResourceStatus.UPDATED));
            scope().delete("Api/Bucket", v3.version());
            Versioned<ResourceState> v4 = scope().create(record("Api/Bucket", ResourceStatus.CREATED));
            scope().put(record("Other", ResourceStatus.CREATED));
            scope().putOutput(StackOutput.fromJson("{\"url\":\"a\"}"));
            scope().deleteOutput();

            List<StateChange> changes = history().of("Api/Bucket");
            assertThat(changes).extracting(StateChange::version).containsExactly(4L, 3L, 3L, 2L, 1L);
            assertThat(changes).extracting(StateChange::isDeletion).containsExactly(false, true, false, false, false);
            assertThat(changes.get(0).record()).isEqualTo(v4.value());
            assertThat(changes.get(0).at()).isEqualTo(v4.updatedAt());
            assertThat(changes.get(2).record()).isEqualTo(v3.value());
            assertThat(changes.get(3).record()).isEqualTo(v2.value());
            assertThat(changes.get(4).record()).isEqualTo(v1.value());
            assertThat(changes).allSatisfy(c -> {
                assertThat(c.deployment()).as("unfenced").isZero();
                assertThat(c.initiator()).isNull();
                assertThat(c.fqn()).isEqualTo("Api/Bucket");
            });
            assertThat(history().of("Other")).hasSize(1);
            assertThat(history().of("Never")).isEmpty();
            List<StateChange> output = history().ofOutput();
            assertThat(output).extracting(StateChange::isDeletion).containsExactly(true, false);
            assertThat(output.get(1).output()).isEqualTo(StackOutput.fromJson("{\"url\":\"a\"}"));
            assertThat(output).allSatisfy(c -> assertThat(c.isOutput()).isTrue());
            assertThat(history().isKept()).isTrue();
        }

        @Test
        @DisplayName("a fenced write is recorded as its deployment's, with who started it; changes(v) lists them in order")
        void fencedWritesCarryTheirDeployment() {
            long first = deploy(s -> {
                s.create(record("A", ResourceStatus.CREATED));
                s.create(record("B", ResourceStatus.CREATED));
            });
            scope().put(record("Operator", ResourceStatus.CREATED));
            long second = deploy(s -> {
                s.put(record("A", ResourceStatus.UPDATED));
                s.delete("B");
                s.putOutput(StackOutput.fromJson("{\"n\":2}"));
            });
            assertThat(history().of("A")).extracting(StateChange::deployment).containsExactly(second, first);
            assertThat(history().of("A").get(0).initiator()).isEqualTo(alice);
            assertThat(history().of("Operator").get(0).deployment()).isZero();
            List<StateChange> made = history().changes(second);
            assertThat(made).extracting(StateChange::subject).containsExactlyInAnyOrder("A", "B", "stack output");
            assertThat(made).allSatisfy(c -> assertThat(c.deployment()).isEqualTo(second));
            assertThat(made.stream().filter(StateChange::isDeletion).map(StateChange::subject)).containsExactly("B");
            assertThat(history().changes(first)).extracting(StateChange::subject).containsExactlyInAnyOrder("A", "B");
            assertThatThrownBy(() -> history().changes(99)).isInstanceOf(DeploymentNotFoundException.class);
        }

        @Test
        @DisplayName("a write that fails its condition or its fence leaves no trace")
        void failedWritesLeaveNoTrace() {
            DeploymentLease old = scope().deployments().begin(DeploymentMeta.deploy(alice), minute);
            StateScope zombie = scope().fenced(old.version());
            Versioned<ResourceState> r = zombie.create(record("R", ResourceStatus.CREATED));
            assertThatThrownBy(() -> scope().create(record("R", ResourceStatus.CREATED))).isInstanceOf(StateConflictException.class);
            assertThatThrownBy(() -> scope().update(record("R", ResourceStatus.UPDATED), r.version() + 1))
                    .isInstanceOf(StateConflictException.class);
            assertThatThrownBy(() -> scope().delete("R", r.version() + 1)).isInstanceOf(StateConflictException.class);
            assertThatThrownBy(() -> scope().update(record("Missing", ResourceStatus.UPDATED), 1))
                    .isInstanceOf(StateConflictException.class);
            assertThat(scope().delete("Missing")).isFalse();
            scope().createOutput(StackOutput.fromJson("{}"));
            assertThatThrownBy(() -> scope().createOutput(StackOutput.fromJson("{\"again\":1}")))
                    .isInstanceOf(StateConflictException.class);
            scope().deployments().begin(DeploymentMeta.deploy(alice), minute, old.version());
            assertThatThrownBy(() -> zombie.put(record("R", ResourceStatus.UPDATED))).isInstanceOf(StateWriteFencedException.class);
            assertThatThrownBy(() -> zombie.delete("R")).isInstanceOf(StateWriteFencedException.class);
            assertThatThrownBy(() -> zombie.put(record("New", ResourceStatus.CREATED))).isInstanceOf(StateWriteFencedException.class);

            assertThat(history().of("R")).hasSize(1);
            assertThat(history().of("R").get(0).deployment()).isEqualTo(old.version());
            assertThat(history().of("Missing")).isEmpty();
            assertThat(history().of("New")).isEmpty();
            assertThat(history().ofOutput()).hasSize(1);
        }

        @Test
        @DisplayName("at(v) is the scope as a snapshot took it at the end of deployment v, after creates, updates, "
                + "replacements, deletes and a delete then re-create")
        void atIsExact() {
            Map<Long, Map<String, String>> snapshots = new java.util.LinkedHashMap<>();
            long d1 = deploy(s -> {
                for (int i = 0; i < 6; i++) {
                    s.create(record("App/R" + i, ResourceStatus.CREATED));
                }
                s.putOutput(StackOutput.fromJson("{\"url\":\"one\"}"));
            });
            snapshots.put(d1, view(history().now()));
            long d2 = deploy(s -> {
                s.put(record("App/R0", ResourceStatus.UPDATED));
                s.put(record("App/R1", ResourceStatus.REPLACED));
                s.put(record("App/R1", ResourceStatus.CREATED));
                s.delete("App/R2");
                s.create(record("App/New", ResourceStatus.CREATED));
            });
            snapshots.put(d2, view(history().now()));
            long d3 = deploy(s -> {
                s.delete("App/R3");
                s.create(record("App/R3", ResourceStatus.CREATING));
                s.create(record("App/R2", ResourceStatus.CREATED));
                s.deleteOutput();
            });
            snapshots.put(d3, view(history().now()));
            long d4 = deploy(s -> {
                s.deleteAll();
                s.create(record("App/Last", ResourceStatus.CREATED));
                s.putOutput(StackOutput.fromJson("{\"url\":\"four\"}"));
            });
            snapshots.put(d4, view(history().now()));

            snapshots.forEach((v, expected) -> assertThat(view(history().at(v))).as("at(%d)", v).isEqualTo(expected));
            assertThat(history().at(d2).deployment()).isEqualTo(d2);
            assertThat(view(history().at(d4))).isEqualTo(view(history().now()));
            assertThatThrownBy(() -> history().at(42)).isInstanceOf(DeploymentNotFoundException.class);
        }

        @Test
        @DisplayName("at(v) is exact when more keys changed since v than are read one by one (the log is read whole)")
        void atAfterManyChanges() {
            // 40 keys changed since the first deployment: past the 32 whose documents at(v) reads key by key.
            long d1 = deploy(s -> {
                for (int i = 0; i < 40; i++) {
                    s.create(record("Many/R" + i, ResourceStatus.CREATED));
                }
                s.create(record("Many/Kept", ResourceStatus.CREATED));
            });
            Map<String, String> atD1 = view(history().now());
            long d2 = deploy(s -> {
                for (int i = 0; i < 40; i++) {
                    if (i % 4 == 0) {
                        s.delete("Many/R" + i);
                    } else {
                        s.put(record("Many/R" + i, ResourceStatus.UPDATED));
                    }
                }
                s.create(record("Many/New", ResourceStatus.CREATED));
            });
            assertThat(view(history().at(d1))).isEqualTo(atD1);
            assertThat(view(history().at(d2))).isEqualTo(view(history().now()));
        }

        @Test
        @DisplayName("an unfenced write counts at the deployments that ended after it (to the millisecond), not before")
        void unfencedWritesByTime() {
            long d1 = deploy(s -> s.create(record("A", ResourceStatus.CREATED)));
            Map<String, String> atD1 = view(history().now());
            // No pause: a deployment's end is kept to the millisecond (Alchemy's), and the end returns only once that
            // millisecond is over, so a write right after it is never placed before it.
            scope().put(record("Operator", ResourceStatus.CREATED));
            long d2 = deploy(s -> s.put(record("A", ResourceStatus.UPDATED)));
            assertThat(view(history().at(d1))).isEqualTo(atD1);
            assertThat(view(history().at(d2))).isEqualTo(view(history().now()));
        }

        @Test
        @DisplayName("diff names what was added, removed and changed, field by field, and hides secrets' values")
        void diff() {
            long d1 = deploy(s -> {
                s.create(record("Keep", ResourceStatus.CREATED));
                s.create(record("Gone", ResourceStatus.CREATED));
                s.create(secretRecord("Password", "old-secret"));
                s.putOutput(StackOutput.fromJson("{\"url\":\"a\"}"));
            });
            long d2 = deploy(s -> {
                s.put(ResourceState.builder("Keep", ResourceStatus.UPDATED).resourceType("Test.Thing")
                        .props(json("{\"marker\":\"Keep\",\"size\":2}")).build());
                s.delete("Gone");
                s.create(record("Added", ResourceStatus.CREATED));
                s.put(secretRecord("Password", "a-longer-secret"));
            });
            StateDiff diff = history().diff(d1, d2);
            assertThat(diff.from()).isEqualTo(d1);
            assertThat(diff.to()).isEqualTo(d2);
            assertThat(diff.records()).extracting(StateDiff.Entry::fqn).containsExactly("Added", "Gone", "Keep", "Password");
            assertThat(diff.records()).extracting(StateDiff.Entry::kind).containsExactly(StateDiff.Kind.ADDED,
                    StateDiff.Kind.REMOVED, StateDiff.Kind.CHANGED, StateDiff.Kind.CHANGED);
            List<StateDiff.FieldChange> keep = diff.records().get(2).fields();
            assertThat(keep).extracting(StateDiff.FieldChange::path).containsExactly("/status", "/props/size");
            assertThat(keep.get(0).before().textValue()).isEqualTo("created");
            assertThat(keep.get(0).after().textValue()).isEqualTo("updated");
            assertThat(keep.get(1).before()).isNull();
            assertThat(keep.get(1).after().intValue()).isEqualTo(2);
            List<StateDiff.FieldChange> password = diff.records().get(3).fields();
            assertThat(password).hasSize(2);
            assertThat(password.get(0).path()).isEqualTo("/attr/value");
            assertThat(password.get(0).secret()).isTrue();
            assertThat(password.get(0).before()).isNull();
            assertThat(password.get(0).after()).isNull();
            assertThat(password.get(1).path()).isEqualTo("/attr/id");
            assertThat(diff.toString()).doesNotContain("old-secret").doesNotContain("a-longer-secret");
            assertThat(diff.output()).isNull();

            scope().putOutput(StackOutput.fromJson("{\"url\":\"b\"}"));
            StateDiff toNow = history().diff(d2, null);
            assertThat(toNow.to()).isNull();
            assertThat(toNow.records()).isEmpty();
            assertThat(toNow.output().kind()).isEqualTo(StateDiff.Kind.CHANGED);
            assertThat(toNow.output().fields()).extracting(StateDiff.FieldChange::path).containsExactly("/url");
            assertThat(history().diff(d2, d2).isEmpty()).isTrue();
        }

        @Test
        @DisplayName("restore(v) makes the scope what it was at v, as a deployment of its own that can itself be undone")
        void restore() {
            long d1 = deploy(s -> {
                for (int i = 0; i < 5; i++) {
                    s.create(record("R" + i, ResourceStatus.CREATED));
                }
                s.putOutput(StackOutput.fromJson("{\"url\":\"one\"}"));
            });
            Map<String, String> atD1 = documents(history().now());
            long d2 = deploy(s -> {
                s.put(record("R0", ResourceStatus.UPDATED));
                s.delete("R1");
                s.create(record("Extra", ResourceStatus.CREATED));
                s.putOutput(StackOutput.fromJson("{\"url\":\"two\"}"));
            });
            Map<String, String> atD2 = documents(history().now());

            List<Long> progress = new ArrayList<>();
            RestoreResult result = history().restore(d1, alice, progress::add);
            assertThat(documents(history().now())).isEqualTo(atD1);
            assertThat(result.restoredTo()).isEqualTo(d1);
            assertThat(result.deployment()).isEqualTo(d2 + 1);
            assertThat(List.of(result.created(), result.updated(), result.deleted())).containsExactly(1, 1, 1);
            assertThat(result.outputChanged()).isTrue();
            assertThat(progress).containsExactly(1L, 2L, 3L, 4L);
            DeploymentRecord record = scope().deployments().get(result.deployment()).orElseThrow();
            assertThat(record.meta().command()).isEqualTo("restore");
            assertThat(record.meta().initiator()).isEqualTo(alice);
            assertThat(record.outcome()).isEqualTo(DeploymentOutcome.SUCCEEDED);
            assertThat(record.isOpen()).isFalse();
            assertThat(history().changes(result.deployment())).hasSize(4);
            assertThat(history().of("R1").get(0).deployment()).isEqualTo(result.deployment());

            RestoreResult undo = history().restore(d2, alice, done -> { });
            assertThat(documents(history().now())).as("the restore undone").isEqualTo(atD2);
            assertThat(undo.changes()).isEqualTo(4);
            assertThat(history().restore(d2, alice, done -> { }).changes()).as("nothing left to restore").isZero();
        }

        @Test
        @DisplayName("restore refuses while another deployment is live, writing nothing, and takes over one whose lease ran out")
        void restoreRefusesWhileLive() throws InterruptedException {
            long d1 = deploy(s -> s.create(record("A", ResourceStatus.CREATED)));
            deploy(s -> s.put(record("A", ResourceStatus.UPDATED)));
            DeploymentLease live = scope().deployments().begin(DeploymentMeta.deploy(alice), minute);
            assertThatThrownBy(() -> history().restore(d1)).isInstanceOf(DeploymentInProgressException.class);
            assertThat(scope().require("A").value().status()).isEqualTo(ResourceStatus.UPDATED);
            assertThat(scope().deployments().open().orElseThrow().version()).isEqualTo(live.version());
            scope().deployments().end(live.version(), live.token(), DeploymentOutcome.SUCCEEDED, null);

            // A deploy that crashed: its own lease ran out, far sooner than the restore's would.
            DeploymentLease crashed = scope().deployments().begin(DeploymentMeta.deploy(alice), Duration.ofMillis(1));
            scope().fenced(crashed.version()).put(record("A", ResourceStatus.UPDATING));
            Thread.sleep(5);
            history().restore(d1);
            assertThat(scope().require("A").value().status()).isEqualTo(ResourceStatus.CREATED);
            assertThat(scope().deployments().get(crashed.version()).orElseThrow().outcome())
                    .isEqualTo(DeploymentOutcome.ABANDONED);
        }

        @Test
        @DisplayName("a writer racing a restore makes it stop cleanly, saying what it did; restoring again finishes")
        void restoreRacedByAWriter() {
            long d1 = deploy(s -> {
                s.create(record("A", ResourceStatus.CREATED));
                s.create(record("B", ResourceStatus.CREATED));
            });
            Map<String, String> atD1 = documents(history().now());
            deploy(s -> {
                s.put(record("A", ResourceStatus.UPDATED));
                s.put(record("B", ResourceStatus.UPDATED));
            });
            RestoreIncompleteException e = catchThrowableOfType(RestoreIncompleteException.class,
                    () -> history().restore(d1, alice, done -> scope().put(record("B", ResourceStatus.DELETING))));
            assertThat(e).isNotNull();
            assertThat(e.applied()).isEqualTo(1);
            assertThat(e.planned()).isEqualTo(2);
            assertThat(e.getCause()).isInstanceOf(StateConflictException.class);
            assertThat(scope().deployments().get(e.deployment()).orElseThrow().outcome()).isEqualTo(DeploymentOutcome.FAILED);
            assertThat(scope().require("B").value().status()).as("the racing write stands").isEqualTo(ResourceStatus.DELETING);

            assertThat(history().restore(d1).changes()).isEqualTo(1);
            assertThat(documents(history().now())).isEqualTo(atD1);
        }

        @Test
        @DisplayName("with history=off a write stores nothing more, and history says it is not kept")
        void historyOff() {
            StateStore off = open(fixture().withStoreOption(url, StateStores.HISTORY_OPTION, "off"));
            StateScope quiet = off.scope(SCOPE);
            quiet.put(record("Quiet", ResourceStatus.CREATED));
            quiet.delete("Quiet");
            quiet.putOutput(StackOutput.fromJson("{}"));
            assertThat(quiet.history().isKept()).isFalse();
            assertThatThrownBy(() -> quiet.history().of("Quiet")).isInstanceOf(HistoryNotKeptException.class);
            assertThat(history().of("Quiet")).isEmpty();
            assertThat(history().ofOutput()).isEmpty();
            assertThatThrownBy(() -> StateStores.open(url + (url.contains("?") ? "&" : "?") + "history=maybe"))
                    .isInstanceOf(InvalidStoreUrlException.class);
        }

        @Test
        @DisplayName("pruning past the window keeps every at(v) inside it exact, and says so before it")
        void retention() {
            StateScope kept = open(fixture().withStoreOption(url, StateStores.HISTORY_DEPLOYMENTS_OPTION, "3")).scope(SCOPE);
            Map<Long, Map<String, String>> snapshots = new java.util.LinkedHashMap<>();
            for (int round = 1; round <= 6; round++) {
                int n = round;
                DeploymentLease lease = kept.deployments().begin(DeploymentMeta.deploy(alice), minute);
                StateScope writer = kept.fenced(lease.version());
                writer.put(counter("Every", n));
                if (n == 1) {
                    writer.put(counter("Untouched", 0));
                    writer.put(counter("Gone", 0));
                }
                if (n == 2) {
                    writer.delete("Gone");
                }
                if (n % 2 == 0) {
                    writer.put(counter("Even", n));
                }
                kept.deployments().end(lease.version(), lease.token(), DeploymentOutcome.SUCCEEDED, null);
                snapshots.put(lease.version(), view(kept.history().now()));
            }
            assertThat(history().of("Every")).as("the changes of deployments 4, 5 and 6 are what is left")
                    .extracting(StateChange::deployment).containsExactly(6L, 5L, 4L);
            assertThat(history().of("Even")).extracting(StateChange::deployment).containsExactly(6L, 4L);
            assertThat(history().of("Untouched")).as("the state of the window's start is kept").hasSize(1);
            for (long v = 4; v <= 6; v++) {
                assertThat(view(history().at(v))).as("at(%d)", v).isEqualTo(snapshots.get(v));
            }
            assertThatThrownBy(() -> history().at(2)).isInstanceOf(HistoryNotKeptException.class);
            assertThat(history().restore(4).changes()).isEqualTo(2);
        }

        @Test
        @DisplayName("a record written before history was on counts as unchanged; one whose past is not kept is refused")
        void beforeHistory() {
            StateStore off = open(fixture().withStoreOption(url, StateStores.HISTORY_OPTION, "off"));
            off.scope(SCOPE).put(record("Old", ResourceStatus.CREATED));
            off.scope(SCOPE).put(record("Changed", ResourceStatus.CREATED));
            long d1 = deploy(s -> s.create(record("New", ResourceStatus.CREATED)));
            Map<String, String> atD1 = view(history().now());
            long d2 = deploy(s -> s.put(record("Changed", ResourceStatus.UPDATED)));
            assertThat(view(history().at(d2))).isEqualTo(view(history().now()));
            assertThatThrownBy(() -> history().at(d1)).isInstanceOf(HistoryNotKeptException.class)
                    .hasMessageContaining("Changed");
            assertThat(atD1).containsKey("Old");
        }
    }

    @Nested
    @DisplayName("surgery: remove, rename, move, edit, mark, repair; planned first, applied as a deployment, undoable")
    class SurgeryGroup {

        private final Duration minute = Duration.ofMinutes(1);
        private final DeploymentMeta.Initiator operator = new DeploymentMeta.Initiator("ops", "bastion", 7L);

        private Surgery surgery() {
            return scope().surgery();
        }

        private ResourceState withDownstream(String fqn, String... downstream) {
            return record(fqn, ResourceStatus.CREATED).toBuilder().downstream(List.of(downstream)).build();
        }

        private long deploy(java.util.function.Consumer<StateScope> writes) {
            return deployAs(operator, writes);
        }

        @Test
        @DisplayName("remove plans without writing, forgets the records and their downstream entries, and restore brings them back byte for byte")
        void removeThenRestore() {
            deploy(s -> {
                s.create(record("Db", ResourceStatus.CREATED));
                s.create(withDownstream("Api", "Db", "Queue"));
                s.create(record("Queue", ResourceStatus.CREATED));
            });
            Map<String, String> before = documents(scope().history().now());
            SurgeryPlan plan = surgery().remove(List.of("Db"));
            assertThat(documents(scope().history().now())).as("planning writes nothing").isEqualTo(before);
            assertThat(plan.steps()).extracting(SurgeryStep::fqn, SurgeryStep::action).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("Api", SurgeryStep.Action.UPDATE),
                    org.assertj.core.groups.Tuple.tuple("Db", SurgeryStep.Action.DELETE));
            assertThat(plan.steps().get(0).fields()).extracting(StateDiff.FieldChange::path).containsExactly("/downstream/0",
                    "/downstream/1").as("the downstream list shifts by one");

            SurgeryResult result = surgery().apply(plan, operator, "the database was deleted by hand");
            assertThat(scope().get("Db")).isEmpty();
            assertThat(scope().require("Api").value().downstream()).containsExactly("Queue");
            DeploymentRecord repair = scope().deployments().get(result.deployments().get(0)).orElseThrow();
            assertThat(repair.meta().command()).isEqualTo("repair");
            assertThat(repair.meta().initiator()).isEqualTo(operator);
            assertThat(repair.meta().note()).isEqualTo("remove: the database was deleted by hand");
            assertThat(repair.outcome()).isEqualTo(DeploymentOutcome.SUCCEEDED);
            assertThat(scope().history().changes(repair.version())).hasSize(2);
            assertThat(scope().deployments().readEvents(repair.version(), 0))
                    .as("the journal keeps each document replaced, before any write")
                    .extracting(DeploymentEvent::fqn, e -> e.payload().get("surgery").asText(),
                            e -> e.payload().get("before").toString())
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple("Api", "update", json(before.get("Api")).toString()),
                            org.assertj.core.groups.Tuple.tuple("Db", "delete", json(before.get("Db")).toString()));

            scope().history().restore(repair.version() - 1);
            assertThat(documents(scope().history().now())).isEqualTo(before);
            assertThatThrownBy(() -> surgery().remove(List.of("Nope"))).isInstanceOf(StateNotFoundException.class);
            assertThat(surgery().removeByStatus(EnumSet.of(ResourceStatus.DELETING)).isEmpty()).isTrue();
        }

        @Test
        @DisplayName("rename keeps the document, renames its fqn and its generations', and every downstream entry naming it")
        void renameKeepsReferences() {
            ResourceState previous = record("Site", ResourceStatus.CREATED);
            deploy(s -> {
                s.create(record("Site", ResourceStatus.REPLACED).toBuilder().previousGeneration(previous)
                        .downstream(List.of("Cdn")).build());
                s.create(withDownstream("Cdn", "Site", "Dns"));
                s.create(withDownstream("Dns", "Site"));
                s.create(record("Other", ResourceStatus.CREATED));
            });
            String siteBefore = scope().require("Site").value().toJson();
            surgery().apply(surgery().rename("Site", "web/Site"), operator, null);

            assertThat(scope().get("Site")).isEmpty();
            ResourceState renamed = scope().require("web/Site").value();
            assertThat(renamed.fqn()).isEqualTo("web/Site");
            assertThat(renamed.previousGeneration().orElseThrow().fqn()).isEqualTo("web/Site");
            assertThat(renamed.toJson().replace("\"web/Site\"", "\"Site\"")).isEqualTo(siteBefore);
            assertThat(scope().require("Cdn").value().downstream()).containsExactly("web/Site", "Dns");
            assertThat(scope().require("Dns").value().downstream()).containsExactly("web/Site");
            assertThat(surgery().problems()).as("no reference left dangling").isEmpty();

            assertThatThrownBy(() -> surgery().rename("Cdn", "Dns")).isInstanceOf(InvalidStateException.class)
                    .hasMessageContaining("exists");
            assertThatThrownBy(() -> surgery().rename("Cdn", "a//b")).isInstanceOf(InvalidStateException.class);
        }

        @Test
        @DisplayName("move takes a record to another scope, conditional on both sides, and refuses while the target's deployment is live")
        void moveBetweenScopes() {
            StateScope target = store.scope("MyApp", "prod");
            deploy(s -> {
                s.create(record("Bucket", ResourceStatus.CREATED));
                s.create(withDownstream("Reader", "Bucket"));
            });
            String bucket = scope().require("Bucket").value().toJson();
            SurgeryPlan plan = surgery().move("Bucket", target);
            assertThat(plan.steps()).extracting(s -> s.scope().id()).containsExactly(target.id(), SCOPE, SCOPE);

            DeploymentLease busy = target.deployments().begin(DeploymentMeta.deploy(operator), minute);
            assertThatThrownBy(() -> surgery().apply(plan, operator, null)).isInstanceOf(DeploymentInProgressException.class);
            assertThat(scope().get("Bucket")).as("nothing written while the target was busy").isPresent();
            assertThat(target.get("Bucket")).isEmpty();
            target.deployments().end(busy.version(), busy.token(), DeploymentOutcome.SUCCEEDED, null);

            SurgeryResult result = surgery().apply(plan, operator, null);
            assertThat(result.deployments()).hasSize(2);
            assertThat(target.require("Bucket").value().toJson()).isEqualTo(bucket);
            assertThat(scope().get("Bucket")).isEmpty();
            assertThat(scope().require("Reader").value().downstream()).isEmpty();
            assertThat(surgery().move("Reader", target).steps()).extracting(SurgeryStep::action)
                    .containsExactly(SurgeryStep.Action.CREATE, SurgeryStep.Action.DELETE);
            scope().create(record("Bucket", ResourceStatus.CREATED));
            assertThatThrownBy(() -> surgery().move("Bucket", target)).isInstanceOf(InvalidStateException.class)
                    .hasMessageContaining("exists there");
        }

        @Test
        @DisplayName("mark and set change only what they name; a set that leaves no valid record is refused")
        void markAndSet() {
            deploy(s -> s.create(record("Queue", ResourceStatus.CREATING).toBuilder().logicalId("Queue").build()));
            surgery().apply(surgery().mark("Queue", ResourceStatus.CREATED), operator, null);
            assertThat(scope().require("Queue").value()).isEqualTo(record("Queue", ResourceStatus.CREATED).toBuilder()
                    .logicalId("Queue").build());

            Map<String, com.fasterxml.jackson.databind.JsonNode> values = new java.util.LinkedHashMap<>();
            values.put("props.size", json("3"));
            values.put("/attr/url", json("\"https://q\""));
            values.put("logicalId", null);
            SurgeryPlan plan = surgery().set("Queue", values);
            assertThat(plan.steps()).singleElement().extracting(SurgeryStep::fields).asList().hasSize(3);
            surgery().apply(plan, operator, null);
            ResourceState queue = scope().require("Queue").value();
            assertThat(queue.props().orElseThrow().get("size").asInt()).isEqualTo(3);
            assertThat(queue.props().orElseThrow().get("marker").asText()).isEqualTo("Queue");
            assertThat(queue.attr().orElseThrow().get("url").asText()).isEqualTo("https://q");
            assertThat(queue.logicalId()).isEmpty();
            assertThatThrownBy(() -> surgery().set("Queue", Map.of("status", json("\"sideways\""))))
                    .isInstanceOf(InvalidStateException.class);
            assertThat(surgery().mark("Queue", ResourceStatus.CREATED).isEmpty()).as("no change, no step").isTrue();
        }

        @Test
        @DisplayName("an edit raced by a writer fails cleanly: the writer's change stands, the edit's deployment failed")
        void editRacedByAWriter() {
            deploy(s -> s.create(record("Fn", ResourceStatus.CREATED)));
            Versioned<ResourceState> opened = scope().require("Fn");
            ResourceState edited = opened.value().toBuilder().props(json("{\"memory\":512}")).build();
            SurgeryPlan plan = surgery().replace("Fn", edited, opened.version());
            scope().put(record("Fn", ResourceStatus.UPDATED));

            SurgeryIncompleteException e = catchThrowableOfType(SurgeryIncompleteException.class,
                    () -> surgery().apply(plan, operator, "bump memory"));
            assertThat(e).isNotNull();
            assertThat(e.applied()).isZero();
            assertThat(e.getCause()).isInstanceOf(StateConflictException.class);
            assertThat(scope().require("Fn").value().status()).isEqualTo(ResourceStatus.UPDATED);
            assertThat(scope().deployments().get(e.deployments().get(0)).orElseThrow().outcome())
                    .isEqualTo(DeploymentOutcome.FAILED);
            assertThatThrownBy(() -> surgery().replace("Fn", edited, opened.version()))
                    .as("planning from a stale version").isInstanceOf(StateConflictException.class);

            ResourceState renamedByEdit = ResourceState.of((com.fasterxml.jackson.databind.node.ObjectNode)
                    json(scope().require("Fn").value().toJson().replace("\"Fn\"", "\"api/Fn\"")));
            surgery().apply(surgery().replace("Fn", renamedByEdit, scope().require("Fn").version()), operator, null);
            assertThat(scope().get("Fn")).isEmpty();
            assertThat(scope().require("api/Fn").value().status()).isEqualTo(ResourceStatus.UPDATED);
        }

        @Test
        @DisplayName("repair finds dangling downstream entries, empty replacements and stuck records; fixes them as chosen; a second look finds nothing")
        void repairFindsAndFixes() {
            deploy(s -> {
                s.create(withDownstream("Api", "Gone", "Db"));
                s.create(record("Db", ResourceStatus.CREATED));
                s.create(record("Site", ResourceStatus.REPLACED));
                s.create(record("Queue", ResourceStatus.CREATING));
                s.create(record("Topic", ResourceStatus.DELETING).toBuilder().downstream(List.of("Gone")).build());
                s.create(record("Cache", ResourceStatus.UPDATING));
            });
            assertThat(surgery().problems()).extracting(RepairFinding::problem, RepairFinding::fqn)
                    .containsExactlyInAnyOrder(
                            org.assertj.core.groups.Tuple.tuple(RepairFinding.Problem.DANGLING_DOWNSTREAM, "Api"),
                            org.assertj.core.groups.Tuple.tuple(RepairFinding.Problem.DANGLING_DOWNSTREAM, "Topic"),
                            org.assertj.core.groups.Tuple.tuple(RepairFinding.Problem.EMPTY_REPLACEMENT, "Site"),
                            org.assertj.core.groups.Tuple.tuple(RepairFinding.Problem.STUCK, "Queue"),
                            org.assertj.core.groups.Tuple.tuple(RepairFinding.Problem.STUCK, "Topic"),
                            org.assertj.core.groups.Tuple.tuple(RepairFinding.Problem.STUCK, "Cache"));
            assertThatThrownBy(() -> surgery().repair(RepairChoices.none().mark("Db", ResourceStatus.CREATED)))
                    .as("only a stuck record is marked by repair").isInstanceOf(InvalidStateException.class);

            SurgeryPlan partial = surgery().repair(RepairChoices.none().mark("Queue", ResourceStatus.CREATED).remove("Topic"));
            assertThat(partial.notes()).anyMatch(n -> n.contains("Cache"));
            assertThat(partial.steps()).filteredOn(step -> step.fqn().equals("Topic")).as("a record removed is not also updated")
                    .extracting(SurgeryStep::action).containsExactly(SurgeryStep.Action.DELETE);
            surgery().apply(partial, operator, null);
            assertThat(scope().require("Api").value().downstream()).containsExactly("Db");
            assertThat(scope().require("Site").value().status()).isEqualTo(ResourceStatus.CREATED);
            assertThat(scope().require("Queue").value().status()).isEqualTo(ResourceStatus.CREATED);
            assertThat(scope().get("Topic")).isEmpty();
            assertThat(surgery().problems()).extracting(RepairFinding::fqn).containsExactly("Cache");
            surgery().apply(surgery().repair(RepairChoices.none().mark("Cache", ResourceStatus.UPDATED)), operator, null);
            assertThat(surgery().problems()).isEmpty();
            assertThat(surgery().repair(RepairChoices.none()).isEmpty()).isTrue();
        }

        @Test
        @DisplayName("while a deployment is live nothing is judged stuck, and no surgery starts")
        void liveDeployment() {
            deploy(s -> s.create(record("Queue", ResourceStatus.CREATED)));
            DeploymentLease live = scope().deployments().begin(DeploymentMeta.deploy(operator), minute);
            scope().fenced(live.version()).put(record("Queue", ResourceStatus.UPDATING));
            assertThat(surgery().problems()).isEmpty();
            SurgeryPlan plan = surgery().remove(List.of("Queue"));
            assertThatThrownBy(() -> surgery().apply(plan, operator, null)).isInstanceOf(DeploymentInProgressException.class);
            assertThat(scope().get("Queue")).isPresent();
            scope().deployments().end(live.version(), live.token(), DeploymentOutcome.FAILED, null);
            assertThat(surgery().problems()).extracting(RepairFinding::problem).containsExactly(RepairFinding.Problem.STUCK);
        }

        @Test
        @DisplayName("a record whose bytes are not a record is quarantined with its bytes intact, never deleted")
        void corruptRecordsAreQuarantined() {
            deploy(s -> {
                s.create(record("Good", ResourceStatus.CREATED));
                s.create(record("Bad", ResourceStatus.CREATED));
            });
            byte[] garbage = "{\"fqn\": \"Bad\", \"status\": tru".getBytes(StandardCharsets.UTF_8);
            fixture().writeRawRecord(url, SCOPE, "Bad", garbage);
            if (!fixture().keepsQuarantine()) {
                // A server never hands out bytes that are not a record: the repair runs against its own store.
                assertThatThrownBy(() -> surgery().problems()).isInstanceOf(CorruptStateException.class);
                return;
            }
            assertThat(surgery().problems()).extracting(RepairFinding::problem, RepairFinding::fqn).containsExactly(
                    org.assertj.core.groups.Tuple.tuple(RepairFinding.Problem.CORRUPT, "Bad"));
            SurgeryResult result = surgery().apply(surgery().repair(RepairChoices.none()), operator, null);
            assertThat(scope().get("Bad")).isEmpty();
            assertThat(fixture().rawRecord(url, SCOPE, "Bad")).isEmpty();
            assertThat(surgery().quarantined()).singleElement().satisfies(q -> {
                assertThat(q.fqn()).isEqualTo("Bad");
                assertThat(q.bytes().getBytes(StandardCharsets.UTF_8)).isEqualTo(garbage);
                assertThat(q.deployment()).isEqualTo(result.deployments().get(0));
                assertThat(q.location()).isNotBlank();
            });
            assertThat(surgery().problems()).isEmpty();
            assertThat(scope().listAll()).extracting(r -> r.value().fqn()).containsExactly("Good");
        }
    }

    @Nested
    @DisplayName("durability: close, reopen, everything is there")
    class Durability {

        @Test
        @DisplayName("records, versions, the output and the lock survive close and reopen")
        void reopen() {
            Map<String, String> shapes = TestRecords.shapes();
            shapes.values().forEach(doc -> scope().create(ResourceState.fromJson(doc)));
            scope().update(ResourceState.fromJson(shapes.get("created")), 1);
            scope().putOutput(StackOutput.fromJson("{\"url\":\"https://x\"}"));
            store.scope("Other", "prod").create(record("Db", ResourceStatus.CREATED));
            LockLease lease = scope().acquireLock("alice", Duration.ofMinutes(5));
            List<Versioned<ResourceState>> before = scope().listAll();
            store.close();

            StateStore reopened = open(url);
            StateScope again = reopened.scope(SCOPE);
            List<Versioned<ResourceState>> after = again.listAll();
            assertThat(after).hasSameSizeAs(before);
            for (int i = 0; i < before.size(); i++) {
                assertThat(after.get(i).value().toJson()).isEqualTo(before.get(i).value().toJson());
                assertThat(after.get(i).version()).isEqualTo(before.get(i).version());
            }
            assertThat(again.require("S/created").version()).isEqualTo(2);
            assertThat(again.output().orElseThrow().value().toJson()).isEqualTo("{\"url\":\"https://x\"}");
            assertThat(reopened.stacks()).containsExactly("MyApp", "Other");
            assertThat(again.lockInfo().map(LockInfo::fencingToken)).contains(lease.fencingToken());
            again.releaseLock(lease.lockId());
        }

        @Test
        @DisplayName("a closed store refuses calls with a clear error, and closing twice is harmless")
        void closed() {
            scope().create(record("R", ResourceStatus.CREATED));
            StateScope handle = scope();
            store.close();
            store.close();
            assertThatThrownBy(() -> handle.get("R")).isInstanceOf(dev.statestore.StateStoreClosedException.class)
                    .hasMessageContaining("closed");
            assertThatThrownBy(store::stacks).isInstanceOf(dev.statestore.StateStoreClosedException.class)
                    .hasMessageContaining("closed");
            assertThat(open(url).scope(SCOPE).get("R")).isPresent();
        }
    }

    @Nested
    @DisplayName("bad input: names, URLs, corrupt stored data")
    class BadInput {

        @ParameterizedTest
        @ValueSource(strings = {"", ".", "..", "a/b", "a\\b", "tab\t", "nl\n", "nonchar\uFFFF", "nonchar\uFFFE"})
        @DisplayName("invalid stack and stage names are refused")
        void invalidScopeNames(String name) {
            assertThatThrownBy(() -> store.scope(name, "dev")).isInstanceOf(InvalidStateException.class);
            assertThatThrownBy(() -> store.scope("app", name)).isInstanceOf(InvalidStateException.class);
            assertThatThrownBy(() -> store.stages(name)).isInstanceOf(InvalidStateException.class);
            assertThatThrownBy(() -> store.deleteStack(name)).isInstanceOf(InvalidStateException.class);
        }

        @Test
        @DisplayName("an over-long stack or stage name is refused")
        void longScopeNames() {
            String longName = "s".repeat(StateNames.MAX_SCOPE_NAME_BYTES + 1);
            assertThatThrownBy(() -> store.scope(longName, "dev")).isInstanceOf(InvalidStateException.class);
            assertThatThrownBy(() -> store.scope("app", longName)).isInstanceOf(InvalidStateException.class);
        }

        @ParameterizedTest
        @ValueSource(strings = {"", "   ", "no-scheme-here", ":nothing", "1bad://x"})
        @DisplayName("a malformed URL is refused at open")
        void malformedUrl(String bad) {
            assertThatThrownBy(() -> StateStores.open(bad)).isInstanceOf(InvalidStoreUrlException.class);
        }

        @Test
        @DisplayName("an unknown option of this backend's URL is named at open")
        void unknownOption() {
            String withOption = url + (url.contains("?") ? "&" : "?") + "noSuchOption=1";
            assertThatThrownBy(() -> StateStores.open(withOption))
                    .isInstanceOf(InvalidStoreUrlException.class).hasMessageContaining("noSuchOption");
        }

        @Test
        @Timeout(60)
        @DisplayName("an unreachable store fails within 30 s as unavailable, a bad option is named, no secret is shown")
        void unreachableStore() {
            String secret = "hunter2-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
            Optional<String> unreachable = fixture().unreachableStoreUrl(secret);
            if (unreachable.isEmpty()) {
                assertThat(url).as("only the in-process memory store has no unreachable form").startsWith("memory:");
                return;
            }
            String badOption = unreachable.get() + (unreachable.get().contains("?") ? "&" : "?") + "noSuchOption=1";
            assertThatThrownBy(() -> StateStores.open(badOption)).isInstanceOf(InvalidStoreUrlException.class)
                    .hasMessageContaining("noSuchOption").satisfies(e -> assertNoSecret(e, secret));
            long start = System.nanoTime();
            Throwable failure = catchThrowable(() -> {
                try (StateStore unreachableStore = StateStores.open(unreachable.get())) {
                    unreachableStore.scope(SCOPE).create(record("R", ResourceStatus.CREATED));
                }
            });
            assertThat(failure).as("open, or the first write").isInstanceOf(StateStoreUnavailableException.class);
            assertThat(((StateStoreException) failure).isRetryable()).isTrue();
            assertNoSecret(failure, secret);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
        }

        /** Neither the exception nor any of its causes shows the secret. */
        private void assertNoSecret(Throwable thrown, String secret) {
            for (Throwable t = thrown; t != null; t = t.getCause()) {
                assertThat(String.valueOf(t.getMessage())).as("message of " + t.getClass().getName()).doesNotContain(secret);
            }
        }

        @Test
        @DisplayName("an unknown scheme lists the schemes present and names the module of a known one")
        void unknownScheme() {
            UnknownSchemeException e = catchThrowableOfType(UnknownSchemeException.class,
                    () -> StateStores.open("nosuch://host/x"));
            assertThat(e.scheme()).isEqualTo("nosuch");
            assertThat(e.available()).contains("file", "memory");
            assertThat(e.getMessage()).contains("file", "memory");
            List<String> known = List.of("s3", "dynamodb", "redis", "postgresql", "https", "file");
            String missing = known.stream().filter(s -> !StateStores.availableSchemes().contains(s)).findFirst()
                    .orElse(null);
            if (missing != null) {
                assertThatThrownBy(() -> StateStores.open(missing + "://somewhere/x"))
                        .isInstanceOf(UnknownSchemeException.class).hasMessageContaining("statestore-store-");
            }
        }

        @Test
        @DisplayName("a document that is not a valid record is refused")
        void invalidDocuments() {
            assertThatThrownBy(() -> ResourceState.fromJson("[1]")).isInstanceOf(InvalidStateException.class);
            assertThatThrownBy(() -> ResourceState.fromJson("{\"status\":\"created\"}"))
                    .isInstanceOf(InvalidStateException.class);
            assertThatThrownBy(() -> ResourceState.fromJson("{\"fqn\":\"a\",\"status\":\"exploded\"}"))
                    .isInstanceOf(InvalidStateException.class).hasMessageContaining("exploded");
            assertThatThrownBy(() -> ResourceState.fromJson("{\"fqn\":\"a\",\"status\":\"created\",\"fqn\":\"b\"}"))
                    .as("duplicate keys are refused, not dropped").isInstanceOf(InvalidStateException.class);
            assertThatThrownBy(() -> ResourceState.fromJson("{\"fqn\":\"a\",\"status\":\"created\"} trailing"))
                    .isInstanceOf(InvalidStateException.class);
        }

        @Test
        @DisplayName("corrupt stored bytes: CorruptStateException naming the key, bytes untouched, others still read")
        void corruptRecord() {
            scope().create(record("Good", ResourceStatus.CREATED));
            scope().create(record("Bad", ResourceStatus.CREATED));
            byte[] garbage = "{\"fqn\": \"Bad\", \"status\": tru".getBytes(StandardCharsets.UTF_8);
            fixture().writeRawRecord(url, SCOPE, "Bad", garbage);

            CorruptStateException e = catchThrowableOfType(CorruptStateException.class, () -> scope().get("Bad"));
            assertThat(e).as("a CorruptStateException").isNotNull();
            assertThat(e.location()).isNotBlank();
            assertThat(e.getMessage()).contains(e.location());
            assertThat(scope().require("Good").value()).isEqualTo(record("Good", ResourceStatus.CREATED));
            assertThatThrownBy(() -> scope().listAll())
                    .as("a listing never leaves a record out silently").isInstanceOf(CorruptStateException.class);
            assertThat(fixture().rawRecord(url, SCOPE, "Bad")).hasValueSatisfying(
                    bytes -> assertThat(bytes).isEqualTo(garbage));
        }

        @Test
        @DisplayName("corrupt stored bytes are never written over: not by a create, a conditional or unconditional "
                + "put, or a conditional or unconditional delete")
        void corruptRecordIsNeverWrittenOver() {
            Versioned<ResourceState> written = scope().create(record("Bad", ResourceStatus.CREATED));
            byte[] garbage = "{\"fqn\": \"Bad\", \"status\": tru".getBytes(StandardCharsets.UTF_8);
            fixture().writeRawRecord(url, SCOPE, "Bad", garbage);
            ResourceState replacement = record("Bad", ResourceStatus.UPDATED);
            List<Runnable> writes = new ArrayList<>();
            writes.add(() -> scope().create(replacement));
            // The version the record had, and the one past it (a store may count a change it did not make as a write).
            for (long version : new long[] {written.version(), written.version() + 1}) {
                writes.add(() -> scope().update(replacement, version));
                writes.add(() -> scope().delete("Bad", version));
            }
            writes.add(() -> scope().put(replacement));
            writes.add(() -> scope().delete("Bad"));
            for (Runnable write : writes) {
                Throwable refused = catchThrowable(write::run);
                assertThat(refused).as("a write over corrupt bytes is refused")
                        .isInstanceOfAny(CorruptStateException.class, StateConflictException.class);
                assertThat(fixture().rawRecord(url, SCOPE, "Bad")).as("the bytes stay as they were")
                        .hasValueSatisfying(bytes -> assertThat(bytes).isEqualTo(garbage));
            }
            assertThat(catchThrowable(() -> scope().put(replacement))).isInstanceOf(CorruptStateException.class);
        }

        @Test
        @DisplayName("a record's stored bytes moved to the same fqn in another scope, or changed by one character")
        void movedOrAlteredBytes() {
            ScopeId other = new ScopeId(SCOPE.stack(), SCOPE.stage() + "-other");
            ResourceState here = record("Moved", ResourceStatus.CREATED).toBuilder().resourceType("Here").build();
            ResourceState there = record("Moved", ResourceStatus.CREATED).toBuilder().resourceType("There").build();
            scope().create(here);
            store.scope(other).create(there);
            byte[] bytes = fixture().rawRecord(url, SCOPE, "Moved").orElseThrow();
            fixture().writeRawRecord(url, other, "Moved", bytes);
            if (fixture().sealsRecords()) {
                // Sealed for one scope and fqn: elsewhere it must not open.
                assertThatThrownBy(() -> store.scope(other).get("Moved")).isInstanceOf(CorruptStateException.class);
                String text = new String(bytes, StandardCharsets.UTF_8);
                int at = text.indexOf("\"ct\"");
                int inside = text.indexOf('"', text.indexOf(':', at) + 1) + 5;
                char c = text.charAt(inside);
                String altered = text.substring(0, inside) + (c == 'A' ? 'B' : 'A') + text.substring(inside + 1);
                fixture().writeRawRecord(url, SCOPE, "Moved", altered.getBytes(StandardCharsets.UTF_8));
                assertThatThrownBy(() -> scope().get("Moved")).isInstanceOf(CorruptStateException.class);
            } else {
                // Plain: the bytes are the record, wherever they are.
                assertThat(store.scope(other).require("Moved").value()).isEqualTo(here);
            }
        }

        @Test
        @DisplayName("an earlier version's stored bytes put back in place of the current one (from the history, a backup)")
        void earlierVersionPutBack() {
            ResourceState first = record("Rolled", ResourceStatus.CREATED).toBuilder().resourceType("First").build();
            ResourceState second = first.toBuilder().resourceType("Second").build();
            scope().create(first);
            byte[] earlier = fixture().rawRecord(url, SCOPE, "Rolled").orElseThrow();
            scope().update(second, 1);
            fixture().writeRawRecord(url, SCOPE, "Rolled", earlier);
            Throwable refused = catchThrowable(() -> scope().get("Rolled"));
            if (fixture().sealsRecords()) {
                // Sealed for version 1: the record is at a later one.
                assertThat(refused).isInstanceOf(CorruptStateException.class).hasMessageContaining("version 1");
            } else if (refused != null) {
                // Plain, a backend may still tell (S3 keeps the version in the bytes too)...
                assertThat(refused).isInstanceOf(CorruptStateException.class).hasMessageContaining("version 1");
            } else {
                // ...or nothing binds the bytes to a version: they are the earlier record.
                assertThat(scope().require("Rolled").value()).isEqualTo(first);
            }
        }

        @Test
        @DisplayName("records sealed under either key of a rotated ring read back by the key id they name")
        void rotatedKeys() {
            StateScope other = open(fixture().withAnotherKey(url)).scope(SCOPE);
            other.create(record("SealedThere", ResourceStatus.CREATED));
            scope().create(record("SealedHere", ResourceStatus.CREATED));
            assertThat(scope().require("SealedThere").value()).isEqualTo(record("SealedThere", ResourceStatus.CREATED));
            assertThat(other.require("SealedHere").value()).isEqualTo(record("SealedHere", ResourceStatus.CREATED));
            if (fixture().sealsRecords()) {
                java.util.regex.Pattern kid = java.util.regex.Pattern.compile("\"kid\"\\s*:\\s*\"([^\"]+)\"");
                java.util.regex.Matcher there = kid.matcher(new String(fixture().rawRecord(url, SCOPE, "SealedThere")
                        .orElseThrow(), StandardCharsets.UTF_8));
                java.util.regex.Matcher here = kid.matcher(new String(fixture().rawRecord(url, SCOPE, "SealedHere")
                        .orElseThrow(), StandardCharsets.UTF_8));
                assertThat(there.find() && here.find()).as("both name the key that sealed them").isTrue();
                assertThat(there.group(1)).as("sealed under different keys").isNotEqualTo(here.group(1));
            }
        }

        @Test
        @DisplayName("a listing by status fails on corrupt bytes as a read does, never skips them")
        void corruptRecordInAListingByStatus() {
            scope().create(record("Good", ResourceStatus.CREATED));
            scope().create(record("Bad", ResourceStatus.CREATED));
            fixture().writeRawRecord(url, SCOPE, "Bad", "{\"fqn\": \"Bad\", \"status\": tru".getBytes(StandardCharsets.UTF_8));
            assertThatThrownBy(() -> scope().listByStatus(java.util.EnumSet.allOf(ResourceStatus.class)))
                    .isInstanceOf(CorruptStateException.class);
        }

        @Test
        @DisplayName("stored JSON that is not a valid record is corrupt too")
        void wrongDocument() {
            scope().create(record("Wrong", ResourceStatus.CREATED));
            byte[] other = "{\"fqn\":\"Wrong\",\"status\":\"no-such-status\"}".getBytes(StandardCharsets.UTF_8);
            fixture().writeRawRecord(url, SCOPE, "Wrong", other);
            assertThatThrownBy(() -> scope().get("Wrong")).isInstanceOf(CorruptStateException.class)
                    .hasMessageContaining("no-such-status");
            assertThat(fixture().rawRecord(url, SCOPE, "Wrong")).hasValueSatisfying(
                    bytes -> assertThat(bytes).isEqualTo(other));
        }

        @Test
        @DisplayName("a record over the store's declared limit is refused before any write")
        void tooLarge() {
            StoreLimits limits = store.limits();
            ResourceState huge = TestRecords.incompressibleOfExactly("Huge", limits.maxDocumentBytes() + 1, 1);
            assertThatThrownBy(() -> scope().create(huge)).isInstanceOf(InvalidStateException.class)
                    .hasMessageContaining("limit");
            assertThat(scope().get("Huge")).isEmpty();
            if (limits.incompressibleDocumentBytes() < limits.maxDocumentBytes()) {
                // Under the limit but over what the backend takes whatever the content: refused the same way when
                // it does not compress enough.
                ResourceState random = TestRecords.incompressibleOfExactly("Random", limits.maxDocumentBytes(), 2);
                assertThatThrownBy(() -> scope().create(random)).isInstanceOf(InvalidStateException.class)
                        .hasMessageContaining("limit");
                assertThat(scope().get("Random")).isEmpty();
            }
            assertThat(scope().listAll()).isEmpty();
        }
    }
}
