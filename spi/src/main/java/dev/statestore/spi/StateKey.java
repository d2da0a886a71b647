package dev.statestore.spi;

import dev.statestore.StateNames;

/**
 * What a backend stores within a scope: a record at an fqn, or the scope's stack output. Kept apart
 * by type rather than by a reserved name, since every string that could serve as one is a valid fqn.
 */
public sealed interface StateKey {

    /** How the key reads in messages: the fqn, or {@code "stack output"}. */
    String describe();

    static Record record(String fqn) {
        return new Record(fqn);
    }

    static Output output() {
        return Output.INSTANCE;
    }

    /**
     * The record at a readable fqn ({@link StateNames#requireReadableFqn}): one another tool wrote may be read,
     * listed and deleted with its scope; the shared layer lets only valid fqns reach a write.
     */
    record Record(String fqn) implements StateKey {
        public Record {
            StateNames.requireReadableFqn(fqn);
        }

        @Override
        public String describe() {
            return fqn;
        }
    }

    /** The stack output of the scope. */
    final class Output implements StateKey {
        private static final Output INSTANCE = new Output();

        private Output() {}

        @Override
        public String describe() {
            return "stack output";
        }

        @Override
        public String toString() {
            return "Output";
        }
    }
}
