package dev.statestore.cli;

import dev.statestore.LockConflictException;
import dev.statestore.LockLease;
import dev.statestore.ResourceState;
import dev.statestore.ScopeId;
import dev.statestore.StackOutput;
import dev.statestore.StateNames;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.Versioned;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Copies scopes from one store to another, holding the deploy lock of the scope on both sides.
 *
 * <p>Resumable: a record already in the target with the same document is skipped, so running again after
 * an interruption continues where it stopped. A record that exists in the target with another document
 * is refused (and reported) unless {@code overwrite}. At the end both sides are read again and compared:
 * the number of records and a SHA-256 over every fqn and document in fqn order, plus the stack output.
 */
final class Migrator {

    /** Told of each record copied or skipped. */
    interface Progress {
        void scopeStarted(ScopeId scope, long total);

        void recordDone(ScopeId scope, long done);
    }

    /**
     * What a scope's migration did and what it verified. {@code refused}: records that differ in the target (not
     * overwritten); {@code unwritable}: records whose names the target does not write (another tool wrote them).
     */
    record Result(ScopeId scope, int created, int overwritten, int unchanged, List<String> refused,
            List<String> unwritable, long sourceCount, long targetCount, String sourceDigest, String targetDigest) {

        boolean verified() {
            return refused.isEmpty() && unwritable.isEmpty() && sourceCount == targetCount && sourceDigest.equals(targetDigest);
        }
    }

    static final Duration LEASE = Duration.ofSeconds(60);

    private final StateStore from;
    private final StateStore to;
    private final boolean overwrite;
    private final String owner;
    private final Progress progress;

    Migrator(StateStore from, StateStore to, boolean overwrite, String owner, Progress progress) {
        this.from = from;
        this.to = to;
        this.overwrite = overwrite;
        this.owner = owner;
        this.progress = progress;
    }

    Result migrate(ScopeId scope) {
        StateScope source = from.scope(scope);
        StateScope target = to.scope(scope);
        LockLease sourceLease = lock(source, "source");
        LockLease targetLease;
        try {
            targetLease = lock(target, "target");
        } catch (RuntimeException e) {
            source.releaseLock(sourceLease.lockId());
            throw e;
        }
        // Leases are short, so that an interrupted migration's locks free themselves; renew while working.
        ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "statestore-migrate-lock-renewal");
            t.setDaemon(true);
            return t;
        });
        renewer.scheduleAtFixedRate(() -> {
            source.renewLock(sourceLease.lockId(), LEASE);
            target.renewLock(targetLease.lockId(), LEASE);
        }, LEASE.toSeconds() / 3, LEASE.toSeconds() / 3, TimeUnit.SECONDS);
        RuntimeException failure = null;
        try {
            return copy(scope, source, target);
        } catch (RuntimeException e) {
            failure = e;
            throw e;
        } finally {
            renewer.shutdownNow();
            release(target, targetLease, failure);
            release(source, sourceLease, failure);
            if (failure instanceof Interrupted) {
                // Released with the flag cleared (file locks refuse interrupted threads); now give it back.
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Releases a lease without hiding the failure that ended the migration, if any. */
    private static void release(StateScope scope, LockLease lease, RuntimeException failure) {
        try {
            scope.releaseLock(lease.lockId());
        } catch (RuntimeException e) {
            if (failure == null) {
                throw e;
            }
            failure.addSuppressed(e);
        }
    }

    /** The migration stopped because its thread was interrupted; running it again resumes it. */
    static final class Interrupted extends Statestore.CommandFailure {
        Interrupted(String message) {
            super(Statestore.USAGE, message);
        }
    }

    private LockLease lock(StateScope scope, String side) {
        try {
            return scope.acquireLock(owner, LEASE);
        } catch (LockConflictException e) {
            String holder = e.holder().map(h -> "'" + h.owner() + "' until " + h.expiresAt()).orElse("someone");
            throw new LockConflictException(scope.id(), "cannot migrate: the " + side + "'s deploy lock is held by "
                    + holder + " (a deploy in progress, or an interrupted migration whose lease runs out by itself)",
                    e.holder());
        }
    }

    private Result copy(ScopeId scope, StateScope source, StateScope target) {
        long total = progress == null ? -1 : source.stream().count();
        if (progress != null) {
            progress.scopeStarted(scope, total);
        }
        int created = 0;
        int overwritten = 0;
        int unchanged = 0;
        List<String> refused = new ArrayList<>();
        List<String> unwritable = new ArrayList<>();
        long done = 0;
        Iterator<Versioned<ResourceState>> records = source.stream().iterator();
        while (true) {
            // Checked before each store call: interrupted file I/O would fail instead of stopping cleanly.
            if (Thread.interrupted()) {
                throw new Interrupted("migration of " + scope + " interrupted after " + done
                        + " records; run it again to resume");
            }
            if (!records.hasNext()) {
                break;
            }
            ResourceState record = records.next().value();
            if (StateNames.fqnProblem(record.fqn()).isPresent()) {
                unwritable.add(record.fqn());
            } else {
                Optional<Versioned<ResourceState>> existing = target.get(record.fqn());
                if (existing.isEmpty()) {
                    target.create(record);
                    created++;
                } else if (existing.get().value().equals(record)) {
                    unchanged++;
                } else if (overwrite) {
                    target.update(record, existing.get().version());
                    overwritten++;
                } else {
                    refused.add(record.fqn());
                }
            }
            done++;
            if (progress != null) {
                progress.recordDone(scope, done);
            }
        }
        Optional<Versioned<StackOutput>> output = source.output();
        if (output.isPresent()) {
            Optional<Versioned<StackOutput>> existing = target.output();
            if (existing.isEmpty()) {
                target.createOutput(output.get().value());
            } else if (!existing.get().value().equals(output.get().value())) {
                if (overwrite) {
                    target.updateOutput(output.get().value(), existing.get().version());
                } else {
                    refused.add("(stack output)");
                }
            }
        }
        Digest sourceDigest = digest(source);
        Digest targetDigest = digest(target);
        return new Result(scope, created, overwritten, unchanged, refused, unwritable, sourceDigest.count, targetDigest.count,
                sourceDigest.hex, targetDigest.hex);
    }

    private record Digest(long count, String hex) {}

    /** SHA-256 over every record (fqn, document) in fqn order, then the stack output. */
    static Digest digest(StateScope scope) {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        long[] count = {0};
        scope.stream().forEach(v -> {
            sha.update(v.value().fqn().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(v.value().toJson().getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            count[0]++;
        });
        scope.output().ifPresent(o -> sha.update(("output\0" + o.value().toJson()).getBytes(StandardCharsets.UTF_8)));
        return new Digest(count[0], HexFormat.of().formatHex(sha.digest()));
    }
}
