package dev.statestore;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One write of a {@link SurgeryPlan}.
 *
 * @param scope the scope written, through which {@link Surgery#apply} makes the write (another store's, for a move
 *     between stores)
 * @param fqn the record written
 * @param action what is done to it
 * @param expectedVersion the version the write is conditional on: the one read when planning (0 for a create)
 * @param before the record as read (null for a create, and for a quarantine: it is not a valid record)
 * @param after the record written (null for a delete or a quarantine)
 * @param fields for an update, each field that changes, secrets' values hidden
 * @param location for the quarantine of a stray document, where it is stored (see
 *     {@link RepairFinding.Problem#MISPLACED}); otherwise null
 * @param reason why, for people
 */
public record SurgeryStep(StateScope scope, String fqn, Action action, long expectedVersion,
        @Nullable ResourceState before, @Nullable ResourceState after, List<StateDiff.FieldChange> fields,
        @Nullable String location, String reason) {

    /** What a step does to its record. */
    public enum Action {
        /** Writes a record that must not exist. */
        CREATE,
        /** Replaces the record at {@code expectedVersion}. */
        UPDATE,
        /** Forgets the record at {@code expectedVersion}. */
        DELETE,
        /**
         * Moves stored bytes to the scope's quarantine: the record at {@code expectedVersion}, whose bytes are not a
         * valid record, or the stray document at {@code location} (if its bytes are unchanged).
         */
        QUARANTINE
    }

    public SurgeryStep {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(fqn, "fqn");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(reason, "reason");
        fields = List.copyOf(fields);
    }
}
