package dev.statestore.internal;

import dev.statestore.DeploymentLease;
import dev.statestore.DeploymentMeta;
import dev.statestore.DeploymentNotFoundException;
import dev.statestore.DeploymentOutcome;
import dev.statestore.DeploymentRecord;
import dev.statestore.DeploymentSummary;
import dev.statestore.Deployments;
import dev.statestore.History;
import dev.statestore.HistoryNotKeptException;
import dev.statestore.ResourceState;
import dev.statestore.RestoreIncompleteException;
import dev.statestore.RestoreResult;
import dev.statestore.ScopeId;
import dev.statestore.ScopeSnapshot;
import dev.statestore.StackOutput;
import dev.statestore.StateChange;
import dev.statestore.StateDiff;
import dev.statestore.StateNames;
import dev.statestore.StateScope;
import dev.statestore.StateStoreException;
import dev.statestore.Versioned;
import dev.statestore.spi.ChangeSummary;
import dev.statestore.spi.HistoryStore;
import dev.statestore.spi.StateKey;
import dev.statestore.spi.StoredChange;
import dev.statestore.spi.StoredDocument;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.LongConsumer;
import org.jspecify.annotations.Nullable;

/**
 * Internal: the history of one scope over a backend's {@link HistoryStore}, the same for every backend. Changes are
 * parsed (and opened, with encryption at rest) by the functions of the scope they belong to, so a change that does
 * not parse is reported corrupt as a record would be.
 */
final class ScopeHistory implements History {

    /** How long a restore's deployment lease lasts between heartbeats. */
    private static final Duration RESTORE_TTL = Duration.ofSeconds(60);

    private final ScopeId id;
    private final StateScope scope;
    private final @Nullable HistoryStore store;
    private final Deployments deployments;
    private final Function<StoredDocument, Versioned<ResourceState>> toRecord;
    private final Function<StoredDocument, Versioned<StackOutput>> toOutput;

    ScopeHistory(StateScope scope, @Nullable HistoryStore store, Function<StoredDocument, Versioned<ResourceState>> toRecord,
            Function<StoredDocument, Versioned<StackOutput>> toOutput) {
        this.id = scope.id();
        this.scope = scope;
        this.store = store;
        this.deployments = scope.deployments();
        this.toRecord = toRecord;
        this.toOutput = toOutput;
    }

    @Override
    public boolean isKept() {
        return store != null;
    }

    private HistoryStore store() {
        if (store == null) {
            throw new HistoryNotKeptException(id, "this store keeps no history (its URL says history=off)");
        }
        return store;
    }

    @Override
    public List<StateChange> of(String fqn) {
        StateNames.requireReadableFqn(fqn);
        return newestFirst(store().changes(id, StateKey.record(fqn)));
    }

    @Override
    public List<StateChange> ofOutput() {
        return newestFirst(store().changes(id, StateKey.output()));
    }

    private List<StateChange> newestFirst(List<StoredChange> changes) {
        Initiators initiators = new Initiators();
        List<StateChange> result = new ArrayList<>(changes.size());
        for (int i = changes.size() - 1; i >= 0; i--) {
            result.add(toChange(changes.get(i), initiators));
        }
        return result;
    }

    @Override
    public void forEach(java.util.function.Consumer<StateChange> action) {
        Initiators initiators = new Initiators();
        store().forEachChange(id, change -> action.accept(toChange(change, initiators)));
    }

    @Override
    public List<StateChange> changes(long deployment) {
        requireDeployment(deployment);
        List<StoredChange> found = new ArrayList<>();
        store().forEachChange(id, change -> {
            if (change.deployment() == deployment) {
                found.add(change);
            }
        });
        found.sort(Comparator.comparing(StoredChange::at).thenComparing(c -> c.key().describe(), StateNames.ORDER)
                .thenComparingLong(StoredChange::seq));
        Initiators initiators = new Initiators();
        return found.stream().map(change -> toChange(change, initiators)).toList();
    }

    private DeploymentRecord requireDeployment(long deployment) {
        return deployments.get(deployment).orElseThrow(() -> new DeploymentNotFoundException(id, deployment));
    }

    /**
     * An unfenced write counts at a deployment if it was made before the deployment ended; for one that never ended,
     * before the next began (whose begin abandoned it); for one still open, whenever (null).
     */
    private @Nullable Instant cutoff(DeploymentRecord record) {
        return record.endedAt() != null ? record.endedAt()
                : deployments.get(record.version() + 1).map(DeploymentRecord::startedAt).orElse(null);
    }

