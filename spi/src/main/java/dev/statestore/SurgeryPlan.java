package dev.statestore;

import java.util.List;
import java.util.Objects;

/**
 * What a {@link Surgery} operation would change, computed from the scope as it was read, with nothing written yet.
 *
 * @param scope the scope the operation was planned in
 * @param operation what it does ({@code remove}, {@code rename}, {@code move}, {@code mark}, {@code edit},
 *     {@code set}, {@code repair})
 * @param steps the writes, in the order {@link Surgery#apply} makes them
 * @param notes what the operator should know and the plan does not do (a record left as it is, a field to check)
 */
public record SurgeryPlan(ScopeId scope, String operation, List<SurgeryStep> steps, List<String> notes) {

    public SurgeryPlan {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(operation, "operation");
        steps = List.copyOf(steps);
        notes = List.copyOf(notes);
    }

    /** Whether there is nothing to write. */
    public boolean isEmpty() {
        return steps.isEmpty();
    }
}
