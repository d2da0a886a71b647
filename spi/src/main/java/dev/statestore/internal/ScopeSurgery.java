package dev.statestore.internal;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.CorruptStateException;
import dev.statestore.DeploymentEvent;
import dev.statestore.DeploymentLease;
import dev.statestore.DeploymentMeta;
import dev.statestore.DeploymentOutcome;
import dev.statestore.DeploymentRecord;
import dev.statestore.DeploymentSummary;
import dev.statestore.InvalidStateException;
import dev.statestore.Page;
import dev.statestore.QuarantinedRecord;
import dev.statestore.RepairChoices;
import dev.statestore.RepairFinding;
import dev.statestore.RepairFinding.Problem;
import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.ScopeId;
import dev.statestore.StateConflictException;
import dev.statestore.StateDiff;
import dev.statestore.StateNames;
import dev.statestore.StateNotFoundException;
import dev.statestore.StateScope;
import dev.statestore.StateStoreException;
import dev.statestore.StateStoreMisconfiguredException;
import dev.statestore.Surgery;
import dev.statestore.SurgeryIncompleteException;
import dev.statestore.SurgeryPlan;
import dev.statestore.SurgeryResult;
import dev.statestore.SurgeryStep;
import dev.statestore.SurgeryStep.Action;
import dev.statestore.Versioned;
import dev.statestore.spi.ControlDocument;
import dev.statestore.spi.ControlStore;
import dev.statestore.spi.StateJson;
import dev.statestore.spi.StateKey;
import dev.statestore.spi.StoreBackend;
import dev.statestore.spi.StoredDocument;
import dev.statestore.spi.StrayDocument;
import dev.statestore.spi.WriteCondition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * Internal: {@link Surgery} over a backend, the same for every backend. Plans read through the scope (records that do
 * not parse are read raw, to be quarantined); writes go through a fenced view of each scope written, so each is
 * conditional, fenced and recorded exactly as a deploy's write is.
 */
final class ScopeSurgery implements Surgery {

    /** The statuses a deploy writes before its cloud call and replaces after it: left alone, a deploy crashed. */
    private static final Set<ResourceStatus> IN_PROGRESS = EnumSet.of(ResourceStatus.CREATING, ResourceStatus.UPDATING,
            ResourceStatus.DELETING, ResourceStatus.REPLACING, ResourceStatus.RUNNING);
    private static final Duration TTL = Duration.ofSeconds(60);
    private static final String QUARANTINE_PREFIX = "quarantine/";
    private static final String FORGOTTEN = "forgotten: the cloud resource it describes is left as it is";

    private final StateScope scope;
    private final ScopeId id;
    private final StoreBackend backend;
    private final boolean recorded;
    private final Function<StoredDocument, Versioned<ResourceState>> toRecord;

    ScopeSurgery(StateScope scope, StoreBackend backend, boolean recorded,
            Function<StoredDocument, Versioned<ResourceState>> toRecord) {
        this.scope = scope;
        this.id = scope.id();
        this.backend = backend;
        this.recorded = recorded;
        this.toRecord = toRecord;
    }

    // ---- planning ---------------------------------------------------------------------------------

    /** The steps of one plan, with every record's planned document so that changes to one record merge into one write. */
    private final class Planner {
        private final Map<String, Versioned<ResourceState>> records;
        private final Map<String, ResourceState> updated = new TreeMap<>(StateNames.ORDER);
        private final Map<String, List<String>> reasons = new TreeMap<>(StateNames.ORDER);
        private final List<SurgeryStep> first = new ArrayList<>();
        private final List<SurgeryStep> last = new ArrayList<>();
        private final List<String> notes = new ArrayList<>();
        /** The records the plan removes from the scope: no update of them is planned. */
        private final Set<String> leaving = new TreeSet<>(StateNames.ORDER);

        Planner() {
            this(scope.getAll());
        }

        Planner(Map<String, Versioned<ResourceState>> records) {
            this.records = records;
        }

        Versioned<ResourceState> require(String fqn) {
            StateNames.requireReadableFqn(fqn);
            Versioned<ResourceState> found = records.get(fqn);
            if (found == null) {
                throw new StateNotFoundException(id, fqn);
            }
            return found;
        }

        /** The record as this plan leaves it so far. */
        ResourceState current(String fqn) {
            return updated.containsKey(fqn) ? updated.get(fqn) : records.get(fqn).value();
        }

        /** Adds a step that takes {@code fqn} out of the scope, after every other. */
        void leave(SurgeryStep step) {
            last.add(step);
            leaving.add(step.fqn());
        }

