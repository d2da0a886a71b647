package dev.statestore.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.StateStore;
import dev.statestore.bench.Row;
import dev.statestore.bench.Workloads;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bench}: the benchmark's single operations and a deploy, on the user's own store. */
@Command(name = "bench", description = {
    "Measures your store: get, create, conditional update and delete one by one (median, p99, ops/s), then a "
            + "deploy of --records resources on --threads threads (each written creating, created, updating, updated, "
            + "then deleted).",
    "Works in a stack of its own (statestore-bench-…), deleted at the end, also when interrupted by an error."})
final class BenchCommand extends ListCommands.Base {

    @Option(names = "--ops", defaultValue = "500", description = "single operations of each kind (default ${DEFAULT-VALUE})")
    int operations;

    @Option(names = "--records", defaultValue = "1000", description = "resources of the deploy (default ${DEFAULT-VALUE})")
    int records;

    @Option(names = "--threads", defaultValue = "8", description = "threads of the deploy (default ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--no-progress", description = "no progress on standard error")
    boolean noProgress;

    @Override
    public Integer call() throws Exception {
        if (operations < 1 || records < 1 || threads < 1 || threads > 256) {
            throw new Statestore.CommandFailure(Statestore.USAGE, "--ops and --records are at least 1, --threads 1 to 256");
        }
        PrintWriter out = out();
        PrintWriter err = spec.commandLine().getErr();
        Progress progress = Progress.forCommand(err, noProgress);
        String stack = "statestore-bench-" + UUID.randomUUID().toString().substring(0, 8);
        List<Row> rows = new ArrayList<>();
        Workloads.DeployPhases deploy;
        try (StateStore store = root().open()) {
            try {
                if (!root().json) {
                    out.println("store: " + store.describe() + " (scratch stack " + stack + ")");
                    out.flush();
                }
                rows.addAll(Workloads.singleOperations("store", store.scope(stack, "single"), null,
                        Workloads.defaultWarmup(operations), operations));
                int total = records * 5;
                progress.start("deploy: writes", total);
                // The deploy's threads report: one at a time.
                deploy = Workloads.deployPhases(store.scope(stack, "deploy"), records, threads, done -> {
                    synchronized (progress) {
                        progress.advance(done);
                    }
                });
                progress.finish(total);
            } finally {
                store.deleteStack(stack);
            }
        }
        if (!root().json) {
            // Deleting is not forgetting: every store keeps a deleted record's last version so that no version repeats.
            out.println("deleted the scratch stack " + stack + "; as after any delete, the store keeps each of its "
                    + "records' last version (a few bytes a record) so that a version never repeats, and nothing else");
        }
        if (root().json) {
            ArrayNode array = Output.array();
            for (Row r : rows) {
                ObjectNode node = Output.object();
                node.put("operation", r.operation());
                node.put("threads", 1);
                node.put("count", r.records());
                node.put("p50Ms", r.storeP50());
                node.put("p99Ms", r.storeP99());
                node.put("opsPerSecond", r.storeOpsPerSecond());
                array.add(node);
            }
            ObjectNode node = array.addObject();
            node.put("operation", "deploy");
            node.put("threads", deploy.threads());
            node.put("count", deploy.resources());
            node.put("seconds", deploy.total());
            node.put("opsPerSecond", WRITES_PER_RESOURCE * deploy.resources() / deploy.total());
            ObjectNode phases = node.putObject("phaseSeconds");
            phases.put("create", deploy.create());
            phases.put("list", deploy.list());
            phases.put("update", deploy.update());
            phases.put("delete", deploy.delete());
            Output.json(out, array);
        } else {
            out.printf("%-10s %8s %10s %10s %10s%n", "operation", "count", "p50 ms", "p99 ms", "ops/s");
            for (Row r : rows) {
                out.printf(Locale.ROOT, "%-10s %8d %10.3f %10.3f %10.0f%n", r.operation(), r.records(), r.storeP50(),
                        r.storeP99(), r.storeOpsPerSecond());
            }
            int n = deploy.resources();
            out.printf(Locale.ROOT, "deploy of %d resources on %d threads: %.1f s, %.0f writes/s%n", n, deploy.threads(),
                    deploy.total(), WRITES_PER_RESOURCE * n / deploy.total());
            phase(out, "create", "creating, created", 2 * n, "writes", deploy.create());
            phase(out, "list", "the scope read whole", n, "records", deploy.list());
            phase(out, "update", "updating, updated", 2 * n, "writes", deploy.update());
            phase(out, "delete", "each deleted", n, "deletes", deploy.delete());
        }
        out.flush();
        return Statestore.OK;
    }

    /** Writes and deletes per resource of the deploy: creating, created, updating, updated, deleted. */
    private static final double WRITES_PER_RESOURCE = 5.0;

    private static void phase(PrintWriter out, String name, String what, int count, String unit, double seconds) {
        out.printf(Locale.ROOT, "  %-7s %-22s %8.2f s  %10.0f %s/s%n", name, "(" + what + ")", seconds, count / seconds, unit);
    }
}
