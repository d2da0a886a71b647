package dev.statestore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One entry of a deployment's journal. The engine numbers them ({@code seq}, from 1) and stamps them when they
 * happen; the store keeps the payload, any JSON value, exactly as given.
 *
 * @param seq the engine's sequence number, at least 1: the journal keeps one event per number
 * @param ts when the event happened (millisecond precision)
 * @param fqn the resource the event is about, or null for one about the whole deployment
 * @param payload the event itself, copied in and out
 */
public record DeploymentEvent(long seq, Instant ts, @Nullable String fqn, JsonNode payload) {

    public DeploymentEvent {
        if (seq < 1) {
            throw new InvalidStateException("an event's seq is at least 1, was " + seq);
        }
        Objects.requireNonNull(ts, "ts");
        payload = payload == null ? NullNode.getInstance() : payload.deepCopy();
    }

    @Override
    public JsonNode payload() {
        return payload.deepCopy();
    }
}