        void update(String fqn, UnaryOperator<ResourceState> change, String reason) {
            if (StateNames.fqnProblem(fqn).isPresent()) {
                notes.add("'" + fqn + "' is under a name this store never writes: once it is renamed, repair again ("
                        + reason + ")");
                return;
            }
            ResourceState next = change.apply(current(fqn));
            if (!next.equals(current(fqn))) {
                updated.put(fqn, next);
                reasons.computeIfAbsent(fqn, f -> new ArrayList<>()).add(reason);
            }
        }

        /** Every other record's {@code downstream} entry {@code fqn} replaced by {@code replacement} (null: removed). */
        void redirectDownstream(Set<String> fqns, @Nullable String from, @Nullable String replacement, String reason) {
            for (String other : records.keySet()) {
                if (fqns.contains(other)) {
                    continue;
                }
                List<String> downstream = current(other).downstream();
                if (downstream.stream().anyMatch(d -> from == null ? fqns.contains(d) : d.equals(from))) {
                    update(other, r -> r.toBuilder().downstream(redirect(downstream, from, fqns, replacement)).build(),
                            reason);
                }
            }
        }

        SurgeryPlan plan(String operation) {
            List<SurgeryStep> steps = new ArrayList<>(first);
            updated.forEach((fqn, after) -> {
                if (!leaving.contains(fqn)) {
                    steps.add(updateStep(scope, records.get(fqn), after, String.join("; ", reasons.get(fqn))));
                }
            });
            steps.addAll(last);
            return new SurgeryPlan(id, operation, steps, notes);
        }
    }

    private static List<String> redirect(List<String> downstream, @Nullable String from, Set<String> removed,
            @Nullable String replacement) {
        List<String> result = new ArrayList<>();
        for (String entry : downstream) {
            boolean named = from == null ? removed.contains(entry) : entry.equals(from);
            if (!named) {
                result.add(entry);
            } else if (replacement != null && !result.contains(replacement)) {
                result.add(replacement);
            }
        }
        return result;
    }

    private static SurgeryStep updateStep(StateScope scope, Versioned<ResourceState> before, ResourceState after,
            String reason) {
        return new SurgeryStep(scope, before.value().fqn(), Action.UPDATE, before.version(), before.value(), after,
                StateDiff.between(before.value().toJsonNode(), after.toJsonNode()), null, reason);
    }

    private static SurgeryStep deleteStep(StateScope scope, Versioned<ResourceState> before, String reason) {
        return new SurgeryStep(scope, before.value().fqn(), Action.DELETE, before.version(), before.value(), null,
                List.of(), null, reason);
    }

    private static SurgeryStep createStep(StateScope scope, ResourceState after, String reason) {
        return new SurgeryStep(scope, after.fqn(), Action.CREATE, 0, null, after, List.of(), null, reason);
    }

    @Override
    public SurgeryPlan remove(Collection<String> fqns) {
        return remove(new Planner(), fqns, "remove");
    }

    private SurgeryPlan remove(Planner planner, Collection<String> fqns, String operation) {
        Set<String> gone = new TreeSet<>(StateNames.ORDER);
        for (String fqn : fqns) {
            planner.require(fqn);
            gone.add(fqn);
        }
        planner.redirectDownstream(gone, null, null, "a downstream entry named a forgotten record");
        for (String fqn : gone) {
            planner.leave(deleteStep(scope, planner.records.get(fqn), FORGOTTEN));
        }
        if (!gone.isEmpty()) {
            planner.notes.add("the cloud resources of forgotten records are not touched: delete them by hand, or adopt "
                    + "them again, if they still exist");
        }
        return planner.plan(operation);
    }

    @Override
    public SurgeryPlan removeByStatus(Set<ResourceStatus> statuses) {
        Planner planner = new Planner();
        List<String> fqns = planner.records.values().stream().filter(r -> statuses.contains(r.value().status()))
                .map(r -> r.value().fqn()).toList();
        return remove(planner, fqns, "remove");
    }

    @Override
    public SurgeryPlan rename(String fqn, String newFqn) {
        Planner planner = new Planner();
        Versioned<ResourceState> before = planner.require(fqn);
        return rename(planner, before, before.value(), newFqn, "rename");
    }

