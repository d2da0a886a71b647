package dev.statestore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.DeploymentMeta;
import dev.statestore.InvalidStateException;
import dev.statestore.QuarantinedRecord;
import dev.statestore.RepairChoices;
import dev.statestore.RepairFinding;
import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.StateConflictException;
import dev.statestore.StateDiff;
import dev.statestore.StateNotFoundException;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.StateStores;
import dev.statestore.Surgery;
import dev.statestore.SurgeryIncompleteException;
import dev.statestore.SurgeryPlan;
import dev.statestore.SurgeryResult;
import dev.statestore.SurgeryStep;
import dev.statestore.Versioned;
import dev.statestore.spi.HistoryJson;
import dev.statestore.spi.StateJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code rm}, {@code mv}, {@code edit}, {@code mark}, {@code repair} and {@code quarantine}: an operator's surgery on
 * a scope's records, each shown first (a dry run) and applied with {@code --yes} as a {@code repair} deployment.
 */
final class SurgeryCommands {

    private SurgeryCommands() {}

    /** What the surgery commands share: the scope, {@code --yes}, {@code --reason}, and how a plan is shown and applied. */
    abstract static class Base extends ListCommands.Base {
        @Mixin
        ScopeArguments target;

        @Option(names = "--yes", description = "apply the changes (without it: show them, write nothing)")
        boolean yes;

        @Option(names = "--reason", paramLabel = "TEXT", description = "why, kept as the repair deployment's note")
        String reason;

        /** Plans with the scope's surgery, shows the plan, and applies it with {@code --yes}. */
        Integer plan(Function<Surgery, SurgeryPlan> planning) {
            try (StateStore store = root().open()) {
                StateScope scope = store.scope(target.stack, target.stage);
                return show(scope, planning.apply(scope.surgery()), yes);
            }
        }

        /** Shows the plan; applies it if {@code apply}. */
        Integer show(StateScope scope, SurgeryPlan plan, boolean apply) {
            return show(scope, plan, apply, null);
        }

        /** The same, with the findings a repair's plan answers (in the JSON, under {@code findings}). */
        Integer show(StateScope scope, SurgeryPlan plan, boolean apply, @Nullable List<RepairFinding> findings) {
            if (!root().json) {
                printPlan(out(), plan, apply, HistoryCommands.Colors.forTerminal());
                out().flush();
            }
            SurgeryResult result = apply && !plan.isEmpty()
                    ? scope.surgery().apply(plan, DeploymentMeta.Initiator.thisProcess(), reason) : null;
            if (root().json) {
                ObjectNode node = planJson(plan, result);
                if (findings != null) {
                    ArrayNode array = node.putArray("findings");
                    for (RepairFinding finding : findings) {
                        ObjectNode f = array.addObject();
                        f.put("problem", finding.problem().name().toLowerCase(Locale.ROOT));
                        f.put("fqn", finding.fqn());
                        if (finding.location() != null) {
                            f.put("location", finding.location());
                        }
                        f.put("detail", finding.detail());
                    }
                }
                Output.json(out(), node);
            } else if (result != null) {
                // The plan's own scope is written last (a move creates in the target first).
                long deployment = result.deployments().get(result.deployments().size() - 1);
                out().println("applied " + plan.steps().size() + " writes as deployment"
                        + (result.deployments().size() == 1 ? " " : "s ") + result.deployments()
                        + "; the documents it replaced are in its journal: statestore deployment " + target.stack + " "
                        + target.stage + " " + deployment + (deployment > 1 ? "; to undo: statestore restore "
                        + target.stack + " " + target.stage + " --to " + (deployment - 1) : ""));
                out().flush();
            }
            return Statestore.OK;
        }
    }

    @Command(name = "rm", description = "Forgets records (the cloud resources they describe are not touched), and "
            + "removes them from every other record's downstream. Shows what it will do; --yes does it.")
    static final class Remove extends Base {
        @Parameters(index = "2..*", arity = "0..*", paramLabel = "FQN", description = "the records to forget")
        List<String> fqns = new ArrayList<>();

