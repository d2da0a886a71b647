package dev.statestore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.statestore.DeploymentMeta;
import dev.statestore.History;
import dev.statestore.RestoreResult;
import dev.statestore.StateChange;
import dev.statestore.StateDiff;
import dev.statestore.StateStore;
import dev.statestore.spi.HistoryJson;
import dev.statestore.spi.StateJson;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code history}, {@code diff} and {@code restore}: what changed in a stack and stage, and putting it back. */
final class HistoryCommands {

    private HistoryCommands() {}

    /** Where {@code restore} reads its confirmation: standard input, one line (null at its end). Tests replace it. */
    static volatile Supplier<String> answers = HistoryCommands::readLine;

    private static String readLine() {
        try {
            return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        } catch (IOException e) {
            return null;
        }
    }

    @Command(name = "history", description = "Lists the changes kept of a stack and stage (or of one record), newest "
            + "first: what each write or delete made, when, and in which deployment, by whom.")
    static final class Changes extends ListCommands.Base {
        @Mixin
        ScopeArguments target;

        @Parameters(index = "2", arity = "0..1", paramLabel = "FQN", description = "only this record's changes")
        String fqn;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "at most N (default 100)")
        int limit;

        @Override
        public Integer call() {
            try (StateStore store = root().open()) {
                History history = store.scope(target.stack, target.stage).history();
                List<StateChange> changes;
                if (fqn != null) {
                    changes = history.of(fqn);
                } else {
                    changes = new ArrayList<>();
                    history.forEach(changes::add);
                    changes.sort(Comparator.comparing(StateChange::at).reversed());
                }
                changes = changes.subList(0, Math.min(changes.size(), Math.max(1, limit)));
                if (root().json) {
                    ArrayNode array = Output.array();
                    changes.forEach(c -> array.add(HistoryJson.change(c)));
                    Output.json(out(), array);
                    return Statestore.OK;
                }
                List<List<String>> rows = new ArrayList<>();
                for (StateChange c : changes) {
                    rows.add(List.of(c.at().toString(), c.deployment() == 0 ? "-" : Long.toString(c.deployment()),
                            c.initiator() == null ? "-" : c.initiator().describe(), c.isDeletion() ? "delete" : "write",
                            c.subject(), Long.toString(c.version()),
                            c.record() == null ? "-" : c.record().status().wireName()));
                }
                Output.table(out(), List.of("AT", "DEPLOYMENT", "WHO", "CHANGE", "FQN", "VERSION", "STATUS"), rows);
                if (changes.isEmpty()) {
                    out().println("no changes kept of " + target.stack + "/" + target.stage + (fqn == null ? "" : " " + fqn));
                }
                out().flush();
            }
            return Statestore.OK;
        }
    }

    @Command(name = "diff", description = "Shows what changed from the end of deployment FROM to the end of TO (to "
            + "now, without TO): records added, removed and changed, field by field; secrets' values are never shown.")
    static final class Diff extends ListCommands.Base {
        @Mixin
        ScopeArguments target;

        @Parameters(index = "2", paramLabel = "FROM", description = "a deployment's version")
        long from;

        @Parameters(index = "3", arity = "0..1", paramLabel = "TO", description = "a later deployment's version (default: now)")
        Long to;

        @Override
        public Integer call() {
            try (StateStore store = root().open()) {
                StateDiff diff = store.scope(target.stack, target.stage).history().diff(from, to);
                if (root().json) {
                    Output.json(out(), HistoryJson.diff(diff));
                } else {
                    print(out(), diff, Colors.forTerminal());
                    out().flush();
                }
            }
            return Statestore.OK;
        }
    }

    @Command(name = "restore", description = "Makes a stack and stage exactly what it was at the end of a deployment, "
            + "as a new deployment (command 'restore', itself in the history, so it can be undone): shows what it will "
            + "change and asks first.")
    static final class Restore extends ListCommands.Base {
        @Mixin
        ScopeArguments target;

        @Option(names = "--to", required = true, paramLabel = "VERSION", description = "the deployment to go back to")
        long to;

        @Option(names = "--yes", description = "do not ask (for scripts)")
        boolean yes;

        @Option(names = "--no-progress", description = "no progress on standard error")
        boolean noProgress;

        @Override
        public Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            try (StateStore store = root().open()) {
                History history = store.scope(target.stack, target.stage).history();
                StateDiff undone = history.diff(to, null);
                int planned = undone.records().size() + (undone.output() == null ? 0 : 1);
                if (!root().json) {
                    out().println("# " + target.stack + "/" + target.stage + ": changes since the end of deployment " + to
                            + ", which the restore undoes");
                    print(out(), undone, Colors.forTerminal());
                    out().flush();
                }
                if (planned == 0) {
                    if (!root().json) {
                        out().println("nothing to restore");
                    } else {
                        Output.json(out(), StateJson.nodes().objectNode().put("restoredTo", to).put("changes", 0));
                    }
                    return Statestore.OK;
                }
                if (!yes) {
                    if (root().json) {
                        throw new Statestore.CommandFailure(Statestore.USAGE, "with --json, pass --yes: there is no one to ask");
                    }
                    err.print("restore " + target.stack + "/" + target.stage + " to the end of deployment " + to + " ("
                            + planned + " writes)? [y/N] ");
                    err.flush();
                    String answer = answers.get();
                    if (answer == null || !List.of("y", "yes").contains(answer.strip().toLowerCase(Locale.ROOT))) {
                        err.println("not restored");
                        err.flush();
                        return Statestore.CONFLICT;
                    }
                }
                Progress progress = Progress.forCommand(err, noProgress || root().json);
                progress.start("restore " + target.stack + "/" + target.stage + ": writes", planned);
                RestoreResult result = history.restore(to, DeploymentMeta.Initiator.thisProcess(), progress::advance);
                progress.finish(result.changes());
                if (root().json) {
                    Output.json(out(), HistoryJson.restore(result));
                } else {
                    out().println("restored " + target.stack + "/" + target.stage + " to the end of deployment " + to
                            + " as deployment " + result.deployment() + ": " + result.created() + " created, "
                            + result.updated() + " updated, " + result.deleted() + " deleted"
                            + (result.outputChanged() ? ", stack output written back" : "")
                            + "; to undo: statestore restore " + target.stack + " " + target.stage + " --to "
                            + (result.deployment() - 1));
                    out().flush();
                }
            }
            return Statestore.OK;
        }
    }

    /** ANSI colors where a person reads a terminal that shows them, none elsewhere (a pipe, a log, NO_COLOR). */
    record Colors(String added, String removed, String changed, String reset) {
        static final Colors NONE = new Colors("", "", "", "");

        static Colors forTerminal() {
            String term = System.getenv("TERM");
            boolean color = System.console() != null && System.getenv("NO_COLOR") == null && term != null
                    && !term.equals("dumb");
            return color ? new Colors("\u001b[32m", "\u001b[31m", "\u001b[33m", "\u001b[0m") : NONE;
        }
    }

    /** The diff for people: {@code +} added, {@code -} removed, {@code ~} changed with its fields. */
    static void print(PrintWriter out, StateDiff diff, Colors colors) {
        if (diff.isEmpty()) {
            out.println("no differences");
            return;
        }
        List<StateDiff.Entry> entries = new ArrayList<>(diff.records());
        if (diff.output() != null) {
            entries.add(diff.output());
        }
        int added = 0;
        int removed = 0;
        int changed = 0;
        for (StateDiff.Entry entry : entries) {
            String subject = entry.fqn() == null ? "(stack output)" : entry.fqn();
            switch (entry.kind()) {
                case ADDED -> {
                    added++;
                    out.println(colors.added() + "+ " + subject + colors.reset());
                }
                case REMOVED -> {
                    removed++;
                    out.println(colors.removed() + "- " + subject + colors.reset());
                }
                case CHANGED -> {
                    changed++;
                    out.println(colors.changed() + "~ " + subject + colors.reset());
                    for (StateDiff.FieldChange field : entry.fields()) {
                        String path = field.path().isEmpty() ? "/" : field.path();
                        out.println("    " + path + ": " + (field.secret() ? "(secret changed)"
                                : value(field.before()) + " -> " + value(field.after())));
                    }
                }
                default -> throw new IllegalStateException(entry.kind().name());
            }
        }
        out.println(added + " added, " + removed + " removed, " + changed + " changed");
    }

    static String value(JsonNode value) {
        if (value == null) {
            return "(absent)";
        }
        String text = StateJson.compact(value);
        return text.length() > 120 ? text.substring(0, 117) + "..." : text;
    }
}