    private SurgeryPlan rename(Planner planner, Versioned<ResourceState> before, ResourceState edited, String newFqn,
            String operation) {
        String fqn = before.value().fqn();
        StateNames.requireValidFqn(newFqn);
        if (planner.records.containsKey(newFqn)) {
            throw new InvalidStateException("cannot rename '" + fqn + "' to '" + newFqn + "' in " + id
                    + ": a record of that name exists (remove or rename it first)");
        }
        ResourceState renamed = withFqn(edited.toJsonNode(), fqn, newFqn);
        List<String> ownDownstream = renamed.downstream();
        if (ownDownstream.contains(fqn)) {
            renamed = renamed.toBuilder().downstream(redirect(ownDownstream, fqn, Set.of(), newFqn)).build();
        }
        planner.first.add(createStep(scope, renamed, "'" + fqn + "' under its new name"));
        planner.redirectDownstream(Set.of(fqn), fqn, newFqn, "a downstream entry named '" + fqn + "', renamed");
        planner.leave(deleteStep(scope, before, "renamed to '" + newFqn + "'"));
        String oldId = lastSegment(fqn);
        if (renamed.logicalId().filter(oldId::equals).isPresent() && !lastSegment(newFqn).equals(oldId)) {
            planner.notes.add("its logicalId is still '" + oldId + "': set it with edit --set logicalId=... if the "
                    + "program now names it otherwise");
        }
        return planner.plan(operation);
    }

    private static String lastSegment(String fqn) {
        return fqn.substring(fqn.lastIndexOf('/') + 1);
    }

    /** The document with its {@code fqn}, and that of every previous generation under {@code old} named so, renamed. */
    private static ResourceState withFqn(ObjectNode document, String from, String to) {
        ObjectNode copy = document.deepCopy();
        for (ObjectNode node = copy; node != null; ) {
            if (from.equals(node.path("fqn").asText(null))) {
                node.put("fqn", to);
            }
            JsonNode old = node.get("old");
            node = old instanceof ObjectNode o && o.has("fqn") ? o : null;
        }
        return ResourceState.of(copy);
    }

    @Override
    public SurgeryPlan move(String fqn, StateScope target) {
        Planner planner = new Planner();
        Versioned<ResourceState> before = planner.require(fqn);
        if (target.get(fqn).isPresent()) {
            throw new InvalidStateException("cannot move '" + fqn + "' to " + target.id() + ": a record of that name "
                    + "exists there (remove it there first)");
        }
        planner.first.add(createStep(target, before.value(), "moved from " + id));
        planner.redirectDownstream(Set.of(fqn), null, null, "a downstream entry named '" + fqn + "', moved away");
        planner.leave(deleteStep(scope, before, "moved to " + target.id()));
        if (!before.value().downstream().isEmpty()) {
            planner.notes.add("its downstream entries " + before.value().downstream() + " name records of " + id
                    + "; check them in " + target.id());
        }
        return planner.plan("move");
    }

    @Override
    public SurgeryPlan mark(String fqn, ResourceStatus status) {
        Planner planner = new Planner();
        planner.require(fqn);
        planner.update(fqn, r -> r.toBuilder().status(status).build(), "marked " + status.wireName());
        return planner.plan("mark");
    }

    @Override
    public SurgeryPlan replace(String fqn, ResourceState edited, long openedVersion) {
        Planner planner = new Planner();
        Versioned<ResourceState> before = planner.require(fqn);
        if (before.version() != openedVersion) {
            throw new StateConflictException(id, fqn, openedVersion, OptionalLong.of(before.version()));
        }
        return replace(planner, before, edited, "edit");
    }

    /** {@code before} replaced by {@code edited}, or renamed with it where {@code edited} names another fqn. */
    private SurgeryPlan replace(Planner planner, Versioned<ResourceState> before, ResourceState edited, String operation) {
        String fqn = before.value().fqn();
        if (!edited.fqn().equals(fqn)) {
            return rename(planner, before, edited, edited.fqn(), operation);
        }
        planner.update(fqn, r -> edited, "edited");
        return planner.plan(operation);
    }

    @Override
    public SurgeryPlan set(String fqn, Map<String, @Nullable JsonNode> values) {
        Planner planner = new Planner();
        Versioned<ResourceState> before = planner.require(fqn);
        ObjectNode document = before.value().toJsonNode();
        values.forEach((path, value) -> set(document, pointer(path), value));
        ResourceState edited;
        try {
            edited = ResourceState.of(document);
        } catch (InvalidStateException e) {
            throw new InvalidStateException("setting " + values.keySet() + " of '" + fqn + "' does not leave a valid "
                    + "record: " + e.getMessage());
        }
        return replace(planner, before, edited, "set");
    }