        @Option(names = "--status", paramLabel = "STATUS", description = "forget every record with this status "
                + "(repeatable)")
        List<String> statuses = new ArrayList<>();

        @Override
        public Integer call() {
            if (fqns.isEmpty() == statuses.isEmpty()) {
                throw new Statestore.CommandFailure(Statestore.USAGE, "name the records to forget, or --status, not both");
            }
            Set<ResourceStatus> selected = new LinkedHashSet<>();
            statuses.forEach(s -> selected.add(status(s)));
            return plan(surgery -> fqns.isEmpty() ? surgery.removeByStatus(selected) : surgery.remove(fqns));
        }
    }

    @Command(name = "mv", description = "Renames a record (keeping its document, fixing its fqn and every downstream "
            + "entry naming it), or moves it to another stack, stage or store (--to-*), conditional on both sides.")
    static final class Move extends Base {
        @Parameters(index = "2", paramLabel = "FQN", description = "the record")
        String fqn;

        @Parameters(index = "3", arity = "0..1", paramLabel = "NEWFQN", description = "its new name (a rename)")
        String newFqn;

        @Option(names = "--to-stack", paramLabel = "STACK", description = "move it to this stack")
        String toStack;

        @Option(names = "--to-stage", paramLabel = "STAGE", description = "move it to this stage")
        String toStage;

        @Option(names = "--to-store", paramLabel = "URL", description = "move it to this store")
        String toStore;

        @Override
        public Integer call() {
            boolean moving = toStack != null || toStage != null || toStore != null;
            if (moving == (newFqn != null)) {
                throw new Statestore.CommandFailure(Statestore.USAGE,
                        "give NEWFQN to rename, or --to-stack/--to-stage/--to-store to move, not both");
            }
            if (!moving) {
                return plan(surgery -> surgery.rename(fqn, newFqn));
            }
            try (StateStore store = root().open(); StateStore other = toStore == null ? null : StateStores.open(toStore)) {
                StateScope here = store.scope(target.stack, target.stage);
                StateScope there = (other == null ? store : other).scope(toStack == null ? target.stack : toStack,
                        toStage == null ? target.stage : toStage);
                if (other == null && there.id().equals(here.id())) {
                    throw new Statestore.CommandFailure(Statestore.USAGE, "that is the same stack and stage");
                }
                return show(here, here.surgery().move(fqn, there), yes);
            }
        }
    }

    @Command(name = "mark", description = "Sets a record's status (for example back to created after a manual fix), "
            + "the rest of it unchanged.")
    static final class Mark extends Base {
        @Parameters(index = "2", paramLabel = "FQN", description = "the record")
        String fqn;

        @Option(names = "--status", required = true, paramLabel = "STATUS", description = "its new status")
        String status;

        @Override
        public Integer call() {
            ResourceStatus chosen = status(status);
            return plan(surgery -> surgery.mark(fqn, chosen));
        }
    }

    /** Where {@code edit} runs the editor; tests replace it. Given the file, it returns once the editor exits. */
    static volatile java.util.function.Consumer<Path> editor = SurgeryCommands::runEditor;

