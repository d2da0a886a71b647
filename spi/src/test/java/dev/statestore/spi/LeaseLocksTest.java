package dev.statestore.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.statestore.LockConflictException;
import dev.statestore.LockLease;
import dev.statestore.ScopeId;
import dev.statestore.StateStoreUnavailableException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The shared lease logic against a lease store that other writers race, and a clock this test sets. */
class LeaseLocksTest {

    private static final ScopeId SCOPE = new ScopeId("app", "dev");

    /** One lease document in memory; {@code interfere} runs before a compare-and-set, as another writer would. */
    private static final class RacedStore implements LeaseStore {
        LockState stored;
        Instant now = Instant.parse("2026-11-30T10:00:00.123456789Z");
        Runnable interfere = () -> {};
        final List<LockState> written = new ArrayList<>();
        int attempts;

        @Override
        public Optional<StoredLease> readLease(ScopeId scope) {
            return Optional.ofNullable(stored).map(state -> new StoredLease(state, null));
        }

        @Override
        public boolean compareAndSetLease(ScopeId scope, Optional<StoredLease> expected, LockState next) {
            attempts++;
            interfere.run();
            if (!Objects.equals(stored, expected.map(StoredLease::state).orElse(null))) {
                return false;
            }
            stored = next;
            written.add(next);
            return true;
        }

        @Override
        public Instant leaseTime(ScopeId scope) {
            return now;
        }
    }

    @Test
    void aLostRaceIsReadAgainAndJudgedOnWhatTheOtherWriterStored() {
        RacedStore store = new RacedStore();
        DeployLocks locks = DeployLocks.overLeases(store);
        // Another process takes the free lock between this one's read and its compare-and-set.
        store.interfere = () -> {
            store.interfere = () -> {};
            store.stored = new LockState("theirs", "bob", 1, store.now, store.now.plusSeconds(60));
        };
        assertThatThrownBy(() -> locks.acquire(SCOPE, "mine", "alice", Duration.ofSeconds(60)))
                .isInstanceOf(LockConflictException.class).hasMessageContaining("bob");
        assertThat(store.attempts).isEqualTo(1);
        assertThat(store.written).isEmpty();
        assertThat(store.stored.lockId()).isEqualTo("theirs");

        // Once it has expired the next acquisition takes it, with the next token, after losing a race to a renewal.
        store.now = store.now.plusSeconds(61);
        store.interfere = () -> {
            store.interfere = () -> {};
            store.stored = new LockState(null, "bob", 1, store.stored.acquiredAt(), store.now.minusSeconds(1));
        };
        LockLease lease = locks.acquire(SCOPE, "mine", "alice", Duration.ofSeconds(60));
        assertThat(lease.fencingToken()).isEqualTo(2);
        assertThat(store.attempts).isEqualTo(3);
        assertThat(lease.info().acquiredAt()).as("milliseconds, what every backend stores exactly")
                .isEqualTo(Instant.parse("2026-11-30T10:01:01.123Z"));
    }

    @Test
    void writersThatAlwaysWinFirstMakeItGiveUpAsUnavailable() {
        RacedStore store = new RacedStore();
        store.interfere = () -> store.stored = new LockState(null, "churn", store.attempts, store.now, store.now);
        assertThatThrownBy(() -> DeployLocks.overLeases(store).acquire(SCOPE, "mine", "alice", Duration.ofSeconds(5)))
                .isInstanceOf(StateStoreUnavailableException.class).hasMessageContaining("attempts");
        assertThat(store.attempts).isEqualTo(LeaseLocks.MAX_ATTEMPTS);
    }

    @Test
    void forcedReleaseOfAFreeLockWritesNothing() {
        RacedStore store = new RacedStore();
        DeployLocks locks = DeployLocks.overLeases(store);
        assertThat(locks.forceRelease(SCOPE)).isFalse();
        LockLease lease = locks.acquire(SCOPE, "mine", "alice", Duration.ofSeconds(5));
        assertThat(locks.info(SCOPE)).contains(lease.info());
        assertThat(locks.forceRelease(SCOPE)).isTrue();
        assertThat(locks.forceRelease(SCOPE)).isFalse();
        assertThat(locks.info(SCOPE)).isEmpty();
        assertThat(store.written).hasSize(2);
        assertThat(store.stored.fencingToken()).as("kept, so the next lease's token grows").isEqualTo(1);
        assertThatThrownBy(() -> locks.renew(SCOPE, "mine", Duration.ofSeconds(5))).isInstanceOf(LockConflictException.class);
    }
}
