package dev.statestore.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.statestore.ResourceState;
import dev.statestore.ScopeSnapshot;
import dev.statestore.StackOutput;
import dev.statestore.StateDiff;
import dev.statestore.StateNames;
import dev.statestore.Versioned;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/** Internal: the structural diff of two snapshots of a scope, field by field, with tagged secrets left out. */
public final class JsonDiff {

    private JsonDiff() {}

    static StateDiff between(ScopeSnapshot before, ScopeSnapshot after, long from, @Nullable Long to) {
        TreeSet<String> fqns = new TreeSet<>(StateNames.ORDER);
        fqns.addAll(before.records().keySet());
        fqns.addAll(after.records().keySet());
        List<StateDiff.Entry> records = new ArrayList<>();
        for (String fqn : fqns) {
            Versioned<ResourceState> a = before.records().get(fqn);
            Versioned<ResourceState> b = after.records().get(fqn);
            entry(fqn, a == null ? null : a.value().toJsonNode(), b == null ? null : b.value().toJsonNode())
                    .ifPresent(records::add);
        }
        StateDiff.Entry output = entry(null, value(before.output()), value(after.output())).orElse(null);
        return new StateDiff(before.scope(), from, to, records, output);
    }

    private static @Nullable JsonNode value(@Nullable Versioned<StackOutput> output) {
        return output == null ? null : output.value().value();
    }

    private static java.util.Optional<StateDiff.Entry> entry(@Nullable String fqn, @Nullable JsonNode a,
            @Nullable JsonNode b) {
        if (a == null && b == null) {
            return java.util.Optional.empty();
        }
        if (a == null) {
            return java.util.Optional.of(new StateDiff.Entry(fqn, StateDiff.Kind.ADDED, List.of()));
        }
        if (b == null) {
            return java.util.Optional.of(new StateDiff.Entry(fqn, StateDiff.Kind.REMOVED, List.of()));
        }
        List<StateDiff.FieldChange> fields = new ArrayList<>();
        compare("", a, b, fields);
        return fields.isEmpty() ? java.util.Optional.empty()
                : java.util.Optional.of(new StateDiff.Entry(fqn, StateDiff.Kind.CHANGED, fields));
    }

    /** Adds the differences under {@code path} of two present values. */
    public static void compare(String path, JsonNode a, JsonNode b, List<StateDiff.FieldChange> out) {
        if (Secrets.isSecret(a) || Secrets.isSecret(b)) {
            if (!a.equals(b)) {
                out.add(new StateDiff.FieldChange(path, null, null, true));
            }
            return;
        }
        if (a.isObject() && b.isObject()) {
            Set<String> names = new LinkedHashSet<>();
            a.fieldNames().forEachRemaining(names::add);
            b.fieldNames().forEachRemaining(names::add);
            for (String name : names) {
                String at = path + "/" + escape(name);
                JsonNode x = a.get(name);
                JsonNode y = b.get(name);
                if (x == null) {
                    out.add(added(at, y));
                } else if (y == null) {
                    out.add(removed(at, x));
                } else {
                    compare(at, x, y, out);
                }
            }
        } else if (a.isArray() && b.isArray()) {
            int shared = Math.min(a.size(), b.size());
            for (int i = 0; i < shared; i++) {
                compare(path + "/" + i, a.get(i), b.get(i), out);
            }
            for (int i = shared; i < b.size(); i++) {
                out.add(added(path + "/" + i, b.get(i)));
            }
            for (int i = shared; i < a.size(); i++) {
                out.add(removed(path + "/" + i, a.get(i)));
            }
        } else if (!a.equals(b)) {
            out.add(new StateDiff.FieldChange(path, a, b, false));
        }
    }

    private static StateDiff.FieldChange added(String path, JsonNode value) {
        return Secrets.containsSecret(value) ? new StateDiff.FieldChange(path, null, null, true)
                : new StateDiff.FieldChange(path, null, value, false);
    }

    private static StateDiff.FieldChange removed(String path, JsonNode value) {
        return Secrets.containsSecret(value) ? new StateDiff.FieldChange(path, null, null, true)
                : new StateDiff.FieldChange(path, value, null, false);
    }


    /** A JSON Pointer reference token (RFC 6901). */
    private static String escape(String name) {
        return name.replace("~", "~0").replace("/", "~1");
    }
}
