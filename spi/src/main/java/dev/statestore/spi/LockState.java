package dev.statestore.spi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The deploy lock of a scope as a release before deployments stored it: what {@link ControlStore#legacyLock} reads,
 * once per scope, to turn it into a deployment record. A released lock has {@code lockId} null.
 */
public record LockState(@Nullable String lockId, String owner, long fencingToken, Instant acquiredAt, Instant expiresAt) {

    /** @throws IllegalArgumentException if {@code json} is not a lock document of that release */
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