    private static JsonPointer pointer(String path) {
        if (path.isEmpty()) {
            throw new InvalidStateException("an empty path names the whole record: edit it instead");
        }
        try {
            return JsonPointer.compile(path.startsWith("/") ? path : "/" + path.replace("~", "~0").replace("/", "~1")
                    .replace('.', '/'));
        } catch (IllegalArgumentException e) {
            throw new InvalidStateException("'" + path + "' is not a JSON Pointer or a dotted path: " + e.getMessage());
        }
    }

    private static void set(ObjectNode document, JsonPointer pointer, @Nullable JsonNode value) {
        JsonNode parent = document;
        JsonPointer rest = pointer;
        while (rest.tail() != null && !rest.tail().matches()) {
            String name = rest.getMatchingProperty();
            if (!(parent instanceof ObjectNode object)) {
                throw new InvalidStateException("'" + pointer + "' goes through a value that is not an object");
            }
            JsonNode child = object.get(name);
            if (child == null || child.isNull()) {
                child = object.putObject(name);
            }
            parent = child;
            rest = rest.tail();
        }
        String name = rest.getMatchingProperty();
        if (parent instanceof ObjectNode object) {
            if (value == null) {
                object.remove(name);
            } else {
                object.set(name, value);
            }
        } else if (parent instanceof ArrayNode array && rest.getMatchingIndex() >= 0 && rest.getMatchingIndex() < array.size()) {
            if (value == null) {
                array.remove(rest.getMatchingIndex());
            } else {
                array.set(rest.getMatchingIndex(), value);
            }
        } else {
            throw new InvalidStateException("'" + pointer + "' names no field of an object or element of an array");
        }
    }

    // ---- repair -----------------------------------------------------------------------------------

    /**
     * What the scope holds, read raw: the records that parse, those that do not (with the reason), and the documents
     * the backend holds where no read of their record looks, or under names this suite never writes.
     */
    private record Census(Map<String, Versioned<ResourceState>> records, Map<String, CorruptStateException> corrupt,
            Map<String, StoredDocument> corruptStored, List<StrayDocument> strays) {}

    private Census census() {
        Map<String, Versioned<ResourceState>> records = new TreeMap<>(StateNames.ORDER);
        Map<String, CorruptStateException> corrupt = new TreeMap<>(StateNames.ORDER);
        Map<String, StoredDocument> corruptStored = new TreeMap<>(StateNames.ORDER);
        String after = null;
        do {
            Page<StoredDocument> page = backend.list(id, after, 1000);
            for (StoredDocument stored : page.items()) {
                String fqn = ((StateKey.Record) stored.key()).fqn();
                try {
                    records.put(fqn, toRecord.apply(stored));
                } catch (CorruptStateException e) {
                    corrupt.put(fqn, e);
                    corruptStored.put(fqn, stored);
                }
            }
            after = page.nextAfter().orElse(null);
        } while (after != null);
        return new Census(records, corrupt, corruptStored, backend.strays(id));
    }

    private Optional<DeploymentRecord> liveDeployment() {
        return scope.deployments().open().filter(d -> d.isLive(Instant.now()));
    }

    @Override
    public List<RepairFinding> problems() {
        Census census = census();
        return findings(census, liveDeployment().isPresent(), homes(census));
    }

    /**
     * The stray documents a repair moves into their record's place: the first misplaced copy of each record that
     * has no document of its own, if it parses as that record.
     */
    private Map<StrayDocument, ResourceState> homes(Census census) {
        Map<StrayDocument, ResourceState> homes = new IdentityHashMap<>();
        Set<String> housed = new TreeSet<>(StateNames.ORDER);
        for (StrayDocument stray : census.strays()) {
            if (stray.listed() || census.records().containsKey(stray.fqn()) || census.corrupt().containsKey(stray.fqn())
                    || StateNames.fqnProblem(stray.fqn()).isPresent() || !housed.add(stray.fqn())) {
                continue;
            }
            try {
                homes.put(stray, toRecord.apply(opened(stray)).value());
            } catch (CorruptStateException | dev.statestore.StateStoreMisconfiguredException e) {
                housed.remove(stray.fqn()); // not a record it can become: quarantined like any other stray
            }
        }
        return homes;
    }

    /** The stray as a stored record, opened where the store seals what it stores. */
    private StoredDocument opened(StrayDocument stray) {
        StoredDocument stored = new StoredDocument(StateKey.record(stray.fqn()), stray.json(), 1, Instant.EPOCH,
                stray.location());
        return backend instanceof EncryptingBackend sealing ? sealing.openAnyVersion(id, stored) : stored;
    }

