package dev.statestore;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The lifecycle status of a record, spelled on the wire as Alchemy spells it. The intermediate
 * statuses are written before the cloud call, so that a crashed deploy can be found and finished:
 * {@link #isIntermediate()} tells which.
 */
public enum ResourceStatus {
    CREATING("creating", true),
    CREATED("created", false),
    UPDATING("updating", true),
    UPDATED("updated", false),
    DELETING("deleting", true),
    REPLACING("replacing", true),
    /** The new generation exists; the old one (in {@code old}) still has to be deleted. */
    REPLACED("replaced", true),
    /** An action that started and did not finish. */
    RUNNING("running", true),
    /** An action that finished. */
    RAN("ran", false);

    private final String wireName;
    private final boolean intermediate;

    ResourceStatus(String wireName, boolean intermediate) {
        this.wireName = wireName;
        this.intermediate = intermediate;
    }

    /** The status as stored in the document's {@code status} field. */
    public String wireName() {
        return wireName;
    }

    /** Whether a record left in this status means an unfinished deploy. */
    public boolean isIntermediate() {
        return intermediate;
    }

    /** The status spelled {@code wireName}, empty for a name Alchemy does not use. */
    public static Optional<ResourceStatus> fromWireName(String wireName) {
        return Arrays.stream(values()).filter(s -> s.wireName.equals(wireName)).findFirst();
    }

    /** Every status for which {@link #isIntermediate()} holds. */
    public static Set<ResourceStatus> intermediate() {
        EnumSet<ResourceStatus> result = EnumSet.noneOf(ResourceStatus.class);
        for (ResourceStatus s : values()) {
            if (s.intermediate) {
                result.add(s);
            }
        }
        return result;
    }
}
