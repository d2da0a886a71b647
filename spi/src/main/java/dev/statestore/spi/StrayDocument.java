package dev.statestore.spi;

import java.util.Objects;

/**
 * A document a backend holds in a scope's storage where no read of its record finds it, or under a name this suite
 * never writes: a file store's file whose name is not its record's, the second file of one record, a record another
 * tool stored as {@code /lead}. {@link dev.statestore.Surgery#repair} moves it aside (to the scope's quarantine, bytes
 * intact) or into its record's place; {@link StoreBackend#removeStray} removes it by its location.
 *
 * @param location where it is (for the file store, its path)
 * @param fqn the record it holds
 * @param json its stored bytes, as text
 * @param problem what is wrong with it, for people
 * @param listed whether reads and listings return it as the record {@code fqn} (a name this suite reads and lists but
 *     never writes or deletes by name); otherwise no read returns it
 */
public record StrayDocument(String location, String fqn, String json, String problem, boolean listed) {

    public StrayDocument {
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(fqn, "fqn");
        Objects.requireNonNull(json, "json");
        Objects.requireNonNull(problem, "problem");
    }
}