    private static List<RepairFinding> findings(Census census, boolean deploymentLive,
            Map<StrayDocument, ResourceState> homes) {
        List<RepairFinding> found = new ArrayList<>();
        census.corrupt().forEach((fqn, e) -> found.add(new RepairFinding(Problem.CORRUPT, fqn, null, e.getMessage()
                + "; repair quarantines it, bytes intact")));
        census.records().forEach((fqn, versioned) -> {
            ResourceState record = versioned.value();
            List<String> dangling = record.downstream().stream().filter(d -> !exists(census, homes, d)).toList();
            if (!dangling.isEmpty()) {
                found.add(new RepairFinding(Problem.DANGLING_DOWNSTREAM, fqn, null, "downstream names " + dangling
                        + ", which do not exist; repair removes those entries"));
            }
            if (record.status() == ResourceStatus.REPLACED && record.previousGeneration().isEmpty()) {
                found.add(new RepairFinding(Problem.EMPTY_REPLACEMENT, fqn, null, "it is 'replaced' with no previous "
                        + "generation left under 'old'; repair marks it 'created'"));
            }
            if (!deploymentLive && IN_PROGRESS.contains(record.status())) {
                found.add(new RepairFinding(Problem.STUCK, fqn, null, "left '" + record.status().wireName() + "' with "
                        + "no deployment live; repair changes it only as you choose: --mark " + fqn + "=STATUS (for "
                        + "example created, if its resource exists) or --remove " + fqn));
            }
        });
        for (StrayDocument stray : census.strays()) {
            if (stray.listed()) {
                found.add(new RepairFinding(Problem.UNWRITABLE_NAME, stray.fqn(), stray.location(), stray.problem()
                        + "; repair changes it only as you choose: --rename " + stray.fqn() + "=NEWFQN or --remove "
                        + stray.fqn()));
            } else {
                found.add(new RepairFinding(Problem.MISPLACED, stray.fqn(), stray.location(), stray.problem() + "; "
                        + (homes.containsKey(stray) ? "repair moves it into the record's own place"
                                : "repair quarantines it, bytes intact")));
            }
        }
        return found;
    }

    /** Whether a record named {@code fqn} is there, or will be once its misplaced document is moved into place. */
    private static boolean exists(Census census, Map<StrayDocument, ResourceState> homes, String fqn) {
        return census.records().containsKey(fqn) || census.corrupt().containsKey(fqn)
                || homes.values().stream().anyMatch(home -> home.fqn().equals(fqn));
    }

