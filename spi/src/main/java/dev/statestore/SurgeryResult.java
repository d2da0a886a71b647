package dev.statestore;

import java.util.List;

/**
 * What {@link Surgery#apply} did.
 *
 * @param plan the plan applied, every step of it
 * @param deployments the deployment each scope's writes were made in, in the order the plan first writes each scope
 *     (its own scope first, but for a move: the target's); {@link History#restore} to the version before one undoes
 *     that scope's writes
 */
public record SurgeryResult(SurgeryPlan plan, List<Long> deployments) {

    public SurgeryResult {
        deployments = List.copyOf(deployments);
    }
}
