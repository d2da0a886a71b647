package dev.statestore.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.LockLease;
import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.StateConflictException;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.Versioned;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;

/**
 * {@code doctor}: connects, writes, reads and deletes a probe record in a scope of its own, checks that
 * conditional writes hold (a stale update is refused; of racing writers exactly one wins), takes and
 * releases a lock, and prints the backend's own warnings.
 */
@Command(name = "doctor", description = "Checks a store: a probe record written, read and deleted in a scope of its "
        + "own, conditional writes raced (exactly one winner), the deploy lock, and the backend's warnings.")
final class DoctorCommand extends ListCommands.Base {

    private static final int RACERS = 16;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = out();
        List<String> problems = new ArrayList<>();
        ObjectNode report = Output.object();
        long t0 = System.nanoTime();
        try (StateStore store = root().open()) {
            long connected = System.nanoTime();
            report.put("store", store.describe());
            report.put("openMillis", millis(t0, connected));
            StateScope probe = store.scope("statestore-doctor", "probe-" + UUID.randomUUID());
            ResourceState record = ResourceState.builder("Doctor/Probe", ResourceStatus.CREATED).resourceType("Doctor.Probe").build();
            try {
                long a = System.nanoTime();
                Versioned<ResourceState> written = probe.create(record);
                long b = System.nanoTime();
                Versioned<ResourceState> read = probe.require("Doctor/Probe");
                long c = System.nanoTime();
                if (!read.value().equals(record) || read.version() != written.version()) {
                    problems.add("the probe record read back differently from how it was written");
                }
                probe.update(record, written.version());
                try {
                    probe.update(record, written.version());
                    problems.add("a stale conditional update was accepted: this store would lose updates");
                } catch (StateConflictException expected) {
                    report.put("staleUpdateRefused", true);
                }
                long d = System.nanoTime();
                probe.delete("Doctor/Probe");
                long e = System.nanoTime();
                report.put("writeMillis", millis(a, b));
                report.put("readMillis", millis(b, c));
                report.put("deleteMillis", millis(d, e));

                int createWinners = race(i -> probe.create(ResourceState.builder("Doctor/Race", ResourceStatus.CREATED).build()));
                Versioned<ResourceState> racing = probe.require("Doctor/Race");
                int updateWinners = race(i -> probe.update(racing.value(), racing.version()));
                report.put("racingCreateWinners", createWinners);
                report.put("racingUpdateWinners", updateWinners);
                if (createWinners != 1) {
                    problems.add(RACERS + " racing creates of one record had " + createWinners + " winners, not 1: "
                            + "the server does not make conditional writes atomic");
                }
                if (updateWinners != 1) {
                    problems.add(RACERS + " racing updates of one version had " + updateWinners + " winners, not 1: "
                            + "the server does not make conditional writes atomic");
                }
                LockLease lease = probe.acquireLock("statestore doctor", Duration.ofSeconds(30));
                probe.releaseLock(lease.lockId());
                report.put("lock", "acquired and released");
            } finally {
                probe.deleteAll();
            }
            List<String> warnings = store.diagnose();
            report.set("warnings", Output.strings(warnings));
            report.set("problems", Output.strings(problems));
            if (root().json) {
                Output.json(out, report);
            } else {
                out.println("store       " + store.describe());
                out.println("open        " + report.get("openMillis").asText() + " ms");
                out.println("probe       write " + report.get("writeMillis").asText() + " ms, read "
                        + report.get("readMillis").asText() + " ms, delete " + report.get("deleteMillis").asText() + " ms");
                out.println("conditional stale update refused: " + report.path("staleUpdateRefused").asBoolean(false));
                out.println("race        " + RACERS + " racing creates: " + report.get("racingCreateWinners").asInt()
                        + " winner(s); " + RACERS + " racing updates: " + report.get("racingUpdateWinners").asInt()
                        + " winner(s)");
                out.println("lock        " + report.get("lock").asText());
                warnings.forEach(w -> out.println("warning     " + w));
                problems.forEach(p -> out.println("PROBLEM     " + p));
                out.println(problems.isEmpty() ? "ok" : "this store cannot be trusted with deploy state");
            }
            out.flush();
        }
        return problems.isEmpty() ? Statestore.OK : Statestore.CHECK_FAILED;
    }

    private interface Attempt {
        void run(int i);
    }

    /** How many of {@value #RACERS} threads released at once succeed. */
    private static int race(Attempt attempt) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(RACERS);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < RACERS; i++) {
                int n = i;
                results.add(pool.submit(() -> {
                    go.await();
                    try {
                        attempt.run(n);
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
        } finally {
            pool.shutdownNow();
        }
    }

    /** Milliseconds to a tenth, as a JSON number (a script compares it; it does not parse it). */
    private static double millis(long fromNanos, long toNanos) {
        return Math.round((toNanos - fromNanos) / 1e5) / 10.0;
    }
}
