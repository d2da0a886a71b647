package dev.statestore.bench;

import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.StateConflictException;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.Versioned;
import dev.statestore.spi.StateJson;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntConsumer;
import org.HdrHistogram.Histogram;

/**
 * The benchmark's workloads, on any store: each returns rows of figures, and none asserts anything.
 * A harness of its own with HdrHistogram rather than JMH: these are I/O-bound calls of milliseconds
 * against a server, where JMH's forks and blackholes add nothing and its per-invocation timing costs a
 * lot; what matters is the latency distribution of the store next to the raw client, measured
 * interleaved in one run so that both see the same server, connection and machine.
 */
public final class Workloads {

    /** A resource record of about 600 bytes, both sides write it. */
    static final String DOCUMENT_PADDING = "x".repeat(480);

    private Workloads() {}

    /** The calls of each single operation that warm up before {@code n} are measured, unless told otherwise. */
    public static int defaultWarmup(int n) {
        return Math.max(10, n / 5);
    }

    /** The fqn of the {@code i}th resource of a deploy or a filled scope: 50 services of resources. */
    static String resourceName(int i) {
        return "svc" + (i % 50) + "/res-" + i;
    }

    static ResourceState record(String fqn, ResourceStatus status) {
        return ResourceState.builder(fqn, status).resourceType("Bench.Thing")
                .props(StateJson.nodes().objectNode().put("padding", DOCUMENT_PADDING)).build();
    }

    private static Histogram histogram() {
        return new Histogram(Duration.ofMinutes(10).toNanos(), 3);
    }

    private static double ms(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1e6;
    }

    private static double opsPerSecond(Histogram h) {
        return h.getTotalCount() == 0 ? Double.NaN : 1e9 / h.getMean();
    }

    private interface Step {
        void run(int i) throws Exception;
    }

    private static void time(Histogram h, int i, Step step) throws Exception {
        long start = System.nanoTime();
        step.run(i);
        h.recordValue(System.nanoTime() - start);
    }

    /**
     * Runs {@code steps} interleaved, one call of each in turn: {@link #defaultWarmup} rounds unmeasured, then
     * {@code n} measured. The steps come in groups of {@code group} (the same call made in as many ways: a store and
     * its baseline), and each round rotates every group by one more place: a call right after an update is slower for
     * that alone (on PostgreSQL, by ~10 microseconds), so each way of a call must follow each kind of call equally
     * often. Reversing the whole order does not do that (with four steps the last one always follows an update), and
     * showed a get's observation at 15 microseconds where swapping the pairs showed 6.
     * @return each step's histogram, in order
     */
    private static Histogram[] interleaved(int n, int group, Step... steps) throws Exception {
        if (steps.length % group != 0) {
            throw new IllegalArgumentException("steps come in groups of " + group + ": " + steps.length);
        }
        Histogram[] measured = new Histogram[steps.length];
        for (int s = 0; s < steps.length; s++) {
            measured[s] = histogram();
        }
        Histogram warmup = histogram();
        for (int round = 0; round < 2; round++) {
            int count = round == 0 ? defaultWarmup(n) : n;
            for (int i = 0; i < count; i++) {
                for (int k = 0; k < steps.length; k++) {
                    int start = k - k % group;
                    int s = start + (k - start + i) % group;
                    time(round == 1 ? measured[s] : warmup, i, steps[s]);
                }
            }
        }
        return measured;
    }

