package dev.statestore;

import java.util.Objects;
import java.util.Optional;

/**
 * {@link Deployments#begin} found a live open deployment of the scope: another deploy holds it.
 * {@link #holderRecord()} says who and since when; it never carries the holder's token. A deploy lock conflict
 * (an open deployment is the deploy lock), so a caller of {@link StateScope#acquireLock} catches it as one.
 */
public class DeploymentInProgressException extends LockConflictException {

    private final DeploymentRecord holderRecord;

    public DeploymentInProgressException(DeploymentRecord holderRecord) {
        super(holderRecord.scope(), "deployment " + holderRecord.version() + " is in progress, begun "
                + holderRecord.startedAt() + " by " + holderRecord.lockInfo().owner(),
                Optional.of(holderRecord.lockInfo()));
        this.holderRecord = Objects.requireNonNull(holderRecord, "holderRecord");
    }

    /** The open deployment that holds the scope. */
    public DeploymentRecord holderRecord() {
        return holderRecord;
    }
}
