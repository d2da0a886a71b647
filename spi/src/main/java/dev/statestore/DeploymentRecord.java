package dev.statestore;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The lifecycle record of one deployment of a scope, as every reader sees it: it never carries the deployment's
 * token. Open while {@link #outcome()} is null.
 *
 * @param version the deployment's number in its scope: 1, 2, 3, ..., never reused
 * @param startedAt when {@code begin} opened it
 * @param heartbeatAt its last heartbeat (or its start)
 * @param endedAt when it closed, null while open
 * @param outcome how it closed, null while open
 * @param summary what its engine reported at the end, if anything
 * @param ttl the lease it declared at {@code begin} (renewed by each heartbeat), null for one begun by a client
 *     that declares none (Alchemy's)
 * @param lastSeq the highest {@code seq} in its journal, 0 if none
 * @param journalPruned whether its journal was removed by retention (the record stays)
 */
public record DeploymentRecord(ScopeId scope, long version, DeploymentMeta meta, Instant startedAt, Instant heartbeatAt,
        @Nullable Instant endedAt, @Nullable DeploymentOutcome outcome, @Nullable DeploymentSummary summary,
        @Nullable Duration ttl, long lastSeq, boolean journalPruned) {

    public DeploymentRecord {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(meta, "meta");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(heartbeatAt, "heartbeatAt");
        if ((endedAt == null) != (outcome == null)) {
            throw new IllegalArgumentException("a closed deployment has both endedAt and outcome");
        }
    }

    public boolean isOpen() {
        return outcome == null;
    }

    /** When its lease runs out unless it heartbeats: empty if it is closed or declared no lease. */
    public Optional<Instant> expiresAt() {
        return isOpen() && ttl != null ? Optional.of(heartbeatAt.plus(ttl)) : Optional.empty();
    }

    /**
     * Whether it is open and its lease has not run out at {@code now}: by its own ttl, or, for one that declares none
     * (Alchemy's), {@link Deployments#DEFAULT_TTL} since its last heartbeat. An open deployment that is not live
     * crashed or lost its lease: the next begin may take it over.
     */
    public boolean isLive(Instant now) {
        return isOpen() && expiresAt().map(now::isBefore)
                .orElse(Duration.between(heartbeatAt, now).compareTo(Deployments.DEFAULT_TTL) < 0);
    }

    /** The deploy lock this open deployment holds, as {@link StateScope#lockInfo()} describes it. */
    public LockInfo lockInfo() {
        String owner = meta.initiator() == null ? "unknown" : meta.initiator().describe();
        return new LockInfo(owner, version, startedAt, expiresAt().orElse(heartbeatAt));
    }
}
