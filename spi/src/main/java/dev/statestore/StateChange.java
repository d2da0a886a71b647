package dev.statestore;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One change of a scope as its history keeps it: the write that made {@code version} of a record (or of the stack
 * output), or the deletion of {@code version}.
 *
 * @param fqn the record's fqn, null for the stack output
 * @param version the version the write made (the version it replaced is the one before it, or none for version 1
 *     and a write after a deletion), or for a deletion the version it deleted
 * @param record what the write stored, for a record; null for a deletion and for the stack output
 * @param output what the write stored, for the stack output; null otherwise
 * @param at when the change was made (for a write, the record's {@code updatedAt})
 * @param deployment the deployment whose fenced write it was ({@link StateScope#fenced}), 0 for an unfenced write
 *     (an operator's, or Alchemy's released engine writing through a server)
 * @param initiator who started that deployment, if known
 */
public record StateChange(@Nullable String fqn, long version, @Nullable ResourceState record,
        @Nullable StackOutput output, Instant at, long deployment, DeploymentMeta.@Nullable Initiator initiator) {

    public StateChange {
        Objects.requireNonNull(at, "at");
    }

    public boolean isDeletion() {
        return record == null && output == null;
    }

    public boolean isOutput() {
        return fqn == null;
    }

    /** What the change applies to, for people: the fqn or {@code stack output}. */
    public String subject() {
        return fqn == null ? "stack output" : fqn;
    }
}