    /**
     * Whether a change ({@code made} in deployment {@code by}, 0 for unfenced) is part of the scope as it was at the
     * end of {@code deployment}. A deployment's times are kept to the millisecond (Alchemy's), a change's may be
     * finer: an unfenced change within the millisecond of the cutoff counts as before it.
     */
    private static boolean includedAt(long by, Instant made, long deployment, @Nullable Instant cutoff) {
        return by > 0 ? by <= deployment
                : cutoff == null || made.isBefore(cutoff.truncatedTo(ChronoUnit.MILLIS).plusMillis(1));
    }

    /** At most this many keys' documents are read key by key; more, and the change log is read once, whole. */
    private static final int KEY_BY_KEY_READS = 32;

    /**
     * Rolls the scope as it is back past the changes made since: the log is read without documents, and only the
     * documents of keys changed since {@code deployment} whose version then is not the one they have now are read.
     */
    @Override
    public ScopeSnapshot at(long deployment) {
        Instant cutoff = cutoff(requireDeployment(deployment));
        // Read before the log: a write made after this read is in the log, so a key the log shows no change of is
        // now as it was then.
        ScopeSnapshot now = now();
        Map<StateKey, ChangeSummary> last = new HashMap<>();
        Map<StateKey, ChangeSummary> first = new HashMap<>();
        int[] kept = {0};
        store().forEachChangeSummary(id, change -> {
            kept[0]++;
            first.merge(change.key(), change, (a, b) -> a.seq() <= b.seq() ? a : b);
            if (includedAt(change.deployment(), change.at(), deployment, cutoff)) {
                last.merge(change.key(), change, (a, b) -> a.seq() >= b.seq() ? a : b);
            }
        });
        Map<StateKey, ChangeSummary> unread = new HashMap<>();
        last.forEach((key, change) -> {
            Versioned<?> current = key instanceof StateKey.Record r ? now.records().get(r.fqn()) : now.output();
            // A version is never written twice: the one read now, if it is the same, is that document, parsed.
            if (!change.deletion() && (current == null || current.version() != change.version())) {
                unread.put(key, change);
            }
        });
        Map<StateKey, StoredChange> documents = documents(unread, kept[0]);
        Map<String, Versioned<ResourceState>> records = new LinkedHashMap<>();
        // now's records come in fqn order: only the keys the log knows that the scope no longer has need sorting.
        List<String> gone = new ArrayList<>();
        first.keySet().forEach(key -> {
            if (key instanceof StateKey.Record r && !now.records().containsKey(r.fqn())) {
                gone.add(r.fqn());
            }
        });
        gone.sort(StateNames.ORDER);
        java.util.Iterator<String> present = now.records().keySet().iterator();
        java.util.Iterator<String> absent = gone.iterator();
        String p = present.hasNext() ? present.next() : null;
        String a = absent.hasNext() ? absent.next() : null;
        while (p != null || a != null) {
            String fqn;
            if (a == null || (p != null && StateNames.ORDER.compare(p, a) < 0)) {
                fqn = p;
                p = present.hasNext() ? present.next() : null;
            } else {
                fqn = a;
                a = absent.hasNext() ? absent.next() : null;
            }
            StateKey key = StateKey.record(fqn);
            Versioned<ResourceState> then = then(key, deployment, now.records().get(fqn), last.get(key), first.get(key),
                    documents.get(key), toRecord);
            if (then != null) {
                records.put(fqn, then);
            }
        }
        StateKey outputKey = StateKey.output();
        Versioned<StackOutput> output = then(outputKey, deployment, now.output(), last.get(outputKey),
                first.get(outputKey), documents.get(outputKey), toOutput);
        return new ScopeSnapshot(id, deployment, records, output);
    }

