package dev.statestore;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What the operator chose for the findings {@link Surgery#repair} does not fix on its own: a record stuck in progress
 * is marked with a status or removed; a record under a name this suite never writes is renamed or removed.
 *
 * @param mark stuck records to set to a status, by fqn
 * @param remove stuck records, or records under names this suite never writes, to forget
 * @param rename records under names this suite never writes, to move to a valid name, by fqn
 */
public record RepairChoices(Map<String, ResourceStatus> mark, Set<String> remove, Map<String, String> rename) {

    public RepairChoices {
        mark = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(mark));
        remove = java.util.Collections.unmodifiableSet(new LinkedHashSet<>(remove));
        rename = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(rename));
    }

    /** No choices: repair fixes only what it fixes on its own. */
    public static RepairChoices none() {
        return new RepairChoices(Map.of(), Set.of(), Map.of());
    }

    /** These choices, and {@code fqn} set to {@code status}. */
    public RepairChoices mark(String fqn, ResourceStatus status) {
        Map<String, ResourceStatus> next = new LinkedHashMap<>(mark);
        next.put(Objects.requireNonNull(fqn, "fqn"), Objects.requireNonNull(status, "status"));
        return new RepairChoices(next, remove, rename);
    }

    /** These choices, and {@code fqn} forgotten. */
    public RepairChoices remove(String fqn) {
        Set<String> next = new LinkedHashSet<>(remove);
        next.add(Objects.requireNonNull(fqn, "fqn"));
        return new RepairChoices(mark, next, rename);
    }

    /** These choices, and {@code fqn} renamed to {@code newFqn}. */
    public RepairChoices rename(String fqn, String newFqn) {
        Map<String, String> next = new LinkedHashMap<>(rename);
        next.put(Objects.requireNonNull(fqn, "fqn"), Objects.requireNonNull(newFqn, "newFqn"));
        return new RepairChoices(mark, remove, next);
    }
}
