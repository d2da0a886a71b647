package dev.statestore.cli;

import dev.statestore.StateConflictException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Races conditional writes in rounds: in each round {@code racers} threads released at once try the same
 * conditional write, and exactly one may win. A server that checks a condition and writes without a lock
 * lets two win now and then, not every round (seen: S3 emulators, 2 winners in 1 round of 20), so one round
 * proves little. Rounds run until {@code maxRounds} or the time budget, and the answer says how likely a
 * server that fails one round in twenty would have been caught by the rounds that ran.
 */
final class RaceProbe {

    /** One round's write, given the round and the racer; a {@link StateConflictException} is a lost race. */
    interface Attempt {
        void run(int round, int racer) throws Exception;
    }

    /** Prepares a round (a fresh key, a known version) before its racers are released. */
    interface Setup {
        void prepare(int round) throws Exception;
    }

    /** What the rounds found: how many ran, and each round that did not have exactly one winner. */
    record Result(int rounds, List<String> badRounds) {
        /** The chance that rounds like these catch a server failing {@code failureRate} of rounds. */
        double detection(double failureRate) {
            return 1 - Math.pow(1 - failureRate, rounds);
        }

        String confidence() {
            return String.format(Locale.ROOT, "a server failing 1 round in 20 would have been caught with probability %.0f%%",
                    100 * detection(0.05));
        }
    }

    private final int racers;
    private final int maxRounds;
    private final Duration budget;

    RaceProbe(int racers, int maxRounds, Duration budget) {
        this.racers = racers;
        this.maxRounds = maxRounds;
        this.budget = budget;
    }

    Result run(Setup setup, Attempt attempt) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(racers);
        List<String> bad = new ArrayList<>();
        long deadline = System.nanoTime() + budget.toNanos();
        int round = 0;
        try {
            while (round < maxRounds && (round == 0 || System.nanoTime() < deadline)) {
                setup.prepare(round);
                int winners = race(pool, round, attempt);
                if (winners != 1) {
                    bad.add("round " + (round + 1) + ": " + winners + " winners");
                }
                round++;
            }
        } finally {
            pool.shutdownNow();
        }
        return new Result(round, bad);
    }

    private int race(ExecutorService pool, int round, Attempt attempt) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < racers; i++) {
            int racer = i;
            results.add(pool.submit(() -> {
                go.await();
                try {
                    attempt.run(round, racer);
                    return true;
                } catch (StateConflictException lost) {
                    return false;
                }
            }));
        }
        go.countDown();
        int winners = 0;
        for (Future<Boolean> f : results) {
            winners += f.get(60, TimeUnit.SECONDS) ? 1 : 0;
        }
        return winners;
    }
}
