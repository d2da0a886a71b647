package dev.statestore;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * An operator's changes to the records of one scope, for what a deploy cannot fix on its own: forget a record, rename
 * or move it, edit it, mark its status, repair what an interrupted deploy left behind. Obtained from
 * {@link StateScope#surgery()}.
 *
 * <p>Every operation is planned first, reading the scope and changing nothing: the {@link SurgeryPlan} says exactly
 * which records it would create, update, delete or quarantine, with each field that changes. {@link #apply} then
 * makes those changes and nothing else.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>{@link #apply} is a deployment of its own in every scope it writes (command {@code repair}, the operator as
 *       initiator, the reason as its note), so it refuses to run while another deployment is live
 *       ({@link DeploymentInProgressException}) and each write is fenced by it. An open deployment whose own lease
 *       ran out (a crashed deploy) is not live: the surgery takes it over (it is recorded as abandoned).
 *   <li>Each write is conditional on the version the plan read: a record changed since the plan was made stops the
 *       surgery ({@link SurgeryIncompleteException}, which says what was done) instead of overwriting the change.
 *   <li>Each write is in the scope's {@link History} as that deployment's, so {@link History#restore} to the
 *       deployment before it undoes it. Before the first write, the deployment's journal receives one event per step
 *       (the action, the version it expects, and the whole document it replaces), so the records as they were are
 *       kept even where the history does not reach (state written before history was on, or by Alchemy itself).
 *   <li>The cloud resources a record describes are never touched: forgetting a record leaves its resource running.
 *   <li>A record whose stored bytes are not a valid record is never deleted: {@link #repair} quarantines it, moving
 *       the bytes unchanged to the scope's quarantine ({@link #quarantined()}).
 * </ul>
 *
 * <h2>Errors</h2>
 * {@link StateNotFoundException} for a record that is not there; {@link InvalidStateException} for an edit that is
 * not a valid record, or a rename to a name taken or not valid; and, as for every call,
 * {@link StateStoreUnavailableException} and {@link CorruptStateException}.
 */
public interface Surgery {

    /** Forgets the records {@code fqns} (all must exist), and removes them from every other record's {@code downstream}. */
    SurgeryPlan remove(Collection<String> fqns);

    /** Forgets every record whose status is one of {@code statuses}. */
    SurgeryPlan removeByStatus(Set<ResourceStatus> statuses);

    /**
     * Renames a record within its scope: the same document under {@code newFqn} (its {@code fqn}, and its previous
     * generations' under {@code old}, rewritten), and every {@code downstream} entry naming it in the scope changed to
     * the new name.
     */
    SurgeryPlan rename(String fqn, String newFqn);

    /**
     * Moves a record to another scope, of this store or another one: created there (it must not exist there), then
     * forgotten here, with every {@code downstream} entry naming it here removed.
     */
    SurgeryPlan move(String fqn, StateScope target);

    /** Sets a record's status, the rest of its document unchanged. */
    SurgeryPlan mark(String fqn, ResourceStatus status);

    /**
     * Replaces a record with an edited document, conditional on {@code openedVersion} (the version the edit started
     * from). An edited {@code fqn} is a rename (see {@link #rename}).
     */
    SurgeryPlan replace(String fqn, ResourceState edited, long openedVersion);

    /**
     * Sets fields of a record: each key a JSON Pointer ({@code /props/size}) or a dotted path ({@code props.size}),
     * missing objects on the way created; a null value removes the field.
     */
    SurgeryPlan set(String fqn, Map<String, @Nullable JsonNode> values);

    /**
     * What is wrong in the scope that a deploy trips over: {@code downstream} entries naming records that do not
     * exist, {@code replaced} records with no previous generation left under {@code old}, records left
     * {@code creating}, {@code updating}, {@code deleting}, {@code replacing} or {@code running} with no deployment
     * live, records whose stored bytes are not a valid record, and (the file store's) documents stored where no read
     * looks or under a name this suite never writes.
     */
    List<RepairFinding> problems();

    /**
     * The fixes for {@link #problems()}: dangling {@code downstream} entries removed, an empty replacement chain
     * marked {@code created}, corrupt records quarantined, a misplaced document moved into its record's place (or
     * quarantined, if the record has one). What is not guessed at is fixed only as the operator chose: a record in
     * progress marked or removed, a record under a name this suite never writes renamed or removed; the others are
     * named in the plan's notes.
     *
     * @throws InvalidStateException for a choice about a record that has no finding it answers
     */
    SurgeryPlan repair(RepairChoices choices);

    /**
     * Makes the plan's changes (see the guarantees above). @throws SurgeryIncompleteException if a write failed after
     * the first scope's deployment began, saying how many were made
     */
    SurgeryResult apply(SurgeryPlan plan, DeploymentMeta.@Nullable Initiator initiator, @Nullable String reason);

    /** The records quarantined in this scope by {@link #repair}, with their bytes as they were stored. */
    List<QuarantinedRecord> quarantined();
}
