package dev.statestore;

/**
 * What {@link History#restore} did: the scope is now what it was at the end of deployment {@code restoredTo}.
 *
 * @param deployment the restore's own deployment (command {@code restore}), in the history like any other, so a
 *     restore can be undone by restoring to the deployment before it
 * @param created records that had been deleted since, written back
 * @param updated records changed since, written back as they were
 * @param deleted records created since, deleted
 * @param outputChanged whether the stack output was written back (or deleted)
 */
public record RestoreResult(ScopeId scope, long restoredTo, long deployment, int created, int updated, int deleted,
        boolean outputChanged) {

    /** The number of writes the restore made. */
    public int changes() {
        return created + updated + deleted + (outputChanged ? 1 : 0);
    }
}
