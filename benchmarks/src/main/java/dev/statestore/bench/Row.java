package dev.statestore.bench;

import java.util.List;
import java.util.Locale;

/**
 * One line of the results: a workload's figures for one backend, the store's and (for the single
 * operations) the raw client's side by side. Times in milliseconds; NaN where a figure does not apply.
 *
 * @param ratio the store's median over the raw client's median: the headline figure
 * @param note what the raw side did, or what else the workload measured (peak heap, conflict rate)
 */
public record Row(String backend, String workload, String operation, int threads, int records, double storeP50,
        double storeP99, double storeOpsPerSecond, double rawP50, double rawP99, double rawOpsPerSecond, double ratio,
        double totalSeconds, String note) {

    static final List<String> COLUMNS = List.of("backend", "workload", "operation", "threads", "records", "store_p50_ms",
            "store_p99_ms", "store_ops_per_s", "raw_p50_ms", "raw_p99_ms", "raw_ops_per_s", "ratio", "total_s", "note");

    /** One row as a line for the console. */
    public String describe() {
        Row r = this;
        return switch (r.workload()) {
            case "single" -> String.format(Locale.ROOT, "  %-7s store %7.3f ms (p99 %7.3f)   raw %7.3f ms (p99 %7.3f)   "
                    + "ratio %.2f   [%s]", r.operation(), r.storeP50(), r.storeP99(), r.rawP50(), r.rawP99(), r.ratio(), r.note());
            case "deploy" -> String.format(Locale.ROOT, "  deploy of %d resources on %d thread(s): %.1f s, %.0f writes/s",
                    r.records(), r.threads(), r.totalSeconds(), r.storeOpsPerSecond());
            case "scaling" -> String.format(Locale.ROOT, "  %-7s in a scope of %,d records: %7.3f ms (p99 %7.3f)",
                    r.operation(), r.records(), r.storeP50(), r.storeP99());
            case "deployments" -> r.operation().equals("getAll")
                    ? String.format(Locale.ROOT, "  getAll of %,d records: %.0f ms; list then a get per record: %.0f ms "
                            + "(%.2f of it)", r.records(), r.storeP50(), r.rawP50(), r.ratio())
                    : Double.isNaN(r.rawP50()) ? String.format(Locale.ROOT, "  %-10s %7.3f ms (p99 %7.3f)  [%s]",
                            r.operation(), r.storeP50(), r.storeP99(), r.note())
                    : String.format(Locale.ROOT, "  %-10s %7.3f ms (p99 %7.3f)   unfenced %7.3f ms (p99 %7.3f)   ratio %.2f",
                            r.operation(), r.storeP50(), r.storeP99(), r.rawP50(), r.rawP99(), r.ratio());
            case "observation" -> String.format(Locale.ROOT, "  %-7s observed %7.3f ms (p99 %7.3f)   unobserved %7.3f ms "
                    + "(p99 %7.3f)   ratio %.3f", r.operation(), r.storeP50(), r.storeP99(), r.rawP50(), r.rawP99(), r.ratio());
            case "remote" -> r.operation().equals("getAll")
                    ? String.format(Locale.ROOT, "  getAll of %,d records: %.0f ms; the raw client's best read: %.0f ms "
                            + "(%.2fx)  [%s]", r.records(), r.storeP50(), r.rawP50(), r.ratio(), r.note())
                    : String.format(Locale.ROOT, "  deploy of %,d resources on %d thread(s): %.1f s%s  [%s]", r.records(),
                            r.threads(), r.totalSeconds(), Double.isNaN(r.ratio()) ? ""
                                    : String.format(Locale.ROOT, ", %.1fx faster than one", r.ratio()), r.note());
            case "vs alchemy" -> String.format(Locale.ROOT, "  %-9s %d writer(s): ours %7.2f s, Alchemy's %7.2f s: %.2fx",
                    r.operation(), r.threads(), r.storeP50() / 1000, r.rawP50() / 1000, r.ratio());
            case "load scope" -> String.format(Locale.ROOT, "  loading a scope of %d records: %.0f ms, %s", r.records(),
                    r.storeP50(), r.note());
            default -> String.format(Locale.ROOT, "  %d threads on one record: %.0f updates/s, %s", r.threads(),
                    r.storeOpsPerSecond(), r.note());
        };
    }

    String toCsv() {
        return String.join(",", csv(backend), csv(workload), csv(operation), Integer.toString(threads), Integer.toString(records),
                number(storeP50), number(storeP99), number(storeOpsPerSecond), number(rawP50), number(rawP99),
                number(rawOpsPerSecond), number(ratio), number(totalSeconds), csv(note));
    }

    static Row fromCsv(String line) {
        List<String> f = CsvLine.split(line);
        return new Row(f.get(0), f.get(1), f.get(2), Integer.parseInt(f.get(3)), Integer.parseInt(f.get(4)), parse(f.get(5)),
                parse(f.get(6)), parse(f.get(7)), parse(f.get(8)), parse(f.get(9)), parse(f.get(10)), parse(f.get(11)),
                parse(f.get(12)), f.get(13));
    }

    private static String number(double d) {
        return Double.isNaN(d) ? "" : String.format(Locale.ROOT, "%.4f", d);
    }

    private static double parse(String s) {
        return s.isEmpty() ? Double.NaN : Double.parseDouble(s);
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    /** RFC 4180 fields of one line, quotes undone. */
    static final class CsvLine {
        private CsvLine() {}

        static List<String> split(String line) {
            List<String> fields = new java.util.ArrayList<>();
            StringBuilder field = new StringBuilder();
            boolean quoted = false;
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (quoted) {
                    if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                        field.append('"');
                        i++;
                    } else if (c == '"') {
                        quoted = false;
                    } else {
                        field.append(c);
                    }
                } else if (c == '"') {
                    quoted = true;
                } else if (c == ',') {
                    fields.add(field.toString());
                    field.setLength(0);
                } else {
                    field.append(c);
                }
            }
            fields.add(field.toString());
            return fields;
        }
    }
}
