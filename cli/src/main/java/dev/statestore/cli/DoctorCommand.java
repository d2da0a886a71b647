package dev.statestore.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.InvalidStoreUrlException;
import dev.statestore.LockLease;
import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.StateConflictException;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.StateStoreAuthenticationException;
import dev.statestore.StateStoreException;
import dev.statestore.Versioned;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code doctor}: connects, writes, reads and deletes a probe record in a scope of its own, checks that
 * conditional writes hold (a stale update is refused; of racing writers exactly one wins, round after round),
 * takes and releases a lock, and prints the backend's own warnings. A store that refuses to run on its server
 * (its own probe failed) is a failed check too.
 */
@Command(name = "doctor", description = "Checks a store: a probe record written, read and deleted in a scope of its "
        + "own, conditional writes raced in rounds (exactly one winner each), the deploy lock, and the backend's warnings.")
final class DoctorCommand extends ListCommands.Base {

    private static final int RACERS = 16;

    @Option(names = "--rounds", defaultValue = "60", paramLabel = "N",
            description = "rounds of racing writers, at most (default ${DEFAULT-VALUE}: a server that fails 1 round in 20 "
                    + "is caught with 95% probability)")
    int rounds;

    @Option(names = "--race-seconds", defaultValue = "30", paramLabel = "S",
            description = "time for the rounds, at most (default ${DEFAULT-VALUE}); at least one round runs")
    int raceSeconds;

    @Override
    public Integer call() throws Exception {
        if (rounds < 1 || raceSeconds < 1) {
            throw new Statestore.CommandFailure(Statestore.USAGE, "--rounds and --race-seconds are at least 1");
        }
        PrintWriter out = out();
        List<String> problems = new ArrayList<>();
        ObjectNode report = Output.object();
        long t0 = System.nanoTime();
        StateStore opened;
        try {
            opened = root().open();
        } catch (StateStoreException e) {
            if (e.isRetryable() || e instanceof StateStoreAuthenticationException || e instanceof InvalidStoreUrlException
                    || e instanceof dev.statestore.UnknownSchemeException) {
                throw e;
            }
            // The store refused to run on this server (its own probe found the server breaking a guarantee): a
            // failed check, not a usage error.
            report.put("store", root().storeUrlForMessages());
            problems.add("the store refuses this server: " + e.getMessage());
            report.set("problems", Output.strings(problems));
            if (root().json) {
                Output.json(out, report);
            } else {
                out.println("store       " + root().storeUrlForMessages());
                problems.forEach(p -> out.println("PROBLEM     " + p));
                out.println("this store cannot be trusted with deploy state");
            }
            out.flush();
            return Statestore.CHECK_FAILED;
        }
        try (StateStore store = opened) {
            long connected = System.nanoTime();
            report.put("store", store.describe());
            report.put("openMillis", millis(t0, connected));
            StateScope probe = store.scope("statestore-doctor", "probe-" + UUID.randomUUID());
            ResourceState record = ResourceState.builder("Doctor/Probe", ResourceStatus.CREATED).resourceType("Doctor.Probe").build();
            RaceProbe.Result creates;
            RaceProbe.Result updates;
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

                // Each round races on a record of its own: a fresh fqn to create, a fresh version to update.
                RaceProbe races = new RaceProbe(RACERS, rounds, Duration.ofSeconds(raceSeconds));
                creates = races.run(round -> { }, (round, racer) ->
                        probe.create(ResourceState.builder("Doctor/Create-" + round, ResourceStatus.CREATED).build()));
                AtomicReference<Versioned<ResourceState>> base = new AtomicReference<>();
                updates = races.run(round -> base.set(probe.create(ResourceState.builder("Doctor/Update-" + round,
                        ResourceStatus.CREATED).build())), (round, racer) -> probe.update(base.get().value(), base.get().version()));
                report.put("racers", RACERS);
                report.put("createRounds", creates.rounds());
                report.set("createRoundsNotWonOnce", Output.strings(creates.badRounds()));
                report.put("updateRounds", updates.rounds());
                report.set("updateRoundsNotWonOnce", Output.strings(updates.badRounds()));
                report.put("detectionOfOneRoundIn20", Math.round(
                        Math.min(creates.detection(0.05), updates.detection(0.05)) * 1000) / 1000.0);
                if (!creates.badRounds().isEmpty()) {
                    problems.add(creates.badRounds().size() + " of " + creates.rounds() + " rounds of " + RACERS
                            + " racing creates of one record did not have exactly one winner (" + String.join(", ",
                            creates.badRounds()) + "): the server does not make conditional writes atomic");
                }
                if (!updates.badRounds().isEmpty()) {
                    problems.add(updates.badRounds().size() + " of " + updates.rounds() + " rounds of " + RACERS
                            + " racing updates of one version did not have exactly one winner (" + String.join(", ",
                            updates.badRounds()) + "): the server does not make conditional writes atomic");
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
                out.println("race        " + creates.rounds() + " rounds of " + RACERS + " racing creates, " + updates.rounds()
                        + " rounds of " + RACERS + " racing updates: " + (creates.badRounds().isEmpty()
                        && updates.badRounds().isEmpty() ? "exactly one winner every round" : "NOT one winner every round"));
                out.println("            " + (creates.rounds() <= updates.rounds() ? creates : updates).confidence());
                out.println("lock        " + report.get("lock").asText());
                warnings.forEach(w -> out.println("warning     " + w));
                problems.forEach(p -> out.println("PROBLEM     " + p));
                out.println(problems.isEmpty() ? "ok" : "this store cannot be trusted with deploy state");
            }
            out.flush();
        }
        return problems.isEmpty() ? Statestore.OK : Statestore.CHECK_FAILED;
    }

    /** Milliseconds to a tenth, as a JSON number (a script compares it; it does not parse it). */
    private static double millis(long fromNanos, long toNanos) {
        return Math.round((toNanos - fromNanos) / 1e5) / 10.0;
    }
}
