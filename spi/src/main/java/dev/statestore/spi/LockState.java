package dev.statestore.spi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.LockConflictException;
import dev.statestore.LockInfo;
import dev.statestore.LockLease;
import dev.statestore.ScopeId;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The deploy lock of a scope as one small document, with its transitions: what a {@link LeaseStore} stores and
 * {@link DeployLocks#overLeases} computes. A released lock keeps its document with {@code lockId} null, so that the
 * fencing token keeps growing.
 *
 * <p>Each transition is a pure function of the current state and the time; the shared implementation makes the
 * read-transition-write one atomic step with the backend's compare-and-set.
 */
public record LockState(@Nullable String lockId, String owner, long fencingToken, Instant acquiredAt, Instant expiresAt) {

    /** Whether a lease holds the lock at {@code now}. */
    public boolean isHeldAt(Instant now) {
        return lockId != null && now.isBefore(expiresAt);
    }

    public LockInfo info() {
        return new LockInfo(owner, fencingToken, acquiredAt, expiresAt);
    }

    /** The info of the lease in force at {@code now}, if any. */
    public static Optional<LockInfo> heldInfo(@Nullable LockState current, Instant now) {
        return current != null && current.isHeldAt(now) ? Optional.of(current.info()) : Optional.empty();
    }

    /** The state after {@code lockId} takes the lock. @throws LockConflictException if it is held */
    public static LockState acquire(
            ScopeId scope, @Nullable LockState current, String lockId, String owner, Duration ttl, Instant now) {
        if (current != null && current.isHeldAt(now)) {
            throw new LockConflictException(scope, "the deploy lock is held", Optional.of(current.info()));
        }
        long token = current == null ? 1 : current.fencingToken + 1;
        return new LockState(lockId, owner, token, now, now.plus(ttl));
    }

    /** The state after {@code lockId} renews. @throws LockConflictException if it is not the lease in force */
    public static LockState renew(ScopeId scope, @Nullable LockState current, String lockId, Duration ttl, Instant now) {
        requireHolder(scope, current, lockId, now, "renew");
        return new LockState(lockId, current.owner, current.fencingToken, current.acquiredAt, now.plus(ttl));
    }

    /** The state after {@code lockId} releases. @throws LockConflictException if it is not the lease in force */
    public static LockState release(ScopeId scope, @Nullable LockState current, String lockId, Instant now) {
        requireHolder(scope, current, lockId, now, "release");
        return current.freed(now);
    }

    /** The same token, no lease. */
    public LockState freed(Instant now) {
        return new LockState(null, owner, fencingToken, acquiredAt, now);
    }

    public LockLease lease(ScopeId scope) {
        return new LockLease(scope, lockId, info());
    }

    private static void requireHolder(ScopeId scope, @Nullable LockState current, String lockId, Instant now, String verb) {
        if (current == null || !current.isHeldAt(now) || !lockId.equals(current.lockId)) {
            throw new LockConflictException(scope, "cannot " + verb + ": that lock id is not the lease in force",
                    heldInfo(current, now));
        }
    }

    public String toJson() {
        ObjectNode node = StateJson.nodes().objectNode();
        if (lockId == null) {
            node.putNull("lockId");
        } else {
            node.put("lockId", lockId);
        }
        node.put("owner", owner);
        node.put("fencingToken", fencingToken);
        node.put("acquiredAt", acquiredAt.toString());
        node.put("expiresAt", expiresAt.toString());
        return StateJson.compact(node);
    }

    /** @throws IllegalArgumentException if {@code json} is not a lock document */
    public static LockState fromJson(String json) {
        try {
            JsonNode n = StateJson.parse(json);
            JsonNode id = n.get("lockId");
            return new LockState(
                    id == null || id.isNull() ? null : id.textValue(),
                    n.get("owner").textValue(),
                    n.get("fencingToken").longValue(),
                    Instant.parse(n.get("acquiredAt").textValue()),
                    Instant.parse(n.get("expiresAt").textValue()));
        } catch (JsonProcessingException | RuntimeException e) {
            throw new IllegalArgumentException("not a lock document: " + StateJson.problem(e), e);
        }
    }
}
