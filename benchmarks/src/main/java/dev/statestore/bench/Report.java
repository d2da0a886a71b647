package dev.statestore.bench;

import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.data.category.DefaultCategoryDataset;

/**
 * Turns the rows of a run ({@code results.csv}) into {@code results.md} (the tables docs/benchmarks.md quotes) and
 * two charts beside it: {@code ratios.png} (store over raw client, median, per operation and backend) and
 * {@code deploys.png} (writes per second of the deploys).
 *
 * <p>Usage: {@code Report [results.csv] [machine description]}.
 */
public final class Report {

    private Report() {}

    public static void main(String[] args) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Path csv = Path.of(args.length > 0 ? args[0] : "benchmarks/results/results.csv");
        String machine = args.length > 1 ? args[1] : machine();
        List<Row> rows = new ArrayList<>();
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        for (String line : lines.subList(1, lines.size())) {
            if (!line.isBlank()) {
                rows.add(Row.fromCsv(line));
            }
        }
        Path dir = csv.toAbsolutePath().getParent();
        Files.writeString(dir.resolve("results.md"), markdown(rows, machine), StandardCharsets.UTF_8);
        ratioChart(rows, dir.resolve("ratios.png"));
        deployChart(rows, dir.resolve("deploys.png"));
        System.out.println("wrote " + dir.resolve("results.md") + ", ratios.png and deploys.png");
    }

    private static String machine() {
        return Runtime.getRuntime().availableProcessors() + " cores, Java " + System.getProperty("java.version") + ", "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch");
    }

    static String markdown(List<Row> rows, String machine) {
        StringBuilder md = new StringBuilder("# Benchmark results\n\nTaken on: ").append(machine)
                .append(". Servers as the tests start them (see docs/benchmarks.md). Times in milliseconds.\n\n");
        md.append("## Single operations: the store next to its raw client\n\n")
                .append("| backend | operation | store p50 | store p99 | store ops/s | raw p50 | raw p99 | raw ops/s | store/raw | raw call |\n")
                .append("|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
        for (Row r : select(rows, r -> r.workload().equals("single"))) {
            md.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %.3f | %.0f | %.3f | %.3f | %.0f | **%.2f** | %s |%n",
                    r.backend(), r.operation(), r.storeP50(), r.storeP99(), r.storeOpsPerSecond(), r.rawP50(), r.rawP99(),
                    r.rawOpsPerSecond(), r.ratio(), r.note()));
        }
        md.append("\n## Deploys: each resource written creating, created, updating, updated, then deleted; one listing\n\n")
                .append("| backend | resources | threads | total s | writes/s | phases |\n|---|---:|---:|---:|---:|---|\n");
        for (Row r : select(rows, r -> r.workload().equals("deploy"))) {
            md.append(String.format(Locale.ROOT, "| %s | %d | %d | %.1f | %.0f | %s |%n", r.backend(), r.records(), r.threads(),
                    r.totalSeconds(), r.storeOpsPerSecond(), r.note()));
        }
        md.append("\n## Loading a whole scope (the read a plan does)\n\n")
                .append("| backend | records | time ms | records/s | peak heap |\n|---|---:|---:|---:|---|\n");
        for (Row r : select(rows, r -> r.workload().equals("load scope"))) {
            md.append(String.format(Locale.ROOT, "| %s | %d | %.0f | %.0f | %s |%n", r.backend(), r.records(), r.storeP50(),
                    r.storeOpsPerSecond(), r.note().replace("peak heap ", "")));
        }
        md.append("\n## Contention: threads updating one record (read, conditional update, again on a conflict)\n\n")
                .append("| backend | threads | successful updates/s | conflicts |\n|---|---:|---:|---|\n");
        for (Row r : select(rows, r -> r.workload().equals("contention"))) {
            md.append(String.format(Locale.ROOT, "| %s | %d | %.0f | %s |%n", r.backend(), r.threads(), r.storeOpsPerSecond(),
                    r.note().replace("conflict rate ", "")));
        }
        List<Row> scaling = select(rows, r -> r.workload().equals("scaling"));
        if (!scaling.isEmpty()) {
            md.append("\n## Scaling: get and conditional update of random records as the scope grows (it should stay flat)\n\n")
                    .append("| backend | operation | records in the scope | p50 | p99 | ops/s |\n|---|---|---:|---:|---:|---:|\n");
            for (Row r : scaling) {
                md.append(String.format(Locale.ROOT, "| %s | %s | %d | %.3f | %.3f | %.0f |%n", r.backend(), r.operation(),
                        r.records(), r.storeP50(), r.storeP99(), r.storeOpsPerSecond()));
            }
        }
        List<Row> deployments = select(rows, r -> r.workload().equals("deployments"));
        if (!deployments.isEmpty()) {
            md.append("\n## Deployments: a fenced put next to the same put unfenced; begin and end; getAll next to a list "
                    + "and a get per record\n\n")
                    .append("| backend | operation | p50 | p99 | unfenced p50 | unfenced p99 | fenced/unfenced |\n"
                            + "|---|---|---:|---:|---:|---:|---:|\n");
            for (Row r : select(deployments, r -> !r.operation().equals("getAll"))) {
                md.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %.3f | %s | %s | %s |%n", r.backend(), r.operation(),
                        r.storeP50(), r.storeP99(), cell(r.rawP50(), "%.3f"), cell(r.rawP99(), "%.3f"),
                        cell(r.ratio(), "**%.2f**")));
            }
            md.append("\n| backend | records | getAll ms | list + a get each ms | getAll/list+get |\n|---|---:|---:|---:|---:|\n");
            for (Row r : select(deployments, r -> r.operation().equals("getAll"))) {
                md.append(String.format(Locale.ROOT, "| %s | %d | %.0f | %.0f | **%.3f** |%n", r.backend(), r.records(),
                        r.storeP50(), r.rawP50(), r.ratio()));
            }
        }
        List<Row> alchemy = select(rows, r -> r.workload().equals("vs alchemy"));
        if (!alchemy.isEmpty()) {
            md.append("\n## The file store against Alchemy's own (LocalState under Node), the same deploy on the same file "
                    + "system; Alchemy with one writer\n\n")
                    .append("| file system | phase | resources | our writers | ours s | Alchemy's s | ours/Alchemy's |\n"
                            + "|---|---|---:|---:|---:|---:|---:|\n");
            for (Row r : alchemy) {
                md.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %.2f | %.2f | **%.2f** |%n", r.note(),
                        r.operation(), r.records(), r.threads(), r.storeP50() / 1000, r.rawP50() / 1000, r.ratio()));
            }
        }
        List<Row> remote = select(rows, r -> r.workload().equals("remote"));
        if (!remote.isEmpty()) {
            md.append("\n## Remote: through a proxy that delays every byte (a cloud service's round trip)\n\n")
                    .append("| backend | operation | records | threads | store ms | raw best ms / one thread ms | ratio | note |\n"
                            + "|---|---|---:|---:|---:|---:|---:|---|\n");
            for (Row r : remote) {
                md.append(String.format(Locale.ROOT, "| %s | %s | %d | %d | %.0f | %s | %s | %s |%n", r.backend(),
                        r.operation(), r.records(), r.threads(), r.storeP50(), cell(r.rawP50(), "%.0f"),
                        cell(r.ratio(), "**%.2f**"), r.note()));
            }
        }
        List<Row> observation = select(rows, r -> r.workload().equals("observation"));
        if (!observation.isEmpty()) {
            md.append("\n## Observation: store calls observed into a meter registry next to the same calls unobserved\n\n")
                    .append("| backend | operation | observed p50 | observed p99 | unobserved p50 | unobserved p99 | ratio |\n"
                            + "|---|---|---:|---:|---:|---:|---:|\n");
            for (Row r : observation) {
                md.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %.3f | %.3f | %.3f | **%.3f** |%n", r.backend(),
                        r.operation(), r.storeP50(), r.storeP99(), r.rawP50(), r.rawP99(), r.ratio()));
            }
        }
        return md.toString();
    }

    private static String cell(double value, String format) {
        return Double.isNaN(value) ? "" : String.format(Locale.ROOT, format, value);
    }

    private static List<Row> select(List<Row> rows, Predicate<Row> which) {
        return rows.stream().filter(which).toList();
    }

    private static void ratioChart(List<Row> rows, Path png) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (Row r : select(rows, r -> r.workload().equals("single") && !Double.isNaN(r.ratio()))) {
            data.addValue(r.ratio(), r.backend(), r.operation());
        }
        JFreeChart chart = ChartFactory.createBarChart("Store over raw client (median latency; 1 = no overhead)",
                "operation", "store / raw", data, PlotOrientation.VERTICAL, true, false, false);
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 1000, 560);
    }

    private static void deployChart(List<Row> rows, Path png) throws IOException {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (Row r : select(rows, r -> r.workload().equals("deploy"))) {
            data.addValue(r.storeOpsPerSecond(), r.backend(), r.records() + " resources, " + r.threads() + " thread"
                    + (r.threads() == 1 ? "" : "s"));
        }
        JFreeChart chart = ChartFactory.createBarChart("Deploys: writes per second", "deploy", "writes/s", data,
                PlotOrientation.VERTICAL, true, false, false);
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 1000, 560);
    }
}