    /**
     * get, create, conditional update and delete, {@code n} of each, the store's and the raw client's
     * calls interleaved one by one, after a first round of {@code warmup} of each (unmeasured) for the JIT and
     * the connections: the store's path is longer than the raw client's and is compiled later, so a short
     * warm-up overstates the ratio (Redis get: 1.59 after 400 calls, 1.09 after 4,000).
     * With {@code raw} null, the store's figures only (what {@code statestore bench} shows).
     */
    public static List<Row> singleOperations(String backend, StateScope scope, RawClient raw, int warmup, int n)
            throws Exception {
        String[] operations = {"create", "get", "update", "delete"};
        List<Row> rows = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            int count = round == 0 ? warmup : n;
            String prefix = "bench-" + round + "-";
            Histogram[] store = new Histogram[4];
            Histogram[] plain = new Histogram[4];
            for (int k = 0; k < 4; k++) {
                store[k] = histogram();
                plain[k] = histogram();
            }
            String document = record("x", ResourceStatus.CREATED).toJson();
            @SuppressWarnings("unchecked")
            Versioned<ResourceState>[] versions = new Versioned[count];
            for (int i = 0; i < count; i++) {
                String fqn = prefix + i;
                // Each side is handed its value ready-made (the raw client its JSON text): the timed call is the
                // store's work, its serialization included, not building the benchmark's record.
                ResourceState creating = record(fqn, ResourceStatus.CREATING);
                time(store[0], i, x -> versions[x] = scope.create(creating));
                if (raw != null) {
                    time(plain[0], i, x -> raw.create(fqn, document));
                }
            }
            for (int i = 0; i < count; i++) {
                String fqn = prefix + i;
                time(store[1], i, x -> scope.require(fqn));
                if (raw != null) {
                    time(plain[1], i, x -> raw.get(fqn));
                }
            }
            for (int i = 0; i < count; i++) {
                String fqn = prefix + i;
                ResourceState created = record(fqn, ResourceStatus.CREATED);
                time(store[2], i, x -> versions[x] = scope.update(created, versions[x].version()));
                if (raw != null) {
                    time(plain[2], i, x -> raw.update(fqn, document));
                }
            }
            for (int i = 0; i < count; i++) {
                String fqn = prefix + i;
                time(store[3], i, x -> scope.delete(fqn, versions[x].version()));
                if (raw != null) {
                    time(plain[3], i, x -> raw.delete(fqn));
                }
            }
            if (round == 1) {
                for (int k = 0; k < 4; k++) {
                    boolean withRaw = raw != null;
                    rows.add(new Row(backend, "single", operations[k], 1, count, ms(store[k], 50), ms(store[k], 99),
                            opsPerSecond(store[k]), withRaw ? ms(plain[k], 50) : Double.NaN,
                            withRaw ? ms(plain[k], 99) : Double.NaN, withRaw ? opsPerSecond(plain[k]) : Double.NaN,
                            withRaw ? ms(store[k], 50) / ms(plain[k], 50) : Double.NaN, Double.NaN,
                            withRaw ? raw.describe(operations[k]) : ""));
                }
            }
        }
        return rows;
    }

    /**
     * What deployments cost: a fenced {@code put} next to the same {@code put} unfenced (in the raw columns), {@code n}
     * of each interleaved, under an open deployment; {@code begin} and {@code end}, {@code n / 10} pairs; and
     * {@code getAll} of a scope of {@code records} records next to Alchemy's way without it (in the raw columns): the
     * list of fqns, then a {@code get} per record. Rows of the workload {@code deployments}.
     */
    public static List<Row> deployments(String backend, StateStore store, String stack, int n, int records)
            throws Exception {
        List<Row> rows = new ArrayList<>();
        StateScope scope = store.scope(stack, "deployments");
        dev.statestore.DeploymentMeta meta = dev.statestore.DeploymentMeta.deploy(
                dev.statestore.DeploymentMeta.Initiator.thisProcess());
        dev.statestore.DeploymentLease lease = scope.deployments().begin(meta, Duration.ofMinutes(10));
        StateScope fenced = scope.fenced(lease.version());
        Histogram fencedPuts = histogram();
        Histogram plainPuts = histogram();
        for (int round = 0; round < 2; round++) {
            int count = round == 0 ? defaultWarmup(n) : n;
            for (int i = 0; i < count; i++) {
                ResourceState a = record("fenced-" + round + "-" + i, ResourceStatus.CREATED);
                ResourceState b = record("plain-" + round + "-" + i, ResourceStatus.CREATED);
                if (round == 0) {
                    fenced.put(a);
                    scope.put(b);
                } else {
                    time(fencedPuts, i, x -> fenced.put(a));
                    time(plainPuts, i, x -> scope.put(b));
                }
            }
        }
        scope.deployments().end(lease.version(), lease.token(), dev.statestore.DeploymentOutcome.SUCCEEDED, null);
        rows.add(new Row(backend, "deployments", "fenced put", 1, n, ms(fencedPuts, 50), ms(fencedPuts, 99),
                opsPerSecond(fencedPuts), ms(plainPuts, 50), ms(plainPuts, 99), opsPerSecond(plainPuts),
                ms(fencedPuts, 50) / ms(plainPuts, 50), Double.NaN, "raw = the same put, unfenced"));

        Histogram begins = histogram();
        Histogram ends = histogram();
        int pairs = Math.max(10, n / 10);
        for (int i = 0; i < pairs; i++) {
            dev.statestore.DeploymentLease[] opened = new dev.statestore.DeploymentLease[1];
            time(begins, i, x -> opened[0] = scope.deployments().begin(meta, Duration.ofMinutes(10)));
            time(ends, i, x -> scope.deployments().end(opened[0].version(), opened[0].token(),
                    dev.statestore.DeploymentOutcome.SUCCEEDED, null));
        }
        rows.add(new Row(backend, "deployments", "begin", 1, pairs, ms(begins, 50), ms(begins, 99), opsPerSecond(begins),
                Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, "after " + pairs + " deployments of the scope"));
        rows.add(new Row(backend, "deployments", "end", 1, pairs, ms(ends, 50), ms(ends, 99), opsPerSecond(ends),
                Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, ""));

        StateScope filled = store.scope(stack, "getall");
        parallel(8, records, i -> filled.put(record(resourceName(i), ResourceStatus.CREATED)));
        filled.getAll(); // warm
        long start = System.nanoTime();
        int read = filled.getAll().size();
        double getAllMs = (System.nanoTime() - start) / 1e6;
        start = System.nanoTime();
        int got = 0;
        for (Versioned<ResourceState> page : filled.listAll()) {
            // Alchemy's list returns fqns only: each record then costs a get of its own.
            filled.require(page.value().fqn());
            got++;
        }
        double listAndGetMs = (System.nanoTime() - start) / 1e6;
        rows.add(new Row(backend, "deployments", "getAll", 1, records, getAllMs, Double.NaN, read / (getAllMs / 1000),
                listAndGetMs, Double.NaN, got / (listAndGetMs / 1000), getAllMs / listAndGetMs, Double.NaN,
                "raw = list, then a get per record"));
        store.diagnose().stream().filter(line -> line.contains("fenced writes in this process"))
                .forEach(line -> System.out.println("  " + line));
        return rows;
    }

    /**
     * What history costs: a fenced deploy of {@code n} resources (each created, updated, then deleted, under one
     * deployment) through the store with history on, against the same deploy through it with {@code history=off} (in
     * the raw columns), three times each, alternately, the median kept; a conditional {@code update}, {@code ops} of
     * each, interleaved, on and off; and {@code at(v)} of a scope of {@code records} records written by one deployment,
     * against {@code getAll} of the same scope (raw columns). Rows of the workload {@code history}.
     */
    public static List<Row> history(String backend, StateStore on, StateStore off, String stack, int n, int ops,
            int records) throws Exception {
        List<Row> rows = new ArrayList<>();
        double[][] seconds = new double[2][3];
        for (int round = 0; round < 3; round++) {
            for (int which = 0; which < 2; which++) {
                StateStore store = which == 0 ? on : off;
                StateScope scope = store.scope(stack, "history-deploy-" + which + "-" + round);
                long start = System.nanoTime();
                fencedDeploy(scope, n);
                seconds[which][round] = (System.nanoTime() - start) / 1e9;
            }
        }
        double withHistory = median(seconds[0]);
        double without = median(seconds[1]);
        rows.add(new Row(backend, "history", "deploy", 1, n, Double.NaN, Double.NaN, 3.0 * n / withHistory, Double.NaN,
                Double.NaN, 3.0 * n / without, withHistory / without, withHistory,
                "a fenced deploy: create, update, delete per resource; raw = history=off; ratio = time on / off"));

        StateScope a = on.scope(stack, "history-update");
        StateScope b = off.scope(stack, "history-update-off");
        ResourceState ra = record("on", ResourceStatus.CREATED);
        ResourceState rb = record("off", ResourceStatus.CREATED);
        long[] versions = {a.put(ra).version(), b.put(rb).version()};
        Histogram[] updates = interleaved(ops, 2, x -> versions[0] = a.update(ra, versions[0]).version(),
                x -> versions[1] = b.update(rb, versions[1]).version());
        rows.add(new Row(backend, "history", "update", 1, ops, ms(updates[0], 50), ms(updates[0], 99),
                opsPerSecond(updates[0]), ms(updates[1], 50), ms(updates[1], 99), opsPerSecond(updates[1]),
                ms(updates[0], 50) / ms(updates[1], 50), Double.NaN, "raw = the same update, history=off"));

        StateScope filled = on.scope(stack, "history-at");
        dev.statestore.DeploymentLease lease = filled.deployments().begin(
                dev.statestore.DeploymentMeta.deploy(dev.statestore.DeploymentMeta.Initiator.thisProcess()),
                Duration.ofMinutes(30));
        StateScope writer = filled.fenced(lease.version());
        parallel(8, records, i -> writer.put(record(resourceName(i), ResourceStatus.CREATED)));
        filled.deployments().end(lease.version(), lease.token(), dev.statestore.DeploymentOutcome.SUCCEEDED, null);
        // A round of each untimed first: the first at(v) of a run compiles its code, which getAll's has been already.
        double[] atMs = new double[5];
        double[] getAllMs = new double[5];
        for (int round = -1; round < atMs.length; round++) {
            long start = System.nanoTime();
            int rebuilt = filled.history().at(lease.version()).records().size();
            double at = (System.nanoTime() - start) / 1e6;
            start = System.nanoTime();
            int read = filled.getAll().size();
            double getAll = (System.nanoTime() - start) / 1e6;
            if (round >= 0) {
                atMs[round] = at;
                getAllMs[round] = getAll;
            }
            if (rebuilt != records || read != records) {
                throw new IllegalStateException("at(v) rebuilt " + rebuilt + " and getAll read " + read + ", not " + records);
            }
        }
        rows.add(new Row(backend, "history", "at(v)", 1, records, median(atMs), Double.NaN,
                records / (median(atMs) / 1000), median(getAllMs), Double.NaN, records / (median(getAllMs) / 1000),
                median(atMs) / median(getAllMs), Double.NaN, "raw = getAll of the same scope; median of 5 after one untimed"));
        return rows;
    }

    /** A deploy of {@code n} resources under one deployment, fenced: each created, updated, then deleted. */
    private static void fencedDeploy(StateScope scope, int n) {
        dev.statestore.DeploymentLease lease = scope.deployments().begin(
                dev.statestore.DeploymentMeta.deploy(dev.statestore.DeploymentMeta.Initiator.thisProcess()),
                Duration.ofMinutes(30));
        StateScope deploy = scope.fenced(lease.version());
        long[] versions = new long[n];
        for (int i = 0; i < n; i++) {
            versions[i] = deploy.create(record(resourceName(i), ResourceStatus.CREATED)).version();
        }
        for (int i = 0; i < n; i++) {
            versions[i] = deploy.update(record(resourceName(i), ResourceStatus.UPDATED), versions[i]).version();
        }
        for (int i = 0; i < n; i++) {
            deploy.delete(resourceName(i), versions[i]);
        }
        scope.deployments().end(lease.version(), lease.token(), dev.statestore.DeploymentOutcome.SUCCEEDED, null);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /**
     * What observation costs: {@code get} and conditional {@code update}, {@code n} of each, through the store observed
     * into a meter registry next to the same store unobserved (in the raw columns), interleaved call by call, in two
     * wirings at once: as docs/observability.md recommends ({@code StoreObservations.meterHandler}: rows {@code get},
     * {@code update}) and with Micrometer's {@code DefaultMeterObservationHandler} alone, without its long task timer
     * (rows {@code get, default handler}). Measured in one loop: run one after the other, whichever came first read
     * 1.23-1.31 on get and the second 1.04-1.08, whichever it was. Rows of the workload {@code observation}.
     */
    public static List<Row> observation(String backend, StateStore store, String stack, int n) throws Exception {
        io.micrometer.core.instrument.simple.SimpleMeterRegistry meters =
                new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        io.micrometer.observation.ObservationRegistry recommended = io.micrometer.observation.ObservationRegistry.create();
        recommended.observationConfig().observationHandler(dev.statestore.micrometer.StoreObservations.meterHandler(meters));
        io.micrometer.observation.ObservationRegistry byDefault = io.micrometer.observation.ObservationRegistry.create();
        byDefault.observationConfig().observationHandler(new io.micrometer.core.instrument.observation
                .DefaultMeterObservationHandler(new io.micrometer.core.instrument.simple.SimpleMeterRegistry(),
                io.micrometer.core.instrument.observation.DefaultMeterObservationHandler.IgnoredMeters.LONG_TASK_TIMER));
        // Not closed: closing them would close the store the run goes on with.
        StateScope plain = store.scope(stack, "observation");
        StateScope seen = dev.statestore.micrometer.StoreObservations.observe(store, recommended, backend)
                .scope(stack, "observation");
        StateScope seenByDefault = dev.statestore.micrometer.StoreObservations.observe(store, byDefault, backend)
                .scope(stack, "observation");
        String[] fqns = {"plain", "observed", "observed-by-default"};
        StateScope[] scopes = {plain, seen, seenByDefault};
        long[] versions = new long[3];
        ResourceState[] records = new ResourceState[3];
        for (int k = 0; k < 3; k++) {
            records[k] = record(fqns[k], ResourceStatus.CREATED);
            versions[k] = scopes[k].put(records[k]).version();
        }
        Step[] steps = new Step[6];
        for (int k = 0; k < 3; k++) {
            int w = k;
            steps[w] = x -> scopes[w].require(fqns[w]);
            steps[3 + w] = x -> versions[w] = scopes[w].update(records[w], versions[w]).version();
        }
        Histogram[] timed = interleaved(n, 3, steps);
        List<Row> rows = new ArrayList<>();
        for (String[] row : new String[][] {{"get", "0", "1"}, {"update", "3", "4"}, {"get, default handler", "0", "2"},
                {"update, default handler", "3", "5"}}) {
            Histogram base = timed[Integer.parseInt(row[1])];
            Histogram observed = timed[Integer.parseInt(row[2])];
            rows.add(new Row(backend, "observation", row[0], 1, n, ms(observed, 50), ms(observed, 99),
                    opsPerSecond(observed), ms(base, 50), ms(base, 99), opsPerSecond(base), ms(observed, 50) / ms(base, 50),
                    Double.NaN, "raw = the same call unobserved"));
        }
        return rows;
    }

    /**
     * How long each phase of a deploy took, in seconds: {@code create} (each resource written {@code creating} then
     * {@code created}), {@code list} (the scope read whole, as a plan reads it), {@code update} (each written
     * {@code updating} then {@code updated}) and {@code delete} (each deleted).
     */
    public record DeployPhases(int resources, int threads, double create, double list, double update, double delete) {

        public double total() {
            return create + list + update + delete;
        }

        /** The phases as one line: {@code create 1.2 s, list 0.1 s, ...}. */
        public String describe() {
            return String.format(Locale.ROOT, "create %.2f s, list %.2f s, update %.2f s, delete %.2f s", create, list,
                    update, delete);
        }
    }

    /**
     * A deploy of {@code n} resources on {@code threads} threads: each written {@code creating} then
     * {@code created}, the scope listed, each written {@code updating} then {@code updated}, then all deleted.
     * Every write is conditional on the version the deploy holds.
     */
    public static Row deploy(String backend, StateStore store, String stack, int n, int threads, IntConsumer progress)
            throws Exception {
        DeployPhases phases = deployPhases(store.scope(stack, "deploy-" + n + "-" + threads), n, threads, progress);
        double seconds = phases.total();
        return new Row(backend, "deploy", "deploy", threads, n, Double.NaN, Double.NaN, 5.0 * n / seconds, Double.NaN,
                Double.NaN, Double.NaN, Double.NaN, seconds, phases.describe());
    }

    /** The deploy of {@link #deploy}, in an empty scope, timed phase by phase. */
    public static DeployPhases deployPhases(StateScope scope, int n, int threads, IntConsumer progress) throws Exception {
        long[] versions = new long[n];
        LongAdder done = new LongAdder();
        long start = System.nanoTime();
        parallel(threads, n, i -> {
            String fqn = resourceName(i);
            versions[i] = scope.create(record(fqn, ResourceStatus.CREATING)).version();
            versions[i] = scope.update(record(fqn, ResourceStatus.CREATED), versions[i]).version();
            tick(done, progress);
        });
        long created = System.nanoTime();
        int listed = scope.listAll().size();
        long read = System.nanoTime();
        parallel(threads, n, i -> {
            String fqn = resourceName(i);
            versions[i] = scope.update(record(fqn, ResourceStatus.UPDATING), versions[i]).version();
            versions[i] = scope.update(record(fqn, ResourceStatus.UPDATED), versions[i]).version();
            tick(done, progress);
        });
        long updated = System.nanoTime();
        parallel(threads, n, i -> {
            scope.delete(resourceName(i), versions[i]);
            tick(done, progress);
        });
        long deleted = System.nanoTime();
        if (listed != n) {
            throw new IllegalStateException("the deploy listed " + listed + " records, not " + n);
        }
        return new DeployPhases(n, threads, (created - start) / 1e9, (read - created) / 1e9, (updated - read) / 1e9,
                (deleted - updated) / 1e9);
    }

    /** A backend's own client reading a whole scope by hand, on {@code threads} threads; how many records it read. */
    @FunctionalInterface
    public interface ScopeReader {
        int read(dev.statestore.ScopeId scope, int threads) throws Exception;
    }

    /**
     * A remote store at a round trip's latency (through a {@link LatencyProxy}): {@code getAll} of a scope of
     * {@code records} (the better of two) next to the raw client's best read of the same records (the best of its
     * thread counts), then a deploy of {@code deploySize} resources on one thread and on {@code writers}.
     */
    public static List<Row> remote(String backend, StateStore store, ScopeReader raw, List<Integer> rawThreads,
            String stack, int records, int deploySize, int writers, Duration roundTrip) throws Exception {
        String note = roundTrip.toMillis() + " ms round trip";
        StateScope scope = store.scope(stack, "remote-" + records);
        parallel(64, records, i -> scope.put(record(resourceName(i), ResourceStatus.CREATED)));
        double best = Double.MAX_VALUE;
        for (int round = 0; round < 2; round++) {
            long start = System.nanoTime();
            int read = scope.listAll().size();
            best = Math.min(best, (System.nanoTime() - start) / 1e6);
            if (read != records) {
                throw new IllegalStateException("getAll read " + read + " records, not " + records);
            }
        }
        double rawBest = Double.MAX_VALUE;
        int rawBestThreads = 0;
        for (int threads : rawThreads) {
            long start = System.nanoTime();
            int read = raw.read(scope.id(), threads);
            double ms = (System.nanoTime() - start) / 1e6;
            if (read != records) {
                throw new IllegalStateException("the raw client read " + read + " records, not " + records);
            }
            System.out.printf(Locale.ROOT, "  raw read of %,d records on %d threads: %.0f ms%n", records, threads, ms);
            if (ms < rawBest) {
                rawBest = ms;
                rawBestThreads = threads;
            }
        }
        List<Row> rows = new ArrayList<>();
        rows.add(new Row(backend, "remote", "getAll", 1, records, best, Double.NaN, records / best * 1000, rawBest,
                Double.NaN, Double.NaN, best / rawBest, best / 1000, note + "; raw: its best, on " + rawBestThreads
                + " threads"));
        scope.deleteAll();
        DeployPhases one = deployPhases(store.scope(stack, "remote-deploy-1"), deploySize, 1, null);
        DeployPhases many = deployPhases(store.scope(stack, "remote-deploy-" + writers), deploySize, writers, null);
        rows.add(new Row(backend, "remote", "deploy", 1, deploySize, one.total() * 1000, Double.NaN,
                5.0 * deploySize / one.total(), Double.NaN, Double.NaN, Double.NaN, Double.NaN, one.total(),
                note + "; " + one.describe()));
        rows.add(new Row(backend, "remote", "deploy", writers, deploySize, many.total() * 1000, Double.NaN,
                5.0 * deploySize / many.total(), one.total() * 1000, Double.NaN, Double.NaN, one.total() / many.total(),
                many.total(), note + "; " + many.describe()));
        return rows;
    }

    private static void tick(LongAdder done, IntConsumer progress) {
        done.increment();
        if (progress != null) {
            progress.accept((int) done.sum());
        }
    }

    /** The read a plan does: a whole scope of {@code n} records, listed. Peak heap over the listing. */
    public static Row loadScope(String backend, StateStore store, String stack, int n, int threads) throws Exception {
        StateScope scope = store.scope(stack, "load-" + n);
        parallel(threads, n, i -> scope.put(record(resourceName(i), ResourceStatus.CREATED)));
        System.gc();
        List<MemoryPoolMXBean> heap = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        heap.forEach(MemoryPoolMXBean::resetPeakUsage);
        long start = System.nanoTime();
        int listed = scope.listAll().size();
        double seconds = (System.nanoTime() - start) / 1e9;
        long peak = heap.stream().mapToLong(p -> p.getPeakUsage().getUsed()).sum();
        if (listed != n) {
            throw new IllegalStateException("listed " + listed + " records, not " + n);
        }
        scope.deleteAll();
        return new Row(backend, "load scope", "listAll", 1, n, seconds * 1000, Double.NaN, n / seconds, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN, seconds, String.format("peak heap %.0f MiB", peak / 1048576.0));
    }

    /**
     * How get and update cost grows with the scope's size: one scope filled (on {@code fillThreads} threads) to
     * each size in turn, then {@code samples} gets and as many conditional updates of records picked at random
     * across the whole scope, one at a time. Two rows per size.
     */
    public static List<Row> scaling(String backend, StateStore store, String stack, List<Integer> sizes, int samples,
            int fillThreads) throws Exception {
        StateScope scope = store.scope(stack, "scaling");
        List<Row> rows = new ArrayList<>();
        int filled = 0;
        java.util.Random random = new java.util.Random(42);
        for (int size : sizes.stream().sorted().toList()) {
            int from = filled;
            parallel(fillThreads, size - from, i -> scope.put(record(resourceName(from + i), ResourceStatus.CREATED)));
            filled = size;
            Histogram get = histogram();
            Histogram update = histogram();
            for (int round = 0; round < 2; round++) { // the first round warms up
                for (int k = 0; k < samples; k++) {
                    int i = random.nextInt(size);
                    String fqn = resourceName(i);
                    ResourceState updated = record(fqn, ResourceStatus.UPDATED);
                    long start = System.nanoTime();
                    Versioned<ResourceState> current = scope.require(fqn);
                    long read = System.nanoTime();
                    scope.update(updated, current.version());
                    long written = System.nanoTime();
                    if (round == 1) {
                        get.recordValue(read - start);
                        update.recordValue(written - read);
                    }
                }
            }
            rows.add(new Row(backend, "scaling", "get", 1, size, ms(get, 50), ms(get, 99), opsPerSecond(get), Double.NaN,
                    Double.NaN, Double.NaN, Double.NaN, Double.NaN, samples + " random records of the scope"));
            rows.add(new Row(backend, "scaling", "update", 1, size, ms(update, 50), ms(update, 99), opsPerSecond(update),
                    Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, samples + " random records of the scope"));
        }
        scope.deleteAll();
        return rows;
    }

    /** {@code threads} threads on one record for {@code duration}: read, conditional update, again on a conflict. */
    public static Row contention(String backend, StateStore store, String stack, int threads, Duration duration)
            throws Exception {
        StateScope scope = store.scope(stack, "contention");
        long initial = scope.put(record("Hot", ResourceStatus.CREATED)).version();
        LongAdder updates = new LongAdder();
        LongAdder conflicts = new LongAdder();
        long end = System.nanoTime() + duration.toNanos();
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Object>> running = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                running.add(pool.submit((Callable<Object>) () -> {
                    while (System.nanoTime() < end) {
                        Versioned<ResourceState> current = scope.require("Hot");
                        try {
                            scope.update(current.value(), current.version());
                            updates.increment();
                        } catch (StateConflictException e) {
                            conflicts.increment();
                        }
                    }
                    return null;
                }));
            }
            for (Future<Object> f : running) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long attempts = updates.sum() + conflicts.sum();
        // A benchmark asserts nothing about speed, but a lost update would make every figure a lie.
        long version = scope.require("Hot").version();
        if (version != initial + updates.sum()) {
            throw new IllegalStateException(backend + " lost updates: " + updates.sum() + " succeeded, yet the version went from "
                    + initial + " to " + version);
        }
        scope.deleteAll();
        return new Row(backend, "contention", "update one record", threads, 1, Double.NaN, Double.NaN, updates.sum() / seconds,
                Double.NaN, Double.NaN, Double.NaN, Double.NaN, seconds,
                String.format("conflict rate %.0f%%", attempts == 0 ? 0 : 100.0 * conflicts.sum() / attempts));
    }

    private interface Task {
        void run(int i) throws Exception;
    }

    /** Runs {@code task} for 0..n-1 on {@code threads} threads, each taking the next index. */
    private static void parallel(int threads, int n, Task task) throws Exception {
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Object>> running = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                running.add(pool.submit((Callable<Object>) () -> {
                    for (int i; (i = next.getAndIncrement()) < n; ) {
                        task.run(i);
                    }
                    return null;
                }));
            }
            for (Future<Object> f : running) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
