package dev.statestore.bench;

import dev.statestore.StateStore;
import dev.statestore.StateStores;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * Runs every workload on one backend, the store next to its raw client, prints each row and appends it
 * to a CSV file. Each backend's benchmark program (in its module's tests, beside the server its tests
 * start) calls this; {@code benchmarks/run.sh} runs them all, then {@link Report}.
 *
 * <p>Arguments: {@code --csv FILE} (default {@code benchmarks/results/results.csv}), {@code --ops N} (single
 * operations, default 2000), {@code --warmup N} (calls of each single operation before those, default a fifth
 * of {@code --ops}), {@code --deploy 1000,10000} (deploy sizes), {@code --threads 1,8},
 * {@code --load 10000} (records of the scope loaded whole), {@code --contention-seconds 10},
 * {@code --scaling 100,10000,100000} (scope sizes for get and update), {@code --workloads
 * single,deploy,load,contention,scaling,deployments,observation,history} (which run). Every workload but
 * {@code history}'s raw columns runs with history on, the default.
 */
public final class BenchmarkRun {

    /** What to run, from the command line's arguments. */
    public record Settings(Path csv, int operations, int warmup, List<Integer> deploySizes, List<Integer> threads,
            int loadRecords, Duration contention, List<Integer> scalingSizes, List<String> workloads) {

        /** Whether a workload ({@code single}, {@code deploy}, {@code load}, {@code contention}, {@code scaling}) runs. */
        public boolean runs(String workload) {
            // (deployments: fenced against unfenced puts, begin and end, getAll against list and a get each)
            return workloads.contains(workload);
        }

        public static Settings parse(String... args) {
            Path csv = Path.of("benchmarks/results/results.csv");
            int operations = 2000;
            Integer warmup = null;
            List<Integer> deploy = List.of(1000, 10000);
            List<Integer> threads = List.of(1, 8);
            int load = 10000;
            Duration contention = Duration.ofSeconds(10);
            List<Integer> scaling = List.of(100, 10_000, 100_000);
            List<String> workloads = List.of("single", "deploy", "load", "contention", "scaling", "deployments",
                    "observation", "history");
            for (int i = 0; i + 1 < args.length; i += 2) {
                String value = args[i + 1];
                switch (args[i]) {
                    case "--csv" -> csv = Path.of(value);
                    case "--ops" -> operations = Integer.parseInt(value);
                    case "--warmup" -> warmup = Integer.parseInt(value);
                    case "--deploy" -> deploy = numbers(value);
                    case "--threads" -> threads = numbers(value);
                    case "--load" -> load = Integer.parseInt(value);
                    case "--contention-seconds" -> contention = Duration.ofSeconds(Long.parseLong(value));
                    case "--scaling" -> scaling = numbers(value);
                    case "--workloads" -> workloads = Arrays.stream(value.split(",")).map(String::strip).toList();
                    default -> throw new IllegalArgumentException("unknown argument " + args[i]);
                }
            }
            return new Settings(csv, operations, warmup != null ? warmup : Workloads.defaultWarmup(operations), deploy, threads,
                    load, contention, scaling, workloads);
        }

        private static List<Integer> numbers(String list) {
            return Arrays.stream(list.split(",")).filter(s -> !s.isBlank()).map(String::strip).map(Integer::valueOf).toList();
        }
    }

    private BenchmarkRun() {}

    /** Runs the workloads on the store at {@code storeUrl}, in a stack of their own that is deleted at the end. */
    public static List<Row> run(String backend, String storeUrl, RawClient raw, String... args) throws Exception {
        Settings settings = Settings.parse(args);
        String stack = "statestore-bench-" + UUID.randomUUID().toString().substring(0, 8);
        List<Row> rows = new ArrayList<>();
        try (StateStore store = StateStores.open(storeUrl); raw) {
            System.out.println(backend + ": " + store.describe());
            if (settings.runs("single")) {
                for (Row row : Workloads.singleOperations(backend, store.scope(stack, "single"), raw,
                        settings.warmup(), settings.operations())) {
                    rows.add(print(row));
                }
            }
            if (settings.runs("deploy")) {
                for (int size : settings.deploySizes()) {
                    for (int threads : settings.threads()) {
                        rows.add(print(Workloads.deploy(backend, store, stack, size, threads, null)));
                    }
                }
            }
            if (settings.runs("load") && settings.loadRecords() > 0) {
                rows.add(print(Workloads.loadScope(backend, store, stack, settings.loadRecords(), 8)));
            }
            if (settings.runs("contention")) {
                rows.add(print(Workloads.contention(backend, store, stack, 8, settings.contention())));
            }
            if (settings.runs("scaling") && !settings.scalingSizes().isEmpty()) {
                for (Row row : Workloads.scaling(backend, store, stack, settings.scalingSizes(), 500, 8)) {
                    rows.add(print(row));
                }
            }
            if (settings.runs("deployments")) {
                for (Row row : Workloads.deployments(backend, store, stack, Math.min(settings.operations(), 2000),
                        settings.loadRecords())) {
                    rows.add(print(row));
                }
            }
            if (settings.runs("observation")) {
                for (Row row : Workloads.observation(backend, store, stack, Math.min(settings.operations(), 5000))) {
                    rows.add(print(row));
                }
            }
            if (settings.runs("history") && storeUrl.startsWith("http")) {
                // history=off on a client changes nothing the server records: the server's own URL decides.
                System.out.println("history: not run through serve, whose store keeps (or not) the history itself");
            } else if (settings.runs("history")) {
                String off = storeUrl + (storeUrl.contains("?") ? "&" : "?") + StateStores.HISTORY_OPTION + "=off";
                try (StateStore withoutHistory = StateStores.open(off)) {
                    for (Row row : Workloads.history(backend, store, withoutHistory, stack,
                            Math.min(settings.deploySizes().get(0), 1000), Math.min(settings.operations(), 2000),
                            settings.loadRecords())) {
                        rows.add(print(row));
                    }
                }
            }
            store.deleteStack(stack);
        }
        append(settings.csv(), rows);
        return rows;
    }

    private static Row print(Row row) {
        System.out.println(row.describe());
        return row;
    }

    /** Appends the rows to the CSV file, with its header line if the file is new. */
    public static void append(Path csv, List<Row> rows) throws IOException {
        Files.createDirectories(csv.toAbsolutePath().getParent());
        List<String> lines = new ArrayList<>();
        if (!Files.exists(csv)) {
            lines.add(String.join(",", Row.COLUMNS));
        }
        rows.forEach(r -> lines.add(r.toCsv()));
        Files.write(csv, lines, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
