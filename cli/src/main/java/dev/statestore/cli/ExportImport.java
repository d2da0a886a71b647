package dev.statestore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.ResourceState;
import dev.statestore.ScopeId;
import dev.statestore.StackOutput;
import dev.statestore.StateNames;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.Versioned;
import dev.statestore.spi.StateJson;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code export} and {@code import}. The format is Alchemy's {@code StateExport} with this project's
 * additions beside it, so that either side reads what the other writes:
 *
 * <pre>
 * {"format":"statestore-export","formatVersion":1,
 *  "resources":[{"stack":…,"stage":…,"fqn":…,"version":3,"state":{…}}, …],   sorted by stack, stage, fqn
 *  "outputs":[{"stack":…,"stage":…,"version":1,"output":…}, …]}
 * </pre>
 *
 * One resource per line, written as the scope is read, so an export of any size streams. An import
 * without {@code formatVersion} is Alchemy's own export; a newer {@code formatVersion} is refused.
 */
final class ExportImport {

    static final int FORMAT_VERSION = 1;

    private ExportImport() {}

    @Command(name = "export", description = "Writes scopes to JSON (Alchemy's StateExport shape, versioned): "
            + "one stage, every stage of a stack, or every stack.")
    static final class Export extends ListCommands.Base {
        @Parameters(index = "0", arity = "0..1", paramLabel = "STACK")
        String stack;

        @Parameters(index = "1", arity = "0..1", paramLabel = "STAGE")
        String stage;

        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "write here instead of standard output")
        Path file;

