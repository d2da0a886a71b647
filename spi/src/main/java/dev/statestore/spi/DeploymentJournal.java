package dev.statestore.spi;

import dev.statestore.DeploymentEvent;
import dev.statestore.DeploymentLease;
import dev.statestore.DeploymentMeta;
import dev.statestore.DeploymentOutcome;
import dev.statestore.DeploymentRecord;
import dev.statestore.DeploymentSummary;
import dev.statestore.LockInfo;
import dev.statestore.LockLease;
import dev.statestore.ScopeId;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The deployments and deploy locks of a backend's scopes: the operations of {@link dev.statestore.Deployments} and
 * the lock methods of {@link dev.statestore.StateScope}, once the shared layer has checked their arguments. A
 * backend does not write these: it supplies a {@link ControlStore} and the shared layer uses
 * {@link #overControlDocuments}, the one implementation every store shares. Only a backend whose deployments run
 * elsewhere (a server's) implements this interface.
 *
 * <p>The deploy lock is the open deployment: {@code acquireLock} begins one (command {@code deploy}, the owner as
 * its initiator), its token is the lock id and its version the fencing token. Unlike a {@code begin}, which judges
 * an open deployment stale by its own ttl (Alchemy's rule), {@code acquireLock} respects the lease the holder
 * declared, and the lock methods refuse a lease that has run out with {@link dev.statestore.LockConflictException}.
 */
public interface DeploymentJournal {

    DeploymentLease begin(ScopeId scope, DeploymentMeta meta, Duration ttl, @Nullable Long supersede);

    long appendEvents(ScopeId scope, long version, String token, List<DeploymentEvent> events);

    void heartbeat(ScopeId scope, long version, String token);

    void end(ScopeId scope, long version, String token, DeploymentOutcome outcome, @Nullable DeploymentSummary summary);

    List<DeploymentRecord> list(ScopeId scope, @Nullable Long before, int limit);

    Optional<DeploymentRecord> get(ScopeId scope, long version);

    List<DeploymentEvent> readEvents(ScopeId scope, long version, long fromSeq);

    /**
     * Removes the journals of the closed deployments of {@code scope} older than its newest {@code keep}; their
     * records stay, marked {@link DeploymentRecord#journalPruned()}. Never touches an open deployment. The default
     * does nothing: a backend whose deployments run elsewhere (a server's) is pruned there.
     */
    default void pruneJournals(ScopeId scope, int keep) {}

    LockLease acquireLock(ScopeId scope, String owner, Duration ttl);

    LockLease renewLock(ScopeId scope, String lockId, Duration ttl);

    void releaseLock(ScopeId scope, String lockId);

    Optional<LockInfo> lockInfo(ScopeId scope);

    boolean forceReleaseLock(ScopeId scope);

    /**
     * The shared implementation over a backend's control documents: a hint of the last version ({@code head}), one
     * document per deployment ({@code deployment/N}, created if absent: the atomic claim of a version), and the
     * journal in immutable chunks ({@code events/N/...}) that the deployment's document lists once they are written.
     */
    static DeploymentJournal overControlDocuments(ControlStore store) {
        return new ControlJournal(store);
    }

    /**
     * The names of every control document the deployments of {@code scope} use, read through {@code store}: for a
     * tool that rewrites them all (re-sealing under a new key).
     */
    static List<String> controlDocumentNames(ControlStore store, ScopeId scope) {
        return new ControlJournal(store).documentNames(scope);
    }
}
