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
 */
public record WriteCondition(long expectedVersion, long fence, boolean recorded) {

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
        return new WriteCondition(expectedVersion, fence, recorded);
    }

    /** The same condition, with the change going into the scope's history or not. */
    public WriteCondition recorded(boolean recorded) {
        return new WriteCondition(expectedVersion, fence, recorded);
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
}