    /**
     * One key's value at the end of {@code deployment}: null if it had none; {@code current} if it is unchanged since
     * (or has no change kept at all); else the document of the last change then.
     *
     * @param last the last change kept up to the deployment, if any
     * @param first the oldest change kept, if any
     * @param document that last change read whole, if its version is not {@code current}'s
     */
    private <T> @Nullable Versioned<T> then(StateKey key, long deployment, @Nullable Versioned<T> current,
            @Nullable ChangeSummary last, @Nullable ChangeSummary first, @Nullable StoredChange document,
            Function<StoredDocument, Versioned<T>> parse) {
        if (last == null && first != null) {
            // Every change kept came later: the state before the first of them is known only if it created the key.
            if (first.deletion() || first.version() != 1) {
                throw new HistoryNotKeptException(id, "the history of " + id + " does not reach back to the end of "
                        + "deployment " + deployment + " for '" + key.describe() + "': its oldest change kept is "
                        + (first.deletion() ? "the deletion" : "the write") + " of version " + first.version() + " at "
                        + first.at());
            }
            return null;
        }
        if (last != null && last.deletion()) {
            return null;
        }
        return document == null ? current : parse.apply(document(document));
    }

    /** The changes {@code wanted} names, read whole: key by key when they are few, else in one pass over the log. */
    private Map<StateKey, StoredChange> documents(Map<StateKey, ChangeSummary> wanted, int changesKept) {
        Map<StateKey, StoredChange> found = new HashMap<>();
        java.util.function.Consumer<StoredChange> keep = change -> {
            ChangeSummary want = wanted.get(change.key());
            if (want != null && want.seq() == change.seq()) {
                found.put(change.key(), change);
            }
        };
        if (wanted.size() <= Math.max(KEY_BY_KEY_READS, changesKept / 100)) {
            wanted.keySet().forEach(key -> store().changes(id, key).forEach(keep));
        } else if (!wanted.isEmpty()) {
            store().forEachChange(id, keep);
        }
        wanted.forEach((key, change) -> {
            if (!found.containsKey(key)) {
                throw new HistoryNotKeptException(id, "the change of '" + key.describe() + "' to version "
                        + change.version() + " was pruned from the history of " + id + " while it was read");
            }
        });
        return found;
    }

    /**
     * Removes the changes no point of the window needs: the window is the newest {@code keepDeployments} deployments
     * that ended within {@code keepAge} (the newest one always); of each key, every change older than the one the
     * scope had at the end of the window's oldest deployment goes. Every {@link #at} inside the window stays exact;
     * one before it stays exact where it can and otherwise says the history does not reach back.
     */
    void prune(int keepDeployments, Duration keepAge) {
        if (store == null) {
            return;
        }
        List<DeploymentRecord> newest = deployments.list(null, Math.min(keepDeployments, Deployments.MAX_LIST));
        if (newest.isEmpty()) {
            return;
        }
        Instant oldestKept = Instant.now().minus(keepAge);
        DeploymentRecord start = newest.get(0);
        for (DeploymentRecord record : newest) {
            Instant when = record.endedAt() != null ? record.endedAt() : record.heartbeatAt();
            if (when.isBefore(oldestKept)) {
                break;
            }
            start = record;
        }
        long window = start.version();
        if (window <= 1) {
            return;
        }
        Instant cutoff = cutoff(start);
        Map<StateKey, List<StoredChange>> byKey = new HashMap<>();
        store.forEachChange(id, change -> byKey.computeIfAbsent(change.key(), k -> new ArrayList<>()).add(change));
        List<StoredChange> prunable = new ArrayList<>();
        byKey.values().forEach(changes -> {
            StoredChange base = null;
            for (StoredChange change : changes) {
                if (includedAt(change.deployment(), change.at(), window, cutoff) && (base == null || change.seq() > base.seq())) {
                    base = change;
                }
            }
            if (base != null) {
                long baseSeq = base.seq();
                changes.stream().filter(c -> c.seq() < baseSeq).forEach(prunable::add);
            }
        });
        if (!prunable.isEmpty()) {
            store.remove(id, prunable);
        }
        store.sweep(id); // what forEachChange found that no history reads (S3's orphaned changes)
    }

    @Override
    public ScopeSnapshot now() {
        return new ScopeSnapshot(id, 0, scope.getAll(), scope.output().orElse(null));
    }

    private static StoredDocument document(StoredChange change) {
        return new StoredDocument(change.key(), change.json(), change.version(), change.at(), change.location());
    }

    @Override
    public StateDiff diff(long from, @Nullable Long to) {
        ScopeSnapshot before = at(from);
        ScopeSnapshot after = to == null ? now() : at(to);
        return JsonDiff.between(before, after, from, to);
    }

