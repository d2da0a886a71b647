package dev.statestore.spi;

import dev.statestore.ScopeId;
import dev.statestore.StateWriteFencedException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.BiPredicate;
import java.util.function.Supplier;

/**
 * Fenced writes on a backend that has no condition across two objects (an object store): a fenced write first
 * checks that the newer deployment's control document does not exist, then writes, and the window between the two
 * is bounded by {@link ControlStore#fenceSettling()}: a {@code begin} that takes over an open deployment waits
 * {@code window} before it returns, so that a write of the deployment it took over that checked before the takeover
 * has landed by then. A write slower than that from its check to its landing is logged, and counted for
 * {@code doctor}. Thread-safe.
 */
public final class CheckedFence {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CheckedFence.class);

    private final String backend;
    private final Duration window;
    private final BiPredicate<ScopeId, String> controlDocumentExists;
    private final Stats stats = new Stats();

    /**
     * @param backend               the backend's name, for messages ({@code s3}, {@code azblob})
     * @param window                the fence window ({@code fenceWindowMillis})
     * @param controlDocumentExists whether the scope's control document of that name exists
     */
    public CheckedFence(String backend, Duration window, BiPredicate<ScopeId, String> controlDocumentExists) {
        this.backend = backend;
        this.window = window;
        this.controlDocumentExists = controlDocumentExists;
    }

    /** The window a {@code begin} that takes over waits: {@link ControlStore#fenceSettling()}. */
    public Duration window() {
        return window;
    }

    /**
     * Runs {@code write} after the fence's check, if {@code condition} is fenced. A recorded write checks again itself
     * ({@link #check}) right before the put that lands it, after putting its change, and reports {@link #landed}.
     *
     * @throws StateWriteFencedException if a newer deployment exists; nothing is written
     */
    public <T> T fenced(ScopeId scope, WriteCondition condition, Supplier<T> write) {
        if (!condition.isFenced()) {
            return write.get();
        }
        long checked = check(scope, condition);
        T result = write.get();
        if (!condition.recorded()) {
            landed(scope, condition, checked);
        }
        return result;
    }

    /**
     * The fence's check.
     *
     * @return when it checked ({@link System#nanoTime()}), for {@link #landed}
     * @throws StateWriteFencedException if a newer deployment exists
     */
    public long check(ScopeId scope, WriteCondition condition) {
        long checked = System.nanoTime();
        if (controlDocumentExists.test(scope, condition.fenceDocument())) {
            throw new StateWriteFencedException(scope, condition.fence());
        }
        return checked;
    }

    /** A fenced write checked at {@code checked} landed: its window is counted, and logged if longer than the fence's. */
    public void landed(ScopeId scope, WriteCondition condition, long checked) {
        long nanos = System.nanoTime() - checked;
        stats.record(nanos);
        if (nanos > window.toNanos()) {
            LOG.warn("a write fenced by deployment {} of {} took {} ms from its check to its landing, longer than the "
                    + "fence window of {} ms: a deployment that began meanwhile may not have fenced it", condition.fence(),
                    scope, nanos / 1_000_000, window.toMillis());
        }
    }

    /** What the backend promises of fenced writes, and what this process measured of them: for {@code diagnose}. */
    public List<String> diagnose(String why) {
        String promise = backend + ": fenced writes are check-then-write (" + why + "): a begin that takes over an open "
                + "deployment waits the fence window (" + window.toMillis() + " ms, option fenceWindowMillis) before it "
                + "returns, and a fenced write of the deployment it took over that takes longer than that from its check "
                + "to its landing may still land after it; writes and deletes are otherwise conditional, as everywhere";
        return stats.describe().map(measured -> List.of(promise, backend + ": " + measured)).orElse(List.of(promise));
    }

    /** Count, maximum and median of the last windows seen: enough to state what was measured. */
    private static final class Stats {
        private long count;
        private long maxNanos;
        private final long[] recent = new long[256];

        synchronized void record(long nanos) {
            recent[(int) (count % recent.length)] = nanos;
            count++;
            maxNanos = Math.max(maxNanos, nanos);
        }

        synchronized Optional<String> describe() {
            if (count == 0) {
                return Optional.empty();
            }
            long[] seen = Arrays.copyOf(recent, (int) Math.min(count, recent.length));
            Arrays.sort(seen);
            return Optional.of(String.format("%d fenced writes in this process: check to landing %.1f ms at the median "
                    + "(of the last %d), %.1f ms at most", count, seen[seen.length / 2] / 1e6, seen.length, maxNanos / 1e6));
        }
    }
}
