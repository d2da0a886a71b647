package dev.statestore;

import java.time.Instant;
import java.util.Objects;

/**
 * A record {@link Surgery#repair} moved aside because its stored bytes were not a valid record.
 *
 * @param fqn the name it was stored under
 * @param version its version then
 * @param location where it was stored (a path, a key, a row)
 * @param bytes the stored document, exactly as it was read
 * @param at when it was moved
 * @param deployment the repair deployment that moved it
 */
public record QuarantinedRecord(String fqn, long version, String location, String bytes, Instant at, long deployment) {

    public QuarantinedRecord {
        Objects.requireNonNull(fqn, "fqn");
        Objects.requireNonNull(location, "location");
        Objects.requireNonNull(bytes, "bytes");
        Objects.requireNonNull(at, "at");
    }
}
