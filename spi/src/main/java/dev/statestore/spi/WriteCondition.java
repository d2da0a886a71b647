package dev.statestore.spi;

/**
 * The precondition of a backend write or delete (a version the stored record must have, and a fence), and whether
 * the change goes into the scope's history.
 *
 * @param expectedVersion {@link #ANY_VERSION} for an unconditional write, {@link #ABSENT} for
 *     "no record may exist", otherwise the version the stored record must have
 * @param fence {@link #UNFENCED}, or the version of the deployment the write is made under: the write must then
 *     be refused with {@link dev.statestore.StateWriteFencedException}, writing nothing, if the control document
 *     {@link #fenceDocument()} (the record of a newer deployment) exists, checked in the same atomic step as the
 *     write wherever the backend has one
 * @param recorded whether the backend also stores the change in the scope's history ({@link HistoryStore}), in the
 *     same atomic step as the write wherever it has one; a write that fails its condition or its fence stores none
 * @param lastVersion {@link #ANY_VERSION}, or the version the key's last write or deletion left (its live record's, or
 *     its tombstone's, or 0 if it was never written), checked in the same atomic step as {@code expectedVersion}: a
 *     write that holds stores exactly {@code lastVersion + 1}, which is what lets a document be sealed for the version
 *     it will have (encryption at rest) before a {@link #isUnconditional() put} or a {@link #requiresAbsent() create}.
 *     Only with those two: an update's resulting version is known already. Only for a backend whose
 *     {@link StoreBackend#lastVersion} answers; a write that fails it throws the conflict a failed version would.
 */
public record WriteCondition(long expectedVersion, long fence, boolean recorded, long lastVersion) {

    public static final long ANY_VERSION = -1;
    public static final long ABSENT = 0;
    public static final long UNFENCED = 0;

    public WriteCondition {
        if (expectedVersion < -1) {
            throw new IllegalArgumentException("expected version " + expectedVersion);
        }
        if (fence < 0) {
            throw new IllegalArgumentException("fence " + fence);
        }
        if (lastVersion < -1 || lastVersion != ANY_VERSION && expectedVersion > ABSENT) {
            throw new IllegalArgumentException("last version " + lastVersion + " with expected version " + expectedVersion
                    + ": a last version goes only with a put or a create");
        }
    }

    public WriteCondition(long expectedVersion, long fence, boolean recorded) {
        this(expectedVersion, fence, recorded, ANY_VERSION);
    }

    public WriteCondition(long expectedVersion, long fence) {
        this(expectedVersion, fence, false);
    }

    public WriteCondition(long expectedVersion) {
        this(expectedVersion, UNFENCED);
    }

    public static WriteCondition any() {
        return new WriteCondition(ANY_VERSION);
    }

    public static WriteCondition absent() {
        return new WriteCondition(ABSENT);
    }

    /** @throws dev.statestore.InvalidStateException if {@code version} is below 1 */
    public static WriteCondition version(long version) {
        if (version < 1) {
            throw new dev.statestore.InvalidStateException("an expected version is at least 1, was " + version);
        }
        return new WriteCondition(version);
    }

    /** The same condition, fenced by deployment {@code fence} ({@link #UNFENCED}: not fenced). */
    public WriteCondition fencedBy(long fence) {
        return new WriteCondition(expectedVersion, fence, recorded, lastVersion);
    }

    /** The same condition, with the change going into the scope's history or not. */
    public WriteCondition recorded(boolean recorded) {
        return new WriteCondition(expectedVersion, fence, recorded, lastVersion);
    }

    /**
     * The same put or create, which also requires the key's last version to be {@code lastVersion}, so that it stores
     * {@code lastVersion + 1}.
     *
     * @throws IllegalArgumentException for an update (its version is known) or a version below 0
     */
    public WriteCondition following(long lastVersion) {
        if (lastVersion < 0) {
            throw new IllegalArgumentException("last version " + lastVersion);
        }
        return new WriteCondition(expectedVersion, fence, recorded, lastVersion);
    }

    public boolean requiresLastVersion() {
        return lastVersion != ANY_VERSION;
    }

    public boolean isFenced() {
        return fence != UNFENCED;
    }

    /** The control document whose existence refuses a fenced write: the record of deployment {@code fence + 1}. */
    public String fenceDocument() {
        return ControlStore.deploymentName(fence + 1);
    }

    public boolean isUnconditional() {
        return expectedVersion == ANY_VERSION;
    }

    public boolean requiresAbsent() {
        return expectedVersion == ABSENT;
    }

    /**
     * Whether the version condition holds for what is stored.
     *
     * @param currentVersion the stored version, or 0 when there is no live record
     */
    public boolean holdsFor(long currentVersion) {
        return isUnconditional() || expectedVersion == currentVersion;
    }

    /**
     * Whether the whole condition holds for what is stored: the version condition and the {@link #lastVersion()}.
     *
     * @param currentVersion the stored version, or 0 when there is no live record
     * @param lastVersion the version the key's last write or deletion left: {@code currentVersion} when there is a live
     *     record, else its tombstone's, else 0
     */
    public boolean holdsFor(long currentVersion, long lastVersion) {
        return holdsFor(currentVersion) && (!requiresLastVersion() || this.lastVersion == lastVersion);
    }

    /**
     * The conflict of a write whose {@link #lastVersion()} did not hold.
     *
     * @param currentVersion the live record's version, or 0 when there is none
     * @param lastVersion the version the key's last write or deletion left
     */
    public dev.statestore.StateConflictException lastVersionConflict(dev.statestore.ScopeId scope, StateKey key,
            long currentVersion, long lastVersion) {
        return new dev.statestore.StateConflictException(scope, key.describe(), expectedVersion,
                currentVersion == 0 ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(currentVersion),
                "conflict on '" + key.describe() + "' in " + scope + ": expected its last version to be " + this.lastVersion
                        + ", found " + lastVersion + (currentVersion == 0 && lastVersion > 0 ? " (deleted)" : ""));
    }
}
