package dev.statestore.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.Versioned;
import dev.statestore.spi.StateJson;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** The read-only commands: stacks, stages, ls, show, pending. */
final class ListCommands {

    private ListCommands() {}

    /** What every command of this file shares: the root's options and the output stream. */
    abstract static class Base implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        /** The top command, which holds the global options (given before or after the subcommand). */
        Statestore root() {
            return (Statestore) spec.root().userObject();
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }
    }

    /** Lists a scope's records, failing with "not found" if the scope holds nothing. */
    static List<Versioned<ResourceState>> records(StateStore store, String stack, String stage, Set<ResourceStatus> statuses) {
        StateScope scope = store.scope(stack, stage);
        List<Versioned<ResourceState>> records = statuses == null ? scope.listAll() : scope.listByStatus(statuses);
        if (records.isEmpty() && !store.stages(stack).contains(stage)) {
            List<String> stages = store.stages(stack);
            throw new Statestore.CommandFailure(Statestore.NOT_FOUND, "no stack '" + stack + "' stage '" + stage + "' in "
                    + store.describe() + (stages.isEmpty() ? " (stacks: " + String.join(", ", store.stacks()) + ")"
                            : " (stages of " + stack + ": " + String.join(", ", stages) + ")"));
        }
        return records;
    }

    static void print(Statestore root, PrintWriter out, List<Versioned<ResourceState>> records) {
        if (root.json) {
            ArrayNode array = Output.array();
            records.forEach(v -> array.add(Output.record(v)));
            Output.json(out, array);
        } else {
            Output.table(out, Output.RECORD_HEADER, records.stream().map(Output::row).collect(Collectors.toList()));
            Output.readOnlyNote(records).ifPresent(out::println);
            out.flush();
        }
    }

    @Command(name = "stacks", description = "Lists the stacks that hold state.")
    static final class Stacks extends Base {
        @Override
        public Integer call() {
            try (StateStore store = root().open()) {
                List<String> stacks = store.stacks();
                if (root().json) {
                    ArrayNode array = Output.array();
                    for (String stack : stacks) {
                        ObjectNode node = Output.object();
                        node.put("stack", stack);
                        node.set("stages", Output.strings(store.stages(stack)));
                        array.add(node);
                    }
                    Output.json(out(), array);
                } else {
                    List<List<String>> rows = new ArrayList<>();
                    for (String stack : stacks) {
                        rows.add(List.of(stack, String.join(", ", store.stages(stack))));
                    }
                    Output.table(out(), List.of("STACK", "STAGES"), rows);
                }
            }
            return Statestore.OK;
        }
    }

    @Command(name = "stages", description = "Lists the stages of a stack.")
    static final class Stages extends Base {
        @Parameters(index = "0", paramLabel = "STACK")
        String stack;

        @Override
        public Integer call() {
            try (StateStore store = root().open()) {
                List<String> stages = store.stages(stack);
                if (stages.isEmpty()) {
                    List<String> stacks = store.stacks();
                    throw new Statestore.CommandFailure(Statestore.NOT_FOUND, "the stack '" + stack + "' has no stages in "
                            + store.describe() + (stacks.isEmpty() ? ": the store holds no state"
                                    : " (stacks: " + String.join(", ", stacks) + ")"));
                }
                if (root().json) {
                    Output.json(out(), Output.strings(stages));
                } else {
                    Output.table(out(), List.of("STAGE"), stages.stream().map(List::of).collect(Collectors.toList()));
                }
                return Statestore.OK;
            }
        }
    }

    @Command(name = "ls", description = "Lists the records of a stack and stage, in fqn order.")
    static final class Ls extends Base {
        @Mixin
        ScopeArguments target;

        /** Every status, as the help and the error for an unknown one list them (a test keeps it whole). */
        static final String STATUSES = "creating, created, updating, updated, deleting, replacing, replaced, running, ran";

        @Option(names = "--status", split = ",", paramLabel = "STATUS",
                description = "only records in these statuses, comma-separated: " + STATUSES)
        List<String> statuses;

        @Override
        public Integer call() {
            Set<ResourceStatus> filter = null;
            if (statuses != null) {
                filter = EnumSet.noneOf(ResourceStatus.class);
                for (String s : statuses) {
                    filter.add(ResourceStatus.fromWireName(s).orElseThrow(() -> new picocli.CommandLine.ParameterException(
                            spec.commandLine(), "unknown status '" + s + "'; statuses: " + STATUSES)));
                }
            }
            try (StateStore store = root().open()) {
                print(root(), out(), records(store, target.stack, target.stage, filter));
            }
            return Statestore.OK;
        }
    }

    @Command(name = "pending", description = "Lists the records a crashed deploy left in an intermediate status.")
    static final class Pending extends Base {
        @Mixin
        ScopeArguments target;

        @Override
        public Integer call() {
            try (StateStore store = root().open()) {
                List<Versioned<ResourceState>> pending = records(store, target.stack, target.stage, ResourceStatus.intermediate());
                print(root(), out(), pending);
                if (!root().json && pending.isEmpty()) {
                    out().println("nothing pending: the last deploy of " + target.stack + "/" + target.stage + " finished");
                    out().flush();
                }
            }
            return Statestore.OK;
        }
    }

    @Command(name = "show", description = "Shows one record: its version and its whole document.")
    static final class Show extends Base {
        @Mixin
        ScopeArguments target;

        @Parameters(index = "2", paramLabel = "FQN")
        String fqn;

        @Override
        public Integer call() {
            try (StateStore store = root().open()) {
                Versioned<ResourceState> v = store.scope(target.stack, target.stage).require(fqn);
                if (root().json) {
                    Output.json(out(), Output.record(v));
                } else {
                    ObjectNode doc = v.value().toJsonNode();
                    out().println("# " + target.stack + "/" + target.stage + " " + fqn + "  version " + v.version() + ", updated "
                            + v.updatedAt());
                    out().println(StateJson.pretty(doc));
                    out().flush();
                }
            }
            return Statestore.OK;
        }
    }
}
