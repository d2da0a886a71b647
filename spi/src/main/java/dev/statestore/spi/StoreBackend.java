package dev.statestore.spi;

import dev.statestore.Page;
import dev.statestore.ScopeId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What a backend implements: storage of JSON documents by (scope, key) with versions, and a deploy
 * lock per scope. The public {@link dev.statestore.StateStore} is built on it once, for every backend,
 * by {@link dev.statestore.StateStores}: names, documents, page sizes and lock arguments are validated
 * before they reach a backend, and stored text is parsed (and reported corrupt) after it leaves one.
 *
 * <p>The contract, which the conformance suite checks:
 * <ul>
 *   <li>Every write and delete is atomic, and a conditional one is one atomic step of the backend:
 *       a {@link WriteCondition} that does not hold throws {@link dev.statestore.StateConflictException}
 *       with the current version and writes nothing.
 *   <li>A write stores version {@code v + 1}, where {@code v} is the key's current version, or the
 *       last version of the key's deleted record (a tombstone), or 0. Versions never repeat for a key.
 *   <li>Scopes never see each other's keys; {@link #stacks()} and {@link #stages(String)} list those
 *       with at least one live document, in {@link dev.statestore.StateNames#ORDER}.
 *   <li>Listings return records only (never the stack output) in fqn order.
 *   <li>Deployments and the deploy lock are built once for every backend ({@link DeploymentJournal}) on small
 *       documents per scope that the backend can compare-and-set ({@link ControlStore}), kept apart from records.
 *   <li>Unreachable or timing out: {@link dev.statestore.StateStoreUnavailableException}.
 * </ul>
 * Implementations are thread-safe.
 */
public interface StoreBackend extends AutoCloseable {

    /** Where the state is, with credentials left out. */
    String describe();

    List<String> stacks();

    List<String> stages(String stack);

    Optional<StoredDocument> read(ScopeId scope, StateKey key);

    /** Writes {@code document} at its key if {@code condition} holds. @return the new version */
    StoredDocument write(ScopeId scope, WriteCondition condition, DocumentToWrite document);

    /**
     * Deletes the document at {@code key} if {@code condition} holds, keeping its version as a
     * tombstone. An unconditional delete of a missing key is not an error.
     *
     * @return whether a live document was deleted
     */
    boolean delete(ScopeId scope, StateKey key, WriteCondition condition);

    /**
     * The version the key's last write or deletion left: its live document's, or its tombstone's, or 0 if it was never
     * written; the next write stores one more. A backend that answers also honours {@link WriteCondition#lastVersion()}
     * in the same atomic step as the rest of a write's condition. The default answers nothing: such a backend
     * ignores that condition, and encryption at rest cannot bind what it seals before a put or a create to the version
     * it will have (it binds updates, whose version is known).
     */
    default java.util.OptionalLong lastVersion(ScopeId scope, StateKey key) {
        return java.util.OptionalLong.empty();
    }

    /** Up to {@code limit} records after {@code afterFqn} (null: from the first), in fqn order. */
    Page<StoredDocument> list(ScopeId scope, @Nullable String afterFqn, int limit);

    /**
     * The records whose {@code status} field is one of {@code statuses}, in fqn order. The default reads the whole
     * scope through {@link #list}; a backend that indexes statuses answers from its index.
     */
    default List<StoredDocument> listByStatus(ScopeId scope, Set<String> statuses) {
        List<StoredDocument> result = new ArrayList<>();
        String after = null;
        do {
            Page<StoredDocument> page = list(scope, after, PAGE);
            for (StoredDocument document : page.items()) {
                if (statuses.contains(document.status())) {
                    result.add(document);
                }
            }
            after = page.nextAfter().orElse(null);
        } while (after != null);
        return result;
    }

    /**
     * Deletes every record and the stack output of the scope, keeping tombstones, each deletion under
     * {@code condition} (unconditional as to versions; its fence and its recording hold for each). The default
     * deletes them one by one as {@link #list} finds them; a backend that can delete a scope more cheaply does so.
     * Not atomic either way.
     */
    default void deleteScope(ScopeId scope, WriteCondition condition) {
        String after = null;
        do {
            Page<StoredDocument> page = list(scope, after, PAGE);
            for (StoredDocument document : page.items()) {
                delete(scope, document.key(), condition);
            }
            after = page.nextAfter().orElse(null);
        } while (after != null);
        delete(scope, StateKey.output(), condition);
    }

    /** The page size of the default forms above. */
    int PAGE = 1000;

    /**
     * Deletes every stage of the stack, as {@link #deleteScope} does each. The default deletes the stages
     * {@link #stages} lists; a backend that keeps something of an emptied stage that a listing does not show
     * (the file store's empty folders) removes that too.
     */
    default void deleteStack(String stack, WriteCondition condition) {
        for (String stage : stages(stack)) {
            deleteScope(new ScopeId(stack, stage), condition);
        }
    }

    /**
     * The small documents deployments and the deploy lock are made of: the same object on every call. Empty only for
     * a backend whose deployments run elsewhere (a server's), which overrides {@link #deployments()}.
     */
    Optional<ControlStore> controlStore();

    /**
     * The deployments and deploy locks of this backend's scopes: {@link DeploymentJournal#overControlDocuments} over
     * {@link #controlStore()}, unless they run elsewhere.
     */
    default DeploymentJournal deployments() {
        return DeploymentJournal.overControlDocuments(controlStore().orElseThrow(() -> new IllegalStateException(
                describe() + " has no control store and does not say where its deployments are")));
    }

    /**
     * The change log this backend keeps of each scope, for writes whose condition is {@link WriteCondition#recorded()}.
     * Empty only for a backend whose history is kept elsewhere (a server's, which records the writes it is sent).
     */
    default Optional<HistoryStore> history() {
        return Optional.empty();
    }

    /**
     * The largest document (UTF-8 bytes of compact JSON) this backend stores whatever its content, where that is
     * less than {@link dev.statestore.StoreLimits#DEFAULT_MAX_DOCUMENT_BYTES}; empty (the default) where the
     * backend takes at least that much, and the larger documents encryption at rest makes of them. The shared layer
     * refuses any document over the default before any I/O; a backend that declares less and is handed a larger
     * document that it cannot store (it did not compress enough) throws {@link dev.statestore.InvalidStateException}
     * naming its limit, before any I/O. See {@link dev.statestore.StoreLimits}.
     */
    default OptionalInt incompressibleDocumentBytes() {
        return OptionalInt.empty();
    }

    /**
     * Whether this backend itself refuses to write over a stored record that is not a valid record (a remote
     * store that applies the same rule on its side). If not, the shared layer reads the current record before
     * every write that could replace it ({@code update}, {@code put}, the deletes), since corrupt data is never
     * rewritten: an operator repairs it on purpose.
     */
    default boolean refusesWritesOverCorruptRecords() {
        return false;
    }

    /**
     * Whether records may be stored here under fqns this suite reads but never writes ({@code /lead},
     * {@code a//b}: see {@link dev.statestore.StateNames#fqnProblem}), because another tool writes the same data
     * (Alchemy shares the file store's tree), so a read of such a name must reach the backend. If not (the
     * default), such a read is answered "absent" by the shared layer: the backend's keys may assume valid names
     * (an S3 key with a {@code ..} segment could be normalized into another record's).
     */
    default boolean holdsNamesOfOtherWriters() {
        return false;
    }

    /**
     * The scope's stray documents (see {@link StrayDocument}): none for a backend whose keys are its records' names.
     * A backend that {@link #holdsNamesOfOtherWriters() holds names of other writers} lists them here, so that a
     * repair can fix them.
     */
    default List<StrayDocument> strays(ScopeId scope) {
        return List.of();
    }

    /**
     * Removes a stray document, as one step under the scope's lock, if its stored bytes are still {@code stray}'s.
     *
     * @return false, removing nothing, if it changed or is gone
     */
    default boolean removeStray(ScopeId scope, StrayDocument stray) {
        throw new UnsupportedOperationException(describe() + " holds no stray documents");
    }

    /**
     * Warnings about how the backend is set up, for people (the command line's {@code doctor}): a
     * server that keeps nothing on disk, say. Empty when nothing is worth saying. Reads only.
     */
    default List<String> diagnose() {
        return List.of();
    }

    @Override
    void close();

    /**
     * The public store over a backend that a backend module opened itself, for its typed factory (a store on a
     * client the application owns): what {@link dev.statestore.StateStores#open(String)} does with the backend a
     * provider opens. Closing the store closes the backend.
     */
    static dev.statestore.StateStore toStateStore(StoreBackend backend) {
        return new dev.statestore.internal.BackendStateStore(backend);
    }
}
