package dev.statestore.bench;

import dev.statestore.ResourceStatus;
import dev.statestore.StateStore;
import dev.statestore.StateStores;
import dev.statestore.spi.StateJson;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The file store against Alchemy's own file store ({@code LocalState}, under Node), the same deploy in the same
 * run, on the same file system: each resource written {@code creating} then {@code created}, the plan's read of
 * the whole scope (ours: one listing of the records; Alchemy: its list, then a get of every record), each written
 * {@code updating} then {@code updated}, each deleted. Alchemy writes with one writer, as its engine does; ours with
 * one writer, then with {@code --threads}; Alchemy runs before ours and again after, and its better time of each
 * phase is kept (one run's write-back slows the next). Ours runs with its defaults: every write durable and recorded in the
 * history. Alchemy's writes are a temporary file renamed, never forced to disk.
 *
 * <p>Needs {@code node} and {@code npm}: Alchemy is installed from the npm registry into
 * {@code benchmarks/target/alchemy}, pinned by {@code src/main/node/package.json}. Arguments: {@code --records N}
 * (default 10,000), {@code --threads N} (default 8), {@code --on disk=DIR,tmpfs=DIR} (the file systems: by default
 * {@code benchmarks/target} and, where it exists, {@code /dev/shm}), {@code --csv FILE}.
 */
public final class AlchemyComparison {

    private static final Path NODE_SOURCES = Path.of("src", "main", "node");
    private static final Path NODE_HOME = Path.of("target", "alchemy").toAbsolutePath();
    private static final String SCRIPT = "alchemy-workload.mjs";

    private AlchemyComparison() {}

    public static void main(String[] args) throws Exception {
        int records = 10_000;
        int threads = 8;
        Path csv = Path.of("results", "results.csv");
        Map<String, Path> fileSystems = new LinkedHashMap<>();
        fileSystems.put("disk", Path.of("target").toAbsolutePath());
        if (Files.isDirectory(Path.of("/dev/shm"))) {
            fileSystems.put("tmpfs", Path.of("/dev/shm"));
        }
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--records" -> records = Integer.parseInt(args[i + 1]);
                case "--threads" -> threads = Integer.parseInt(args[i + 1]);
                case "--csv" -> csv = Path.of(args[i + 1]);
                case "--on" -> {
                    fileSystems.clear();
                    for (String named : args[i + 1].split(",")) {
                        String[] parts = named.split("=", 2);
                        fileSystems.put(parts[0], Path.of(parts[1]).toAbsolutePath());
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        install();
        List<Row> rows = new ArrayList<>();
        for (var fileSystem : fileSystems.entrySet()) {
            rows.addAll(compare(fileSystem.getKey(), fileSystem.getValue(), records, threads));
        }
        BenchmarkRun.append(csv, rows);
        System.exit(0);
    }

    /**
     * Alchemy with one writer; ours with one, with {@code threads}, and with one forcing each file ({@code wal=off});
     * Alchemy again. In a fresh folder under {@code base}, removed after.
     */
    static List<Row> compare(String label, Path base, int records, int threads) throws Exception {
        Path run = Files.createTempDirectory(base, "statestore-vs-alchemy-");
        try {
            String where = label + " (" + Files.getFileStore(run).type() + ", " + base + ")";
            System.out.println("alchemy: " + records + " resources on " + where);
            Workloads.DeployPhases first = alchemy(run.resolve("alchemy-1"), records);
            System.out.println("  Alchemy's LocalState, 1 writer: " + first.describe());
            List<Workloads.DeployPhases> ours = new ArrayList<>();
            // Last: the file store forcing every file it writes (wal=off), as it did before its write-ahead log.
            List<String> options = threads == 1 ? List.of("", "?wal=off") : List.of("", "", "?wal=off");
            List<Integer> writersOf = threads == 1 ? List.of(1, 1) : List.of(1, threads, 1);
            for (int i = 0; i < options.size(); i++) {
                int writers = writersOf.get(i);
                try (StateStore store = StateStores.open("file:" + run.resolve("ours-" + i) + options.get(i))) {
                    ours.add(Workloads.deployPhases(store.scope("bench", "deploy"), records, writers, null));
                }
                System.out.println("  the file store" + options.get(i) + ", " + writers + " writer(s):  "
                        + ours.get(i).describe());
            }
            // Alchemy again after ours, and its better time of each phase kept: the disk's write-back of one run
            // slows the next, and Alchemy should not pay for ours.
            Workloads.DeployPhases second = alchemy(run.resolve("alchemy-2"), records);
            System.out.println("  Alchemy's LocalState, 1 writer: " + second.describe());
            Workloads.DeployPhases alchemy = new Workloads.DeployPhases(records, 1, Math.min(first.create(), second.create()),
                    Math.min(first.list(), second.list()), Math.min(first.update(), second.update()),
                    Math.min(first.delete(), second.delete()));
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < ours.size(); i++) {
                int writers = writersOf.get(i);
                Workloads.DeployPhases mine = ours.get(i);
                String on = where + (options.get(i).isEmpty() ? "" : ", " + options.get(i).substring(1));
                rows.add(row("deploy", writers, records, mine.create(), alchemy.create(), on));
                rows.add(row("plan read", writers, records, mine.list(), alchemy.list(), on));
                rows.add(row("update", writers, records, mine.update(), alchemy.update(), on));
                rows.add(row("destroy", writers, records, mine.delete(), alchemy.delete(), on));
                rows.add(row("total", writers, records, mine.total(), alchemy.total(), on));
            }
            rows.forEach(r -> System.out.println(r.describe()));
            return rows;
        } finally {
            delete(run);
        }
    }

    static Row row(String phase, int threads, int records, double ours, double alchemy, String where) {
        return new Row("alchemy", "vs alchemy", phase, threads, records, ours * 1000, Double.NaN, Double.NaN,
                alchemy * 1000, Double.NaN, Double.NaN, ours / alchemy, ours, where);
    }

    /** Runs the deploy through Alchemy's LocalState in {@code dir}; its phases as Alchemy's script timed them. */
    private static Workloads.DeployPhases alchemy(Path dir, int records) throws Exception {
        Files.createDirectories(dir);
        Path template = dir.resolve("template.json");
        Files.writeString(template, StateJson.compact(
                Workloads.record(Workloads.resourceName(0), ResourceStatus.CREATING).toJsonNode()));
        String out = run(dir, List.of("node", NODE_HOME.resolve(SCRIPT).toString(), Integer.toString(records),
                template.toString(), "bench", "deploy"), 60);
        var seconds = StateJson.parse(out);
        return new Workloads.DeployPhases(records, 1, seconds.get("create").asDouble(), seconds.get("list").asDouble(),
                seconds.get("update").asDouble(), seconds.get("delete").asDouble());
    }

    /** Installs Alchemy into {@code target/alchemy} unless the same manifest is installed, and copies the script. */
    private static void install() throws Exception {
        Files.createDirectories(NODE_HOME);
        Path manifest = NODE_SOURCES.resolve("package.json");
        boolean installed = Files.isDirectory(NODE_HOME.resolve("node_modules/alchemy"))
                && Files.exists(NODE_HOME.resolve("package.json"))
                && Files.mismatch(manifest, NODE_HOME.resolve("package.json")) == -1;
        Files.copy(NODE_SOURCES.resolve(SCRIPT), NODE_HOME.resolve(SCRIPT), StandardCopyOption.REPLACE_EXISTING);
        if (!installed) {
            Files.copy(manifest, NODE_HOME.resolve("package.json"), StandardCopyOption.REPLACE_EXISTING);
            System.out.println("installing Alchemy from npm into " + NODE_HOME);
            // No lock file: it would name the registry's host. The packages are pinned exactly.
            run(NODE_HOME, List.of("npm", "install", "--no-audit", "--no-fund", "--no-package-lock", "--ignore-scripts",
                    "--omit=optional", "--loglevel=error"), 15);
        }
    }

    private static String run(Path directory, List<String> command, int minutes) throws Exception {
        File stderr = File.createTempFile("statestore-bench-node-", ".stderr");
        try {
            Process process;
            try {
                process = new ProcessBuilder(command).directory(directory.toFile()).redirectError(stderr).start();
            } catch (IOException e) {
                throw new IllegalStateException(command.get(0) + " is not on the PATH: the comparison with Alchemy needs "
                        + "Node.js 20+ and npm (Debian: apt-get install nodejs npm)", e);
            }
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(minutes, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish in " + minutes + " minutes");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed (exit " + process.exitValue() + "):\n"
                        + Files.readString(stderr.toPath()));
            }
            return out;
        } finally {
            Files.deleteIfExists(stderr.toPath());
        }
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