    @Override
    public RestoreResult restore(long deployment, DeploymentMeta.@Nullable Initiator initiator, LongConsumer progress) {
        ScopeSnapshot target = at(deployment);
        DeploymentLease lease = ScopeSurgery.beginTakingOverCrashed(scope, new DeploymentMeta("restore", initiator, null,
                null), RESTORE_TTL);
        StateScope writer = scope.fenced(lease.version());
        // Read after the begin: a deployment that ended just before it is part of what is undone.
        ScopeSnapshot current = now();
        List<Runnable> writes = new ArrayList<>();
        int[] counts = new int[3];
        TreeSet<String> fqns = new TreeSet<>(StateNames.ORDER);
        fqns.addAll(target.records().keySet());
        fqns.addAll(current.records().keySet());
        for (String fqn : fqns) {
            Versioned<ResourceState> want = target.records().get(fqn);
            Versioned<ResourceState> have = current.records().get(fqn);
            if (want != null && have == null) {
                counts[0]++;
                writes.add(() -> writer.create(want.value()));
            } else if (want != null && !want.value().equals(have.value())) {
                counts[1]++;
                writes.add(() -> writer.update(want.value(), have.version()));
            } else if (want == null) {
                counts[2]++;
                writes.add(() -> writer.delete(fqn, have.version()));
            }
        }
        Versioned<StackOutput> wantOutput = target.output();
        Versioned<StackOutput> haveOutput = current.output();
        boolean outputChanged = false;
        if (wantOutput != null && haveOutput == null) {
            writes.add(() -> writer.createOutput(wantOutput.value()));
            outputChanged = true;
        } else if (wantOutput != null && !wantOutput.value().equals(haveOutput.value())) {
            writes.add(() -> writer.updateOutput(wantOutput.value(), haveOutput.version()));
            outputChanged = true;
        } else if (wantOutput == null && haveOutput != null) {
            writes.add(() -> {
                // The output has no conditional delete: the fence still stops a restore that lost its lease.
                writer.deleteOutput();
            });
            outputChanged = true;
        }
        int applied = 0;
        long lastBeat = System.nanoTime();
        try {
            for (Runnable write : writes) {
                write.run();
                applied++;
                progress.accept(applied);
                if (System.nanoTime() - lastBeat > RESTORE_TTL.toNanos() / 4) {
                    deployments.heartbeat(lease.version(), lease.token());
                    lastBeat = System.nanoTime();
                }
            }
        } catch (StateStoreException e) {
            try {
                deployments.end(lease.version(), lease.token(), DeploymentOutcome.FAILED,
                        summary(counts, outputChanged, "stopped after " + applied + " of " + writes.size() + " writes: "
                                + e.getMessage()));
            } catch (StateStoreException ending) {
                e.addSuppressed(ending);
            }
            throw new RestoreIncompleteException(id, deployment, lease.version(), applied, writes.size(), e);
        }
        deployments.end(lease.version(), lease.token(), DeploymentOutcome.SUCCEEDED, summary(counts, outputChanged, null));
        return new RestoreResult(id, deployment, lease.version(), counts[0], counts[1], counts[2], outputChanged);
    }

    private static DeploymentSummary summary(int[] counts, boolean outputChanged, @Nullable String error) {
        Map<String, Long> byAction = new TreeMap<>();
        byAction.put("create", (long) counts[0]);
        byAction.put("update", (long) counts[1]);
        byAction.put("delete", (long) counts[2]);
        if (outputChanged) {
            byAction.put("output", 1L);
        }
        return new DeploymentSummary(byAction, error);
    }

    private StateChange toChange(StoredChange change, Initiators initiators) {
        ResourceState record = null;
        StackOutput output = null;
        if (!change.isDeletion()) {
            if (change.key() instanceof StateKey.Record) {
                record = toRecord.apply(document(change)).value();
            } else {
                output = toOutput.apply(document(change)).value();
            }
        }
        String fqn = change.key() instanceof StateKey.Record r ? r.fqn() : null;
        return new StateChange(fqn, change.version(), record, output, change.at(), change.deployment(),
                change.deployment() > 0 ? initiators.of(change.deployment()) : null);
    }

    /** Who started each deployment a listing names, each read once. */
    private final class Initiators {
        private final Map<Long, Optional<DeploymentMeta.Initiator>> known = new HashMap<>();

        DeploymentMeta.@Nullable Initiator of(long deployment) {
            return known.computeIfAbsent(deployment, v -> deployments.get(v).map(d -> d.meta().initiator()))
                    .orElse(null);
        }
    }
}
