package dev.statestore.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.DeploymentEvent;
import dev.statestore.DeploymentNotFoundException;
import dev.statestore.DeploymentRecord;
import dev.statestore.Deployments;
import dev.statestore.StateStore;
import dev.statestore.spi.DeploymentJson;
import dev.statestore.spi.StateJson;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code deployments} and {@code deployment}: the journal of every deploy of a stack and stage. */
final class DeploymentCommands {

    private DeploymentCommands() {}

    static final List<String> HEADER = List.of("VERSION", "COMMAND", "WHO", "STARTED", "DURATION", "OUTCOME", "COUNTS");

    @Command(name = "deployments", description = "Lists the deployments of a stack and stage, newest first: who ran "
            + "what, when, for how long, and how it ended.")
    static final class ListDeployments extends ListCommands.Base {
        @Mixin
        ScopeArguments target;

        @Option(names = "--limit", paramLabel = "N", defaultValue = "50", description = "at most N (default 50)")
        int limit;

        @Option(names = "--before", paramLabel = "VERSION", description = "only versions below VERSION (the next page)")
        Long before;

        @Override
        public Integer call() {
            try (StateStore store = root().open()) {
                List<DeploymentRecord> records = store.scope(target.stack, target.stage).deployments()
                        .list(before, Math.max(1, Math.min(limit, Deployments.MAX_LIST)));
                if (root().json) {
                    ArrayNode array = Output.array();
                    records.forEach(r -> array.add(DeploymentJson.record(r)));
                    Output.json(out(), array);
                } else {
                    Instant now = Instant.now();
                    Output.table(out(), HEADER, records.stream().map(r -> row(r, now)).collect(Collectors.toList()));
                    if (records.isEmpty()) {
                        out().println("no deployments of " + target.stack + "/" + target.stage
                                + (before == null ? "" : " before version " + before));
                    }
                    out().flush();
                }
            }
            return Statestore.OK;
        }
    }

    @Command(name = "deployment", description = "Shows one deployment: its record and its journal of events.")
    static final class Show extends ListCommands.Base {
        @Mixin
        ScopeArguments target;

        @Parameters(index = "2", paramLabel = "VERSION")
        long version;

        @Option(names = "--from-seq", paramLabel = "SEQ", defaultValue = "1", description = "events from SEQ on")
        long fromSeq;

        @Override
        public Integer call() {
            try (StateStore store = root().open()) {
                Deployments deployments = store.scope(target.stack, target.stage).deployments();
                DeploymentRecord record = deployments.get(version).orElseThrow(() -> new Statestore.CommandFailure(
                        Statestore.NOT_FOUND, "no deployment " + version + " of " + target.stack + "/" + target.stage));
                List<DeploymentEvent> events;
                try {
                    events = record.journalPruned() ? List.of() : deployments.readEvents(version, fromSeq);
                } catch (DeploymentNotFoundException e) {
                    events = List.of();
                }
                if (root().json) {
                    ObjectNode node = Output.object();
                    node.set("deployment", DeploymentJson.record(record));
                    node.set("events", DeploymentJson.events(events));
                    Output.json(out(), node);
                } else {
                    out().println("# " + target.stack + "/" + target.stage + " deployment " + version);
                    Output.table(out(), HEADER, List.of(row(record, Instant.now())));
                    if (record.meta().toolVersion() != null || record.meta().gitCommit() != null) {
                        out().println("tool " + orDash(record.meta().toolVersion()) + ", commit "
                                + orDash(record.meta().gitCommit()));
                    }
                    if (record.summary() != null && record.summary().error() != null) {
                        out().println("error: " + record.summary().error());
                    }
                    out().println();
                    if (record.journalPruned()) {
                        out().println("its journal was pruned (retention); the record stays");
                    } else {
                        List<List<String>> rows = new ArrayList<>();
                        for (DeploymentEvent e : events) {
                            rows.add(List.of(Long.toString(e.seq()), e.ts().toString(), orDash(e.fqn()),
                                    StateJson.compact(e.payload())));
                        }
                        Output.table(out(), List.of("SEQ", "AT", "FQN", "PAYLOAD"), rows);
                        out().println(events.size() + " events");
                    }
                    out().flush();
                }
            }
            return Statestore.OK;
        }
    }

    static List<String> row(DeploymentRecord r, Instant now) {
        String who = r.meta().initiator() == null ? "-" : r.meta().initiator().describe()
                + (r.meta().initiator().pid() == null ? "" : " (pid " + r.meta().initiator().pid() + ")");
        Duration took = Duration.between(r.startedAt(), r.endedAt() == null ? now : r.endedAt());
        String outcome = r.outcome() != null ? r.outcome().wireName()
                : r.expiresAt().map(now::isBefore).orElse(true) ? "open" : "open (heartbeat lapsed)";
        String counts = r.summary() == null || r.summary().counts().isEmpty() ? "-" : r.summary().counts().entrySet()
                .stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
        return List.of(Long.toString(r.version()), r.meta().command(), who, r.startedAt().toString(),
                duration(took) + (r.isOpen() ? "+" : ""), outcome, counts);
    }

    static String duration(Duration d) {
        long seconds = d.toSeconds();
        if (seconds < 60) {
            return String.format("%.1fs", d.toMillis() / 1000.0);
        }
        return seconds < 3600 ? (seconds / 60) + "m" + (seconds % 60) + "s" : (seconds / 3600) + "h" + (seconds % 3600 / 60) + "m";
    }

    private static String orDash(String value) {
        return value == null ? "-" : value;
    }
}