    @Override
    public SurgeryPlan repair(RepairChoices choices) {
        Census census = census();
        Optional<DeploymentRecord> live = liveDeployment();
        Map<StrayDocument, ResourceState> homes = homes(census);
        List<RepairFinding> findings = findings(census, live.isPresent(), homes);
        Set<String> stuck = new TreeSet<>(StateNames.ORDER);
        Set<String> unwritable = new TreeSet<>(StateNames.ORDER);
        findings.forEach(f -> (f.problem() == Problem.STUCK ? stuck : f.problem() == Problem.UNWRITABLE_NAME ? unwritable
                : new TreeSet<String>()).add(f.fqn()));
        String whileLive = live.isPresent() ? " (deployment " + live.get().version() + " is live: nothing is judged "
                + "stuck while it runs)" : "";
        for (String fqn : choices.mark().keySet()) {
            if (!stuck.contains(fqn)) {
                throw new InvalidStateException("'" + fqn + "' is not a record left in progress in " + id + whileLive
                        + "; use mark for other records");
            }
        }
        for (String fqn : choices.rename().keySet()) {
            if (!unwritable.contains(fqn)) {
                throw new InvalidStateException("'" + fqn + "' is not a record under a name this store never writes in "
                        + id + "; use mv for other records");
            }
        }
        for (String fqn : choices.remove()) {
            if (!stuck.contains(fqn) && !unwritable.contains(fqn)) {
                throw new InvalidStateException("'" + fqn + "' is not a record left in progress, nor one under a name "
                        + "this store never writes, in " + id + whileLive + "; use rm for other records");
            }
            if (choices.mark().containsKey(fqn) || choices.rename().containsKey(fqn)) {
                throw new InvalidStateException("'" + fqn + "' is both removed and kept: choose one");
            }
        }
        Planner planner = new Planner(census.records());
        Set<String> forgotten = new TreeSet<>(StateNames.ORDER);
        for (RepairFinding finding : findings) {
            String fqn = finding.fqn();
            switch (finding.problem()) {
                case CORRUPT -> planner.last.add(new SurgeryStep(scope, fqn, Action.QUARANTINE,
                        census.corruptStored().get(fqn).version(), null, null, List.of(), null, finding.detail()));
                case DANGLING_DOWNSTREAM -> planner.update(fqn, r -> r.toBuilder().downstream(r.downstream().stream()
                        .filter(d -> exists(census, homes, d)).toList())
                        .build(), "removed downstream entries naming records that do not exist");
                case EMPTY_REPLACEMENT -> planner.update(fqn, r -> {
                    ObjectNode document = r.toJsonNode();
                    document.remove(List.of("old", "deleteFirst"));
                    document.put("status", ResourceStatus.CREATED.wireName());
                    return ResourceState.of(document);
                }, "marked 'created': no previous generation is left to replace");
                case STUCK -> {
                    if (choices.mark().containsKey(fqn)) {
                        ResourceStatus status = choices.mark().get(fqn);
                        planner.update(fqn, r -> r.toBuilder().status(status).build(),
                                "marked " + status.wireName() + ", as chosen");
                    } else if (choices.remove().contains(fqn)) {
                        forgotten.add(fqn);
                        planner.leave(deleteStep(scope, census.records().get(fqn), FORGOTTEN));
                    } else {
                        planner.notes.add("'" + fqn + "' is left '" + census.records().get(fqn).value().status()
                                .wireName() + "': choose --mark " + fqn + "=STATUS or --remove " + fqn);
                    }
                }
                case MISPLACED, UNWRITABLE_NAME -> {
                    StrayDocument stray = census.strays().stream().filter(d -> d.location().equals(finding.location()))
                            .findFirst().orElseThrow();
                    planStray(planner, stray, homes.get(stray), choices, forgotten);
                }
                default -> throw new IllegalStateException(finding.problem().name());
            }
        }
        if (!forgotten.isEmpty()) {
            planner.redirectDownstream(forgotten, null, null, "a downstream entry named a forgotten record");
        }
        return planner.plan("repair");
    }

    /** A stray moved into its record's place, renamed, or (removed, or a second copy) quarantined. */
    private void planStray(Planner planner, StrayDocument stray, @Nullable ResourceState home, RepairChoices choices,
            Set<String> forgotten) {
        String fqn = stray.fqn();
        SurgeryStep quarantine = new SurgeryStep(scope, fqn, Action.QUARANTINE, 0, null, null, List.of(),
                stray.location(), "moved aside from " + stray.location() + ", bytes intact");
        if (!stray.listed()) {
            if (home != null) {
                planner.first.add(createStep(scope, home, "'" + fqn + "' moved into its own place from "
                        + stray.location()));
            }
            planner.last.add(quarantine);
            return;
        }
        String newFqn = choices.rename().get(fqn);
        if (newFqn != null) {
            StateNames.requireValidFqn(newFqn);
            if (planner.records.containsKey(newFqn)) {
                throw new InvalidStateException("cannot rename '" + fqn + "' to '" + newFqn + "': a record of that name "
                        + "exists (remove or rename it first)");
            }
            ResourceState renamed = withFqn(planner.records.get(fqn).value().toJsonNode(), fqn, newFqn);
            planner.first.add(createStep(scope, renamed, "'" + fqn + "' under a name this store writes"));
            planner.redirectDownstream(Set.of(fqn), fqn, newFqn, "a downstream entry named '" + fqn + "', renamed");
            planner.leave(quarantine);
        } else if (choices.remove().contains(fqn)) {
            forgotten.add(fqn);
            planner.leave(quarantine);
        } else {
            planner.notes.add("'" + fqn + "' is under a name this store never writes: choose --rename " + fqn
                    + "=NEWFQN or --remove " + fqn);
        }
    }

    // ---- applying ---------------------------------------------------------------------------------

