package dev.statestore.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.statestore.DeploymentInProgressException;
import dev.statestore.DeploymentLease;
import dev.statestore.DeploymentMeta;
import dev.statestore.DeploymentOutcome;
import dev.statestore.LockLease;
import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.StateConflictException;
import dev.statestore.StateNotFoundException;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.StateStores;
import dev.statestore.StateWriteFencedException;
import dev.statestore.spi.ClientRetries;
import dev.statestore.spi.StateJson;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StoreObservationsTest {

    private static final String SECRET = "hunter2-" + System.nanoTime();
    private static final String FQN = "Api/Payments-Db";
    private static final String STACK = "billing";
    private static final String STAGE = "prod-eu";

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final ObservationRegistry registry = ObservationRegistry.create();

    {
        registry.observationConfig().observationHandler(new DefaultMeterObservationHandler(meters));
    }

    @AfterEach
    void urlOpensUnobserved() {
        StoreObservations.observeUrlOpens(ObservationRegistry.NOOP);
    }

    private static ResourceState record(ResourceStatus status) {
        return ResourceState.builder(FQN, status).resourceType("Aws.Rds")
                .props(StateJson.nodes().objectNode().put("password", SECRET)).build();
    }

    private double calls(String backend, String operation, String outcome) {
        var timer = meters.find("statestore.call").tags("backend", backend, "operation", operation, "outcome", outcome).timer();
        return timer == null ? 0 : timer.count();
    }

    private double counter(String name) {
        var counter = meters.find(name).counter();
        return counter == null ? 0 : counter.count();
    }

    /** Every store call an engine makes, with each outcome the tags promise. */
    private void drive(StateStore store) {
        StateScope scope = store.scope(STACK, STAGE);
        var created = scope.create(record(ResourceStatus.CREATING));
        scope.get(FQN);
        assertThatThrownBy(() -> scope.update(record(ResourceStatus.CREATED), created.version() + 5))
                .isInstanceOf(StateConflictException.class);
        assertThatThrownBy(() -> scope.require("Missing")).isInstanceOf(StateNotFoundException.class);
        scope.getAll();

        DeploymentMeta meta = DeploymentMeta.deploy(new DeploymentMeta.Initiator("ci-" + SECRET, "runner", 1L));
        DeploymentLease first = scope.deployments().begin(meta, Duration.ofMinutes(1));
        assertThatThrownBy(() -> scope.deployments().begin(meta, Duration.ofMinutes(1)))
                .isInstanceOf(DeploymentInProgressException.class);
        DeploymentLease second = scope.deployments().begin(meta, Duration.ofMinutes(1), first.version());
        assertThatThrownBy(() -> scope.fenced(first.version()).put(record(ResourceStatus.UPDATED)))
                .isInstanceOf(StateWriteFencedException.class);
        scope.fenced(second.version()).put(record(ResourceStatus.UPDATED));
        scope.deployments().end(second.version(), second.token(), DeploymentOutcome.SUCCEEDED, null);
        // A deploy that heartbeats in time, then too late: its lease had lapsed (nobody took it over meanwhile).
        DeploymentLease brief = scope.deployments().begin(meta, Duration.ofMillis(300));
        scope.deployments().heartbeat(brief.version(), brief.token());
        sleep(Duration.ofMillis(450));
        scope.deployments().heartbeat(brief.version(), brief.token());
        scope.deployments().end(brief.version(), brief.token(), DeploymentOutcome.SUCCEEDED, null);
        LockLease lock = scope.acquireLock("operator", Duration.ofMinutes(1));
        scope.releaseLock(lock.lockId());
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private void assertObserved(String backend) {
        assertThat(calls(backend, "create", "ok")).isEqualTo(1);
        assertThat(calls(backend, "get", "ok")).as("require is a get that found nothing").isEqualTo(2);
        assertThat(calls(backend, "update", "conflict")).isEqualTo(1);
        assertThat(calls(backend, "getAll", "ok")).isEqualTo(1);
        assertThat(calls(backend, "list", "ok")).as("getAll's pages").isGreaterThanOrEqualTo(1);
        assertThat(calls(backend, "deployments.begin", "ok")).isEqualTo(3);
        assertThat(calls(backend, "deployments.heartbeat", "ok")).isEqualTo(2);
        assertThat(calls(backend, "deployments.begin", "in_progress")).isEqualTo(1);
        assertThat(calls(backend, "put", "fenced")).isEqualTo(1);
        assertThat(calls(backend, "put", "ok")).isEqualTo(1);
        assertThat(calls(backend, "deployments.end", "ok")).isEqualTo(2);
        assertThat(meters.get("statestore.lease.heartbeat.missed").tags("backend", backend).timer().count())
                .as("the second heartbeat only").isEqualTo(1);
        assertThat(counter("statestore.call.conflict")).isEqualTo(1);
        assertThat(counter("statestore.call.fenced")).isEqualTo(1);
        assertThat(counter("statestore.call.in_progress")).isEqualTo(1);
        assertThat(meters.get("statestore.lease.takeover").tags("backend", backend).timer().count()).isEqualTo(1);
        var held = meters.find("statestore.lease").tags("backend", backend, "opened_by", "takeover", "ended_by", "succeeded")
                .timer();
        assertThat(held).isNotNull();
        assertThat(held.count()).as("the deployment ended here").isEqualTo(1);
        assertThat(meters.find("statestore.lease").tags("opened_by", "acquireLock", "ended_by", "release").timer().count())
                .isEqualTo(1);
        assertThat(meters.find("statestore.call").tags("outcome", "conflict").timer().getId().getTag("exception"))
                .isEqualTo("StateConflictException");

        // Cardinality and secrecy: no tag names a record, a stack, a stage or anything of a document.
        List<String> values = new ArrayList<>();
        for (Meter meter : meters.getMeters()) {
            values.add(meter.getId().getName());
            meter.getId().getTags().stream().map(Tag::getValue).forEach(values::add);
        }
        assertThat(values).isNotEmpty().noneMatch(v -> v.contains(SECRET) || v.contains(FQN) || v.equals(STACK)
                || v.equals(STAGE) || v.contains("Payments"));
    }

    @Test
    void everyCallOfTheMemoryStoreIsTimedAndTaggedByBackendOperationAndOutcomeOnly() {
        try (StateStore store = StoreObservations.observe(StateStores.open("memory:"), registry, "memory")) {
            drive(store);
        }
        assertObserved("memory");
    }

    /** Each meter of a registry as its name and tags, with how many times it counted. */
    private static java.util.Map<String, Long> counts(io.micrometer.core.instrument.MeterRegistry registry) {
        java.util.Map<String, Long> counts = new java.util.TreeMap<>();
        for (Meter meter : registry.getMeters()) {
            long count = meter instanceof io.micrometer.core.instrument.Timer t ? t.count()
                    : meter instanceof io.micrometer.core.instrument.Counter c ? (long) c.count() : -1;
            counts.put(meter.getId().getName() + " " + meter.getId().getTags(), count);
        }
        return counts;
    }

    private java.util.Map<String, Long> drivenThrough(io.micrometer.observation.ObservationHandler<?> handler,
            SimpleMeterRegistry into) {
        ObservationRegistry observations = ObservationRegistry.create();
        observations.observationConfig().observationHandler(handler);
        try (StateStore store = StoreObservations.observe(StateStores.open("memory:"), observations, "memory")) {
            drive(store);
        }
        return counts(into);
    }

    @Test
    void theStoreMeterHandlerRecordsTheCallsAsTheDefaultHandlerDoes() {
        SimpleMeterRegistry byDefault = new SimpleMeterRegistry();
        java.util.Map<String, Long> expected = drivenThrough(new DefaultMeterObservationHandler(byDefault,
                DefaultMeterObservationHandler.IgnoredMeters.LONG_TASK_TIMER), byDefault);
        assertThat(expected).containsEntry("statestore.call [tag(backend=memory), tag(error=none), "
                + "tag(exception=none), tag(operation=get), tag(outcome=ok)]", 2L);

        // Alone, it records the store calls (and their events) and nothing else.
        SimpleMeterRegistry alone = new SimpleMeterRegistry();
        java.util.Map<String, Long> calls = new java.util.TreeMap<>(expected);
        calls.keySet().removeIf(id -> !id.startsWith("statestore.call"));
        assertThat(drivenThrough(new StoreMeterHandler(alone), alone)).isEqualTo(calls);

        // meterHandler: it first, then the default handler: every meter the default handler alone makes, counted the same.
        SimpleMeterRegistry wired = new SimpleMeterRegistry();
        assertThat(drivenThrough(StoreObservations.meterHandler(wired), wired)).isEqualTo(expected);
    }

    @Test
    void withTheMeterRegistryTheSizeOfEachDocumentWrittenIsADistributionSummary() {
        try (StateStore store = StoreObservations.observe(StateStores.open("memory:"), registry, "memory", meters)) {
            StateScope scope = store.scope(STACK, STAGE);
            var written = scope.create(record(ResourceStatus.CREATED));
            scope.put(ResourceState.builder("Naïve", ResourceStatus.CREATED).build());
            scope.putOutput(dev.statestore.StackOutput.fromJson("{\"url\":\"https://x\"}"));
            var records = meters.get("statestore.document.size").tags("backend", "memory", "kind", "record").summary();
            assertThat(records.count()).isEqualTo(2);
            long first = written.value().toJson().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            long second = ResourceState.builder("Naïve", ResourceStatus.CREATED).build().toJson()
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            assertThat(records.totalAmount()).as("UTF-8 bytes").isEqualTo(first + second);
            assertThat(meters.get("statestore.document.size").tags("kind", "output").summary().totalAmount())
                    .isEqualTo("{\"url\":\"https://x\"}".length());
        }
    }

    @Test
    void aStoreOpenedByUrlIsObservedOnceAUrlRegistryIsSet() {
        StoreObservations.observeUrlOpens(registry);
        try (StateStore store = StateStores.open("memory:by-url")) {
            drive(store);
        }
        assertObserved("memory");
    }

    @Test
    void withoutARegistryNothingIsWrappedOrMeasured() {
        try (StateStore store = StateStores.open("memory:")) {
            assertThat(store.getClass().getPackageName()).isNotEqualTo(ObservedStore.class.getPackageName());
            store.scope("a", "b").create(record(ResourceStatus.CREATED));
        }
        StateStore plain = StateStores.open("memory:");
        assertThat(StoreObservations.observe(plain, ObservationRegistry.NOOP, "memory")).isSameAs(plain);
        plain.close();
        assertThat(meters.getMeters()).isEmpty();
    }

    /** A store whose client retries: each get twice on the caller's thread, each page of a listing once on a pool's. */
    private static StateStore retrying(StateStore real, java.util.concurrent.ExecutorService pool) {
        return (StateStore) java.lang.reflect.Proxy.newProxyInstance(StateStore.class.getClassLoader(),
                new Class<?>[] {StateStore.class}, (proxy, method, args) -> {
                    Object result = method.invoke(real, args);
                    if (!method.getName().equals("scope")) {
                        return result;
                    }
                    StateScope scope = (StateScope) result;
                    return java.lang.reflect.Proxy.newProxyInstance(StateScope.class.getClassLoader(),
                            new Class<?>[] {StateScope.class}, (p, m, a) -> {
                                if (m.getName().equals("get")) {
                                    ClientRetries.retried("aws-sdk");
                                    ClientRetries.retried("aws-sdk");
                                } else if (m.getName().equals("list")) {
                                    pool.submit(ClientRetries.carried(() -> {
                                        ClientRetries.retried("aws-sdk");
                                        return null;
                                    })).get();
                                }
                                try {
                                    return m.invoke(scope, a);
                                } catch (java.lang.reflect.InvocationTargetException e) {
                                    throw e.getCause();
                                }
                            });
                });
    }

    @Test
    void retriesOfTheBackendsClientAreCountedAgainstTheCallThatMadeThemEvenFromAPoolThread() throws Exception {
        var pool = java.util.concurrent.Executors.newSingleThreadExecutor();
        try (StateStore store = StoreObservations.observe(retrying(StateStores.open("memory:"), pool), registry, "s3")) {
            StateScope scope = store.scope(STACK, STAGE);
            scope.put(record(ResourceStatus.CREATED));
            scope.get(FQN);
            scope.getAll();
        } finally {
            pool.shutdownNow();
        }
        ClientRetries.retried("aws-sdk"); // outside any observed call: told to nobody
        assertThat(meters.get("statestore.call.retry").tags("backend", "s3", "operation", "get").counter().count())
                .isEqualTo(2);
        assertThat(meters.get("statestore.call.retry").tags("backend", "s3", "operation", "list").counter().count())
                .as("a page read on the pool's thread, in getAll").isEqualTo(1);
        assertThat(meters.find("statestore.call.retry").tags("operation", "put").counter()).isNull();
        assertThat(meters.find("statestore.call.retry").counters()).allSatisfy(counter -> assertThat(
                counter.getId().getTags().stream().map(Tag::getKey)).containsExactlyInAnyOrder("backend", "operation"));
        assertThat(calls("s3", "get", "ok")).as("a retried call still ends ok").isEqualTo(1);
    }
}
