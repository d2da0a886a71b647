package dev.statestore;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One problem {@link Surgery#problems()} found in a scope.
 *
 * @param problem what kind
 * @param fqn the record it is in
 * @param location where the document is stored, for a stray one ({@link Problem#MISPLACED},
 *     {@link Problem#UNWRITABLE_NAME}); otherwise null
 * @param detail what exactly, and what {@link Surgery#repair} would do about it, for people
 */
public record RepairFinding(Problem problem, String fqn, @Nullable String location, String detail) {

    /** The kinds of problem a deploy trips over. */
    public enum Problem {
        /** A {@code downstream} entry names a record that does not exist. */
        DANGLING_DOWNSTREAM,
        /** A {@code replaced} or {@code replacing} record holds no previous generation under {@code old}. */
        EMPTY_REPLACEMENT,
        /** A record left in progress ({@code creating}, {@code updating}, ...) with no deployment live. */
        STUCK,
        /** The stored bytes are not a valid record. */
        CORRUPT,
        /**
         * A document stored where no read of its record looks (a file store's file under another name than its
         * record's, or a second copy): moved into its record's place if the record has none, else quarantined.
         */
        MISPLACED,
        /** A record stored under a name this suite reads but never writes ({@code /lead}): renamed or removed, as chosen. */
        UNWRITABLE_NAME
    }

    public RepairFinding {
        Objects.requireNonNull(problem, "problem");
        Objects.requireNonNull(fqn, "fqn");
        Objects.requireNonNull(detail, "detail");
    }
}