    @Override
    public SurgeryResult apply(SurgeryPlan plan, DeploymentMeta.@Nullable Initiator initiator, @Nullable String reason) {
        DeploymentMeta meta = new DeploymentMeta("repair", initiator, null, null,
                reason == null || reason.isBlank() ? plan.operation() : plan.operation() + ": " + reason.strip());
        Map<StateScope, DeploymentLease> leases = new IdentityHashMap<>();
        Map<StateScope, Map<String, Long>> counts = new IdentityHashMap<>();
        List<StateScope> order = new ArrayList<>();
        int applied = 0;
        try {
            for (SurgeryStep step : plan.steps()) {
                if (!leases.containsKey(step.scope())) {
                    // Every scope's lease first: a live deployment anywhere stops the surgery before any write.
                    leases.put(step.scope(), begin(step.scope(), meta));
                    order.add(step.scope());
                }
            }
        } catch (StateStoreException e) {
            end(leases, counts, DeploymentOutcome.FAILED, "not started: " + e.getMessage(), e);
            throw e;
        }
        long lastBeat = System.nanoTime();
        try {
            journalBefore(plan, leases);
            for (SurgeryStep step : plan.steps()) {
                DeploymentLease lease = leases.get(step.scope());
                write(step, lease.version());
                applied++;
                counts.computeIfAbsent(step.scope(), s -> new TreeMap<>())
                        .merge(step.action().name().toLowerCase(java.util.Locale.ROOT), 1L, Long::sum);
                if (System.nanoTime() - lastBeat > TTL.toNanos() / 4) {
                    leases.forEach((s, l) -> s.deployments().heartbeat(l.version(), l.token()));
                    lastBeat = System.nanoTime();
                }
            }
        } catch (StateStoreException e) {
            end(leases, counts, DeploymentOutcome.FAILED, "stopped after " + applied + " of " + plan.steps().size()
                    + " writes: " + e.getMessage(), e);
            throw new SurgeryIncompleteException(plan, versions(order, leases), applied, e);
        }
        end(leases, counts, DeploymentOutcome.SUCCEEDED, null, null);
        return new SurgeryResult(plan, versions(order, leases));
    }

    /**
     * Journals, in each scope's deployment and before any write, what each step is about to change and the document
     * it replaces: the record as it was is kept even where the history does not reach it (written before history was
     * on, or by Alchemy itself).
     */
    private static void journalBefore(SurgeryPlan plan, Map<StateScope, DeploymentLease> leases) {
        Map<StateScope, List<DeploymentEvent>> events = new IdentityHashMap<>();
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        for (SurgeryStep step : plan.steps()) {
            List<DeploymentEvent> list = events.computeIfAbsent(step.scope(), s -> new ArrayList<>());
            ObjectNode payload = StateJson.nodes().objectNode();
            payload.put("surgery", step.action().name().toLowerCase(java.util.Locale.ROOT));
            payload.put("expectedVersion", step.expectedVersion());
            payload.put("reason", step.reason());
            if (step.before() != null) {
                payload.set("before", step.before().toJsonNode());
            }
            list.add(new DeploymentEvent(list.size() + 1, now, step.fqn(), payload));
        }
        events.forEach((s, list) -> {
            DeploymentLease lease = leases.get(s);
            s.deployments().appendEvents(lease.version(), lease.token(), list);
        });
    }

    private static DeploymentLease begin(StateScope target, DeploymentMeta meta) {
        return beginTakingOverCrashed(target, meta, TTL);
    }

    /**
     * Begins an operator's deployment in {@code target} (a surgery, a restore), taking over an open one whose own
     * lease has run out (a crashed deploy: not {@link DeploymentRecord#isLive live}), which a begin with the operator's
     * own ttl would wait out; a live one still refuses it ({@link dev.statestore.DeploymentInProgressException}).
     */
    static DeploymentLease beginTakingOverCrashed(StateScope target, DeploymentMeta meta, java.time.Duration ttl) {
        Optional<DeploymentRecord> crashed = target.deployments().open().filter(d -> !d.isLive(Instant.now()));
        return crashed.isPresent() ? target.deployments().begin(meta, ttl, crashed.get().version())
                : target.deployments().begin(meta, ttl);
    }

    private static List<Long> versions(List<StateScope> order, Map<StateScope, DeploymentLease> leases) {
        return order.stream().map(s -> leases.get(s).version()).toList();
    }

    private static void end(Map<StateScope, DeploymentLease> leases, Map<StateScope, Map<String, Long>> counts,
            DeploymentOutcome outcome, @Nullable String error, @Nullable StateStoreException failure) {
        leases.forEach((s, lease) -> {
            try {
                s.deployments().end(lease.version(), lease.token(), outcome,
                        new DeploymentSummary(counts.getOrDefault(s, Map.of()), error));
            } catch (StateStoreException ending) {
                if (failure == null) {
                    throw ending;
                }
                failure.addSuppressed(ending);
            }
        });
    }

