package dev.statestore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.ResourceState;
import dev.statestore.StateNames;
import dev.statestore.Versioned;
import dev.statestore.spi.StateJson;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Tables for people, JSON for scripts. */
final class Output {

    private Output() {}

    static void table(PrintWriter out, List<String> header, List<List<String>> rows) {
        int[] widths = new int[header.size()];
        List<List<String>> all = new ArrayList<>();
        all.add(header);
        all.addAll(rows);
        for (List<String> row : all) {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).codePointCount(0, row.get(i).length()));
            }
        }
        for (List<String> row : all) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                String cell = row.get(i);
                line.append(cell);
                if (i < row.size() - 1) {
                    line.append(" ".repeat(widths[i] - cell.codePointCount(0, cell.length()) + 2));
                }
            }
            out.println(line.toString().stripTrailing());
        }
        out.flush();
    }

    static void json(PrintWriter out, JsonNode node) {
        out.println(StateJson.pretty(node));
        out.flush();
    }

    static ObjectNode object() {
        return StateJson.nodes().objectNode();
    }

    static ArrayNode array() {
        return StateJson.nodes().arrayNode();
    }

    static ArrayNode strings(List<String> values) {
        ArrayNode array = array();
        values.forEach(array::add);
        return array;
    }

    /** One record as {@code ls --json} shows it: metadata, and the document under {@code state}. */
    static ObjectNode record(Versioned<ResourceState> v) {
        ObjectNode node = object();
        node.put("fqn", v.value().fqn());
        StateNames.fqnProblem(v.value().fqn()).ifPresent(problem -> node.put("readOnlyName", problem));
        node.put("version", v.version());
        node.put("updatedAt", v.updatedAt().toString());
        node.set("state", v.value().toJsonNode());
        return node;
    }

    static List<String> row(Versioned<ResourceState> v) {
        ResourceState r = v.value();
        String fqn = StateNames.fqnProblem(r.fqn()).isPresent() ? r.fqn() + " " + READ_ONLY_MARK : r.fqn();
        return List.of(fqn, r.isAction() ? r.actionType().map(t -> "action " + t).orElse("action")
                : r.resourceType().orElse("-"), r.status().wireName(), Long.toString(v.version()),
                v.updatedAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
    }

    /** Marks, in a table, a record whose name this store reads but does not write; {@link #readOnlyNote} says so. */
    static final String READ_ONLY_MARK = "(!)";

    /** The line under a table that marked records {@link #READ_ONLY_MARK}, or empty if none is marked. */
    static Optional<String> readOnlyNote(List<Versioned<ResourceState>> records) {
        long marked = records.stream().filter(v -> StateNames.fqnProblem(v.value().fqn()).isPresent()).count();
        if (marked == 0) {
            return Optional.empty();
        }
        return Optional.of(READ_ONLY_MARK + " " + marked + " record(s) named as this store never writes (another tool "
                + "wrote them): they read as usual, but writes and deletes by that name are refused; rename them with "
                + "the tool that wrote them, or remove their files (statestore doctor names them)");
    }

    static final List<String> RECORD_HEADER = List.of("FQN", "TYPE", "STATUS", "VERSION", "UPDATED");
}
