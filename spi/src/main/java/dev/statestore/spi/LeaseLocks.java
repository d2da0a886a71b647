package dev.statestore.spi;

import dev.statestore.LockConflictException;
import dev.statestore.LockInfo;
import dev.statestore.LockLease;
import dev.statestore.ScopeId;
import dev.statestore.StateStoreUnavailableException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/** {@link DeployLocks} over a {@link LeaseStore}: read, compute the next {@link LockState}, compare-and-set. */
final class LeaseLocks implements DeployLocks {

    /** Writers racing for one lease document: each lost race means another one won, so this is never reached in practice. */
    static final int MAX_ATTEMPTS = 64;

    private final LeaseStore store;

    LeaseLocks(LeaseStore store) {
        this.store = store;
    }

    /** The next state from the current one (null if none is stored) at a time; may refuse with LockConflictException. */
    private interface Transition {
        LockState next(LockState current, Instant now);
    }

    private LockState change(ScopeId scope, Transition transition) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Optional<StoredLease> current = store.readLease(scope);
            // Milliseconds: what every backend stores exactly, so that the compare-and-set of a state read back works.
            Instant now = store.leaseTime(scope).truncatedTo(ChronoUnit.MILLIS);
            LockState next = transition.next(current.map(StoredLease::state).orElse(null), now);
            if (store.compareAndSetLease(scope, current, next)) {
                return next;
            }
        }
        throw new StateStoreUnavailableException("gave up changing the deploy lock of " + scope + " after " + MAX_ATTEMPTS
                + " attempts: other writers changed it every time", null);
    }

    private static Duration millis(Duration ttl) {
        return Duration.ofMillis(Math.max(1, ttl.toMillis()));
    }

    @Override
    public LockLease acquire(ScopeId scope, String lockId, String owner, Duration ttl) {
        return change(scope, (current, now) -> LockState.acquire(scope, current, lockId, owner, millis(ttl), now)).lease(scope);
    }

    @Override
    public LockLease renew(ScopeId scope, String lockId, Duration ttl) {
        return change(scope, (current, now) -> LockState.renew(scope, current, lockId, millis(ttl), now)).lease(scope);
    }

    @Override
    public void release(ScopeId scope, String lockId) {
        change(scope, (current, now) -> LockState.release(scope, current, lockId, now));
    }

    @Override
    public Optional<LockInfo> info(ScopeId scope) {
        LockState current = store.readLease(scope).map(StoredLease::state).orElse(null);
        return LockState.heldInfo(current, store.leaseTime(scope));
    }

    @Override
    public boolean forceRelease(ScopeId scope) {
        try {
            change(scope, (current, now) -> {
                if (current == null || !current.isHeldAt(now)) {
                    throw new NotHeld(scope);
                }
                return current.freed(now);
            });
            return true;
        } catch (NotHeld notHeld) {
            return false;
        }
    }

    /** Ends a forced release that found nothing to release, before anything is written. */
    private static final class NotHeld extends LockConflictException {
        NotHeld(ScopeId scope) {
            super(scope, "not held", Optional.empty());
        }
    }
}
