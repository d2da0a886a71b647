package dev.statestore;

import java.util.Arrays;

/**
 * How a deployment closed. The engine ends one with {@link #SUCCEEDED}, {@link #FAILED} or {@link #INTERRUPTED}; the
 * store itself records {@link #ABANDONED} (its heartbeat lapsed and a later {@code begin} closed it, or it was
 * superseded or force-released) and {@link #COMPLETED_LATE} (its engine ended it after that).
 */
public enum DeploymentOutcome {
    SUCCEEDED("succeeded"),
    FAILED("failed"),
    INTERRUPTED("interrupted"),
    ABANDONED("abandoned"),
    COMPLETED_LATE("completed-late");

    private final String wireName;

    DeploymentOutcome(String wireName) {
        this.wireName = wireName;
    }

    /** The name in stored documents and on the wire (Alchemy's): {@code completed-late}, say. */
    public String wireName() {
        return wireName;
    }

    /** Whether an engine may end a deployment with this outcome (the others the store records itself). */
    public boolean isEngineOutcome() {
        return this == SUCCEEDED || this == FAILED || this == INTERRUPTED;
    }

    /** @throws IllegalArgumentException if no outcome has that name */
    public static DeploymentOutcome fromWireName(String name) {
        return Arrays.stream(values()).filter(o -> o.wireName.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no deployment outcome '" + name + "'"));
    }
}
