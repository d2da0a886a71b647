package dev.statestore;

import java.time.Instant;

/**
 * The public description of a deploy-lock lease: who holds it, its fencing token and its lease
 * times. It never carries the lease's id, which only the holder knows (see {@link LockLease}).
 *
 * @param fencingToken grows on every acquisition of the scope's lock and never repeats, so a
 *     downstream system can refuse a write stamped with an older token
 */
public record LockInfo(String owner, long fencingToken, Instant acquiredAt, Instant expiresAt) {

    /** Whether the lease has run out at {@code now}: an expired lease can be taken by anyone. */
    public boolean isExpiredAt(Instant now) {
        return !now.isBefore(expiresAt);
    }

    @Override
    public String toString() {
        return "'" + owner + "' (token " + fencingToken + ", expires " + expiresAt + ")";
    }
}