    private static void runEditor(Path file) {
        String command = System.getenv("VISUAL");
        if (command == null || command.isBlank()) {
            command = System.getenv("EDITOR");
        }
        if (command == null || command.isBlank()) {
            throw new Statestore.CommandFailure(Statestore.USAGE, "set $VISUAL or $EDITOR to edit, or use --set");
        }
        try {
            // Through the shell, as git and crontab do: the variable may hold arguments ("code --wait").
            Process process = new ProcessBuilder("sh", "-c", command + " \"$1\"", "editor", file.toString())
                    .inheritIO().start();
            int exit = process.waitFor();
            if (exit != 0) {
                throw new Statestore.CommandFailure(Statestore.USAGE, "the editor exited with " + exit + "; the copy "
                        + "is kept at " + file);
            }
        } catch (IOException e) {
            throw new Statestore.CommandFailure(Statestore.USAGE, "cannot run the editor '" + command + "': " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Statestore.CommandFailure(Statestore.USAGE, "interrupted while editing " + file);
        }
    }

    @Command(name = "edit", description = "Edits a record in $VISUAL or $EDITOR (or sets fields with --set): checks "
            + "it on save, shows the diff, and writes it conditional on the version it opened.")
    static final class Edit extends Base {
        @Parameters(index = "2", paramLabel = "FQN", description = "the record")
        String fqn;

        @Option(names = "--set", paramLabel = "PATH=VALUE", description = "set a field instead of editing: PATH is a "
                + "JSON Pointer (/props/size) or dotted (props.size), VALUE JSON or else a string, null removes it "
                + "(repeatable)")
        List<String> sets = new ArrayList<>();

        @Override
        public Integer call() {
            if (!sets.isEmpty()) {
                Map<String, @Nullable JsonNode> values = new LinkedHashMap<>();
                for (String set : sets) {
                    int eq = set.indexOf('=');
                    if (eq <= 0) {
                        throw new Statestore.CommandFailure(Statestore.USAGE, "--set takes PATH=VALUE, was '" + set + "'");
                    }
                    values.put(set.substring(0, eq), value(set.substring(eq + 1)));
                }
                return plan(surgery -> surgery.set(fqn, values));
            }
            try (StateStore store = root().open()) {
                StateScope scope = store.scope(target.stack, target.stage);
                Versioned<ResourceState> opened = scope.get(fqn).orElseThrow(() -> new StateNotFoundException(scope.id(), fqn));
                Path file = Files.createTempFile("statestore-edit-", ".json");
                String original = StateJson.pretty(opened.value().toJsonNode()) + "\n";
                Files.writeString(file, original, StandardCharsets.UTF_8);
                editor.accept(file);
                String edited = Files.readString(file, StandardCharsets.UTF_8);
                if (edited.equals(original)) {
                    Files.deleteIfExists(file);
                    out().println("no change");
                    out().flush();
                    return Statestore.OK;
                }
                ResourceState record;
                try {
                    record = ResourceState.fromJson(edited);
                } catch (InvalidStateException e) {
                    throw new Statestore.CommandFailure(Statestore.USAGE, "the edited record is not valid: "
                            + e.getMessage() + "; your copy is kept at " + file);
                }
                SurgeryPlan plan;
                try {
                    plan = scope.surgery().replace(fqn, record, opened.version());
                } catch (StateConflictException | InvalidStateException e) {
                    throw new Statestore.CommandFailure(e instanceof StateConflictException ? Statestore.CONFLICT
                            : Statestore.USAGE, e.getMessage() + "; your copy is kept at " + file);
                }
                boolean apply = yes || confirm(plan);
                try {
                    Integer code = show(scope, plan, apply);
                    if (apply) {
                        Files.deleteIfExists(file);
                    }
                    return code;
                } catch (SurgeryIncompleteException e) {
                    throw new Statestore.CommandFailure(Statestore.exitCode(e), e.getMessage() + "; your copy is kept at "
                            + file);
                }
            } catch (IOException e) {
                throw new Statestore.CommandFailure(Statestore.USAGE, "cannot keep the copy to edit: " + e.getMessage());
            }
        }

        private boolean confirm(SurgeryPlan plan) {
            if (root().json) {
                throw new Statestore.CommandFailure(Statestore.USAGE, "with --json, pass --yes: there is no one to ask");
            }
            printPlan(out(), plan, false, HistoryCommands.Colors.forTerminal());
            out().flush();
            PrintWriter err = spec.commandLine().getErr();
            err.print("write this edit of " + fqn + "? [y/N] ");
            err.flush();
            String answer = HistoryCommands.answers.get();
            if (answer == null || !List.of("y", "yes").contains(answer.strip().toLowerCase(Locale.ROOT))) {
                throw new Statestore.CommandFailure(Statestore.CONFLICT, "not written");
            }
            return true;
        }
    }

    /** A {@code --set} value: JSON if it parses as JSON, the text itself otherwise; {@code null} removes the field. */
    static @Nullable JsonNode value(String text) {
        if (text.equals("null")) {
            return null;
        }
        try {
            return StateJson.parse(text);
        } catch (IOException | RuntimeException e) {
            return StateJson.nodes().textNode(text);
        }
    }

    @Command(name = "repair", description = "Finds what trips a deploy (downstream entries naming missing records, "
            + "replaced records with nothing left to replace, records stuck in progress, records that no longer "
            + "parse) and, with --yes, fixes it: stuck records only as you choose, corrupt ones quarantined intact.")
    static final class Repair extends Base {
        @Option(names = "--mark", paramLabel = "FQN=STATUS", description = "set a stuck record's status (repeatable)")
        List<String> marks = new ArrayList<>();

        @Option(names = "--remove", paramLabel = "FQN", description = "forget a stuck record, or one under a name this "
                + "store never writes (repeatable)")
        List<String> removes = new ArrayList<>();

        @Option(names = "--rename", paramLabel = "FQN=NEWFQN", description = "rename a record under a name this store "
                + "never writes (repeatable)")
        List<String> renames = new ArrayList<>();

        @Override
        public Integer call() {
            RepairChoices choices = RepairChoices.none();
            for (String entry : marks) {
                int eq = entry.lastIndexOf('=');
                if (eq <= 0) {
                    throw new Statestore.CommandFailure(Statestore.USAGE, "--mark takes FQN=STATUS, was '" + entry + "'");
                }
                choices = choices.mark(entry.substring(0, eq), status(entry.substring(eq + 1)));
            }
            for (String entry : renames) {
                // At the last '=': the old name may hold one (Alchemy's names may), a new name with one needs the Java API.
                int eq = entry.lastIndexOf('=');
                if (eq <= 0) {
                    throw new Statestore.CommandFailure(Statestore.USAGE, "--rename takes FQN=NEWFQN, was '" + entry + "'");
                }
                choices = choices.rename(entry.substring(0, eq), entry.substring(eq + 1));
            }
            for (String fqn : removes) {
                choices = choices.remove(fqn);
            }
            try (StateStore store = root().open()) {
                StateScope scope = store.scope(target.stack, target.stage);
                List<RepairFinding> findings = scope.surgery().problems();
                if (!root().json) {
                    for (RepairFinding finding : findings) {
                        out().println(finding.problem().name().toLowerCase(Locale.ROOT).replace('_', ' ') + ": "
                                + finding.fqn() + ": " + finding.detail());
                    }
                    out().println(findings.isEmpty() ? "no problems found in " + target.stack + "/" + target.stage
                            : findings.size() + " problems found");
                }
                if (findings.isEmpty() && !root().json && marks.isEmpty() && removes.isEmpty() && renames.isEmpty()) {
                    out().flush();
                    return Statestore.OK; // nothing to plan: the scope is not read a second time
                }
                return show(scope, scope.surgery().repair(choices), yes, findings);
            }
        }
    }

    @Command(name = "quarantine", description = "Lists the records repair quarantined (their bytes did not parse), "
            + "with where they were; --json gives each one's bytes exactly as stored.")
    static final class Quarantine extends ListCommands.Base {
        @Mixin
        ScopeArguments target;

        @Override
        public Integer call() {
            try (StateStore store = root().open()) {
                List<QuarantinedRecord> quarantined = store.scope(target.stack, target.stage).surgery().quarantined();
                if (root().json) {
                    ArrayNode array = Output.array();
                    for (QuarantinedRecord q : quarantined) {
                        ObjectNode node = array.addObject();
                        node.put("fqn", q.fqn());
                        node.put("version", q.version());
                        node.put("location", q.location());
                        node.put("at", q.at().toString());
                        node.put("deployment", q.deployment());
                        node.put("bytes", q.bytes());
                    }
                    Output.json(out(), array);
                    return Statestore.OK;
                }
                List<List<String>> rows = new ArrayList<>();
                quarantined.forEach(q -> rows.add(List.of(q.fqn(), Long.toString(q.version()), q.at().toString(),
                        Long.toString(q.deployment()), q.location(), q.bytes().length() + " chars")));
                Output.table(out(), List.of("FQN", "VERSION", "AT", "DEPLOYMENT", "WAS AT", "BYTES"), rows);
                if (quarantined.isEmpty()) {
                    out().println("nothing quarantined in " + target.stack + "/" + target.stage);
                }
                out().flush();
            }
            return Statestore.OK;
        }
    }

    private static ResourceStatus status(String name) {
        return ResourceStatus.fromWireName(name.toLowerCase(Locale.ROOT)).orElseThrow(() -> new Statestore.CommandFailure(
                Statestore.USAGE, "no status '" + name + "' (one of: " + String.join(", ",
                        java.util.Arrays.stream(ResourceStatus.values()).map(ResourceStatus::wireName).toList()) + ")"));
    }

    /** The plan for people: {@code +} create, {@code ~} update with its fields, {@code -} delete, {@code !} quarantine. */
    static void printPlan(PrintWriter out, SurgeryPlan plan, boolean applying, HistoryCommands.Colors colors) {
        out.println("# " + plan.operation() + " in " + plan.scope().stack() + "/" + plan.scope().stage() + ": "
                + (plan.isEmpty() ? "nothing to change" : plan.steps().size() + " writes"
                        + (applying ? "" : " (dry run: nothing written; --yes applies them)")));
        for (SurgeryStep step : plan.steps()) {
            String where = step.scope().id().equals(plan.scope()) ? ""
                    : " in " + step.scope().id().stack() + "/" + step.scope().id().stage();
            String version = step.action() == SurgeryStep.Action.CREATE ? "" : ", version " + step.expectedVersion();
            String line = step.fqn() + where + " (" + step.action().name().toLowerCase(Locale.ROOT) + version + "): "
                    + step.reason();
            switch (step.action()) {
                case CREATE -> out.println(colors.added() + "+ " + line + colors.reset());
                case DELETE -> out.println(colors.removed() + "- " + line + colors.reset());
                case QUARANTINE -> out.println(colors.removed() + "! " + line + colors.reset());
                case UPDATE -> {
                    out.println(colors.changed() + "~ " + line + colors.reset());
                    for (StateDiff.FieldChange field : step.fields()) {
                        out.println("    " + (field.path().isEmpty() ? "/" : field.path()) + ": " + (field.secret()
                                ? "(secret changed)" : HistoryCommands.value(field.before()) + " -> "
                                        + HistoryCommands.value(field.after())));
                    }
                }
                default -> throw new IllegalStateException(step.action().name());
            }
        }
        plan.notes().forEach(note -> out.println("note: " + note));
    }

    static ObjectNode planJson(SurgeryPlan plan, @Nullable SurgeryResult result) {
        ObjectNode node = Output.object();
        node.put("stack", plan.scope().stack());
        node.put("stage", plan.scope().stage());
        node.put("operation", plan.operation());
        ArrayNode steps = node.putArray("steps");
        for (SurgeryStep step : plan.steps()) {
            ObjectNode s = steps.addObject();
            s.put("stack", step.scope().id().stack());
            s.put("stage", step.scope().id().stage());
            s.put("fqn", step.fqn());
            s.put("action", step.action().name().toLowerCase(Locale.ROOT));
            s.put("expectedVersion", step.expectedVersion());
            s.put("reason", step.reason());
            s.set("fields", HistoryJson.fieldChanges(step.fields()));
        }
        node.set("notes", Output.strings(plan.notes()));
        node.put("applied", result != null);
        ArrayNode deployments = node.putArray("deployments");
        if (result != null) {
            result.deployments().forEach(deployments::add);
        }
        return node;
    }
}