        @Override
        public Integer call() throws IOException {
            try (StateStore store = root().open()) {
                List<ScopeId> scopes = scopes(store, stack, stage);
                if (file == null) {
                    write(store, scopes, out());
                    out().flush();
                } else {
                    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
                    try (Writer w = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(tmp), StandardCharsets.UTF_8))) {
                        int count = write(store, scopes, w);
                        spec.commandLine().getErr().println("exported " + count + " records of " + scopes.size()
                                + " scope(s) to " + file);
                    }
                    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                }
            }
            return Statestore.OK;
        }
    }

    /** The scopes named on the command line: one stage, a whole stack, or everything. */
    static List<ScopeId> scopes(StateStore store, String stack, String stage) {
        List<ScopeId> scopes = new ArrayList<>();
        if (stack != null && stage != null) {
            if (!store.stages(stack).contains(stage)) {
                throw new Statestore.CommandFailure(Statestore.NOT_FOUND, "no stack '" + stack + "' stage '" + stage
                        + "' in " + store.describe());
            }
            scopes.add(new ScopeId(stack, stage));
        } else {
            List<String> stacks = stack != null ? List.of(stack) : store.stacks();
            for (String s : stacks) {
                store.stages(s).forEach(t -> scopes.add(new ScopeId(s, t)));
            }
            if (scopes.isEmpty() && stack != null) {
                throw new Statestore.CommandFailure(Statestore.NOT_FOUND, "no stack '" + stack + "' in " + store.describe());
            }
        }
        return scopes;
    }

    private static int write(StateStore store, List<ScopeId> scopes, Writer w) {
        try {
            int[] count = {0};
            w.write("{\"format\":\"statestore-export\",\"formatVersion\":" + FORMAT_VERSION + ",\"resources\":[");
            for (ScopeId scope : scopes) {
                store.scope(scope).stream().forEach(v -> {
                    ObjectNode entry = Output.object();
                    entry.put("stack", scope.stack());
                    entry.put("stage", scope.stage());
                    entry.put("fqn", v.value().fqn());
                    // Exported whole, flagged: an import into this suite refuses the row, naming it.
                    StateNames.fqnProblem(v.value().fqn()).ifPresent(problem -> entry.put("readOnlyName", problem));
                    entry.put("version", v.version());
                    entry.set("state", v.value().toJsonNode());
                    try {
                        w.write((count[0]++ == 0 ? "\n" : ",\n") + StateJson.compact(entry));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
            w.write("\n],\"outputs\":[");
            boolean first = true;
            for (ScopeId scope : scopes) {
                Optional<Versioned<StackOutput>> output = store.scope(scope).output();
                if (output.isPresent()) {
                    ObjectNode entry = Output.object();
                    entry.put("stack", scope.stack());
                    entry.put("stage", scope.stage());
                    entry.put("version", output.get().version());
                    entry.set("output", output.get().value().value());
                    w.write((first ? "\n" : ",\n") + StateJson.compact(entry));
                    first = false;
                }
            }
            w.write("\n]}\n");
            w.flush();
            return count[0];
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Command(name = "import", description = "Reads an export (this tool's or Alchemy's) into the store. Records that "
            + "exist and differ are refused, all before anything is written, unless --overwrite.")
    static final class Import extends ListCommands.Base {
        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @Option(names = "--overwrite", description = "replace records that exist and differ")
        boolean overwrite;

        @Option(names = "--no-progress", description = "no progress on standard error")
        boolean noProgress;

        /** One resource row of the export, checked. */
        private record Row(ScopeId scope, ResourceState state) {}

        @Override
        public Integer call() {
            JsonNode export = readExport(file);
            List<Row> rows = rows(export);
            Progress progress = Progress.forCommand(spec.commandLine().getErr(), noProgress);
            try (StateStore store = root().open()) {
                List<String> differing = new ArrayList<>();
                List<Runnable> writes = new ArrayList<>();
                int created = 0;
                int same = 0;
                progress.start("import: records compared with the store", rows.size());
                for (Row row : rows) {
                    StateScope scope = store.scope(row.scope());
                    ResourceState state = row.state();
                    Optional<Versioned<ResourceState>> current = scope.get(state.fqn());
                    if (current.isEmpty()) {
                        writes.add(() -> scope.create(state));
                        created++;
                    } else if (current.get().value().equals(state)) {
                        same++;
                    } else {
                        differing.add(scope.id().stack() + "/" + scope.id().stage() + " " + state.fqn());
                        writes.add(() -> scope.put(state));
                    }
                    progress.advance(created + same + differing.size());
                }
                progress.finish(rows.size());
                for (JsonNode entry : export.path("outputs")) {
                    StateScope scope = store.scope(entry.path("stack").asText(), entry.path("stage").asText());
                    StackOutput output = StackOutput.of(entry.get("output"));
                    Optional<Versioned<StackOutput>> current = scope.output();
                    if (current.isEmpty() || !current.get().value().equals(output)) {
                        if (current.isPresent()) {
                            differing.add(scope.id().stack() + "/" + scope.id().stage() + " (stack output)");
                        }
                        writes.add(() -> scope.putOutput(output));
                    }
                }
                if (!differing.isEmpty() && !overwrite) {
                    throw new Statestore.CommandFailure(Statestore.CONFLICT, differing.size() + " record(s) exist and "
                            + "differ, nothing was written (use --overwrite to replace them): "
                            + String.join(", ", differing.subList(0, Math.min(20, differing.size())))
                            + (differing.size() > 20 ? ", …" : ""));
                }
                progress.start("import: writes", writes.size());
                for (int w = 0; w < writes.size(); w++) {
                    writes.get(w).run();
                    progress.advance(w + 1);
                }
                progress.finish(writes.size());
                PrintWriter out = out();
                if (root().json) {
                    ObjectNode node = Output.object();
                    node.put("file", file.toString());
                    node.put("store", store.describe());
                    node.put("created", created);
                    node.put("overwritten", differing.size());
                    node.put("unchanged", same);
                    Output.json(out, node);
                } else {
                    out.println("imported " + file + " into " + store.describe() + ": " + created + " created, "
                            + differing.size() + " overwritten, " + same + " unchanged");
                }
                out.flush();
            }
            return Statestore.OK;
        }
    }

    /** The export in {@code file}, or a failure that says, for people, why it cannot be read. */
    private static JsonNode readExport(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new Statestore.CommandFailure(Statestore.USAGE, "cannot read " + file + ": no such file");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new Statestore.CommandFailure(Statestore.USAGE, "cannot read " + file + ": permission denied");
        } catch (IOException e) {
            throw new Statestore.CommandFailure(Statestore.USAGE, "cannot read " + file + ": "
                    + (Files.isDirectory(file) ? "it is a folder" : e.getMessage()));
        }
        JsonNode export;
        try {
            export = StateJson.parse(bytes);
        } catch (IOException e) {
            throw new Statestore.CommandFailure(Statestore.USAGE, file + " is not JSON: " + StateJson.problem(e));
        }
        JsonNode version = export.get("formatVersion");
        if (version != null && version.asInt() > FORMAT_VERSION) {
            throw new Statestore.CommandFailure(Statestore.USAGE, file + " has format version " + version.asInt()
                    + "; this statestore reads up to " + FORMAT_VERSION);
        }
        if (!export.path("resources").isArray()) {
            throw new Statestore.CommandFailure(Statestore.USAGE, file + " is not an export: it has no \"resources\" list");
        }
        return export;
    }

    /**
     * Every resource row of an export, checked before anything is written: a row names its stack, stage and
     * state, and its {@code fqn}, where it has one, is its state's (a row that disagrees would write a record
     * under a name the row did not mean). Every bad row is named, up to twenty.
     */
    private static List<Import.Row> rows(JsonNode export) {
        List<Import.Row> rows = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int index = 0;
        for (JsonNode entry : export.get("resources")) {
            index++;
            String where = "resources[" + (index - 1) + "]";
            JsonNode stack = entry.get("stack");
            JsonNode stage = entry.get("stage");
            JsonNode state = entry.get("state");
            if (stack == null || !stack.isTextual() || stage == null || !stage.isTextual() || state == null
                    || !state.isObject()) {
                problems.add(where + ": a row needs a string \"stack\", a string \"stage\" and an object \"state\"");
                continue;
            }
            where += " (" + stack.textValue() + "/" + stage.textValue() + ")";
            ResourceState parsed;
            ScopeId scope;
            try {
                scope = new ScopeId(stack.textValue(), stage.textValue());
                parsed = ResourceState.of((ObjectNode) state);
            } catch (dev.statestore.InvalidStateException e) {
                problems.add(where + ": " + e.getMessage());
                continue;
            }
            JsonNode fqn = entry.get("fqn");
            if (fqn != null && !fqn.isNull() && !parsed.fqn().equals(fqn.asText())) {
                problems.add(where + ": its fqn '" + fqn.asText() + "' is not its state's fqn '" + parsed.fqn() + "'");
                continue;
            }
            Optional<String> unwritable = StateNames.fqnProblem(parsed.fqn());
            if (unwritable.isPresent()) {
                problems.add(where + ": " + unwritable.get() + " (a name this store reads but never writes: rename the "
                        + "record in the export, or leave the row out)");
                continue;
            }
            rows.add(new Import.Row(scope, parsed));
        }
        if (!problems.isEmpty()) {
            throw new Statestore.CommandFailure(Statestore.USAGE, problems.size() + " row(s) of the export are refused, "
                    + "nothing was written: " + String.join("; ", problems.subList(0, Math.min(20, problems.size())))
                    + (problems.size() > 20 ? "; …" : ""));
        }
        return rows;
    }
}
