package dev.statestore.spi;

/**
 * The precondition of a backend write or delete.
 *
 * @param expectedVersion {@link #ANY_VERSION} for an unconditional write, {@link #ABSENT} for
 *     "no record may exist", otherwise the version the stored record must have
 */
public record WriteCondition(long expectedVersion) {

    public static final long ANY_VERSION = -1;
    public static final long ABSENT = 0;

    public WriteCondition {
        if (expectedVersion < -1) {
            throw new IllegalArgumentException("expected version " + expectedVersion);
        }
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

    public boolean isUnconditional() {
        return expectedVersion == ANY_VERSION;
    }

    public boolean requiresAbsent() {
        return expectedVersion == ABSENT;
    }

    /**
     * Whether the condition holds for what is stored.
     *
     * @param currentVersion the stored version, or 0 when there is no live record
     */
    public boolean holdsFor(long currentVersion) {
        return isUnconditional() || expectedVersion == currentVersion;
    }
}