    private void write(SurgeryStep step, long deployment) {
        StateScope writer = step.scope().fenced(deployment);
        switch (step.action()) {
            case CREATE -> writer.create(java.util.Objects.requireNonNull(step.after()));
            case UPDATE -> writer.update(java.util.Objects.requireNonNull(step.after()), step.expectedVersion());
            case DELETE -> writer.delete(step.fqn(), step.expectedVersion());
            // Through the surgery of the step's own scope: the one whose storage holds the bytes.
            case QUARANTINE -> {
                if (!(step.scope().surgery() instanceof ScopeSurgery own)) {
                    throw new InvalidStateException("a quarantine is made by the store of the scope it was planned in");
                }
                own.quarantine(step, deployment);
            }
            default -> throw new IllegalStateException(step.action().name());
        }
    }

    /**
     * Copies the stored bytes to the next free {@code quarantine/N} control document, then deletes the record
     * conditional on its version: a crash between the two leaves the copy and the record, never neither.
     */
    private void quarantine(SurgeryStep step, long deployment) {
        if (step.location() != null) {
            quarantineStray(step, deployment);
            return;
        }
        ControlStore control = control();
        StateKey key = StateKey.record(step.fqn());
        StoredDocument stored = backend.read(id, key).orElseThrow(
                () -> new StateConflictException(id, step.fqn(), step.expectedVersion(), OptionalLong.empty()));
        if (stored.version() != step.expectedVersion()) {
            throw new StateConflictException(id, step.fqn(), step.expectedVersion(), OptionalLong.of(stored.version()));
        }
        keep(control, step.fqn(), stored.version(), stored.location(), stored.json(), deployment);
        if (!backend.delete(id, key, new WriteCondition(stored.version(), deployment, recorded))) {
            throw new StateConflictException(id, step.fqn(), step.expectedVersion(), OptionalLong.empty());
        }
    }

    /**
     * The same for a stray document, by its location: copied as it is now, then removed if still the same bytes.
     * It is not a record's write, so the history has no change for it: the quarantine holds its bytes.
     */
    private void quarantineStray(SurgeryStep step, long deployment) {
        ControlStore control = control();
        StrayDocument stray = backend.strays(id).stream().filter(d -> d.location().equals(step.location())).findFirst()
                .orElseThrow(() -> new StateConflictException(id, step.fqn(), 0, OptionalLong.empty(),
                        step.location() + " is gone or changed since the repair was planned"));
        keep(control, stray.fqn(), 0, stray.location(), stray.json(), deployment);
        if (!backend.removeStray(id, stray)) {
            throw new StateConflictException(id, step.fqn(), 0, OptionalLong.empty(), stray.location()
                    + " changed while it was moved aside: its copy is in the quarantine, the file is left as it is");
        }
    }

    /** Stores the bytes at the next free {@code quarantine/N}. */
    private void keep(ControlStore control, String fqn, long version, String location, String bytes, long deployment) {
        ObjectNode copy = StateJson.nodes().objectNode();
        copy.put("fqn", fqn);
        copy.put("version", version);
        copy.put("location", location);
        copy.put("bytes", bytes);
        copy.put("at", Instant.now().toEpochMilli());
        copy.put("deployment", deployment);
        String json = StateJson.compact(copy);
        for (long n = 1; ; n++) {
            String name = QUARANTINE_PREFIX + n;
            if (control.read(id, name).isEmpty() && control.compareAndSet(id, name, Optional.empty(), json)) {
                return;
            }
        }
    }

    private ControlStore control() {
        return backend.controlStore().orElseThrow(() -> new StateStoreMisconfiguredException("the quarantine of " + id
                + " is kept by the store itself, and " + backend.describe() + " reaches it through a server: run the "
                + "repair against the server's own store URL"));
    }

    @Override
    public List<QuarantinedRecord> quarantined() {
        ControlStore control = control();
        List<QuarantinedRecord> found = new ArrayList<>();
        for (long n = 1; ; n++) {
            String name = QUARANTINE_PREFIX + n;
            Optional<ControlDocument> document = control.read(id, name);
            if (document.isEmpty()) {
                return found;
            }
            try {
                JsonNode node = StateJson.parse(document.get().json());
                found.add(new QuarantinedRecord(node.path("fqn").asText(), node.path("version").asLong(),
                        node.path("location").asText(), node.path("bytes").asText(),
                        Instant.ofEpochMilli(node.path("at").asLong()), node.path("deployment").asLong()));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new CorruptStateException("the control document '" + name + "' of " + id,
                        "not valid JSON: " + StateJson.problem(e), e);
            }
        }
    }
}
