package dev.statestore;

import java.util.Objects;

/**
 * One problem {@link Surgery#problems()} found in a scope.
 *
 * @param problem what kind
 * @param fqn the record it is in
 * @param detail what exactly, and what {@link Surgery#repair} would do about it, for people
 */
public record RepairFinding(Problem problem, String fqn, String detail) {

    /** The kinds of problem a deploy trips over. */
    public enum Problem {
        /** A {@code downstream} entry names a record that does not exist. */
        DANGLING_DOWNSTREAM,
        /** A {@code replaced} or {@code replacing} record holds no previous generation under {@code old}. */
        EMPTY_REPLACEMENT,
        /** A record left in progress ({@code creating}, {@code updating}, ...) with no deployment live. */
        STUCK,
        /** The stored bytes are not a valid record. */
        CORRUPT
    }

    public RepairFinding {
        Objects.requireNonNull(problem, "problem");
        Objects.requireNonNull(fqn, "fqn");
        Objects.requireNonNull(detail, "detail");
    }
}
