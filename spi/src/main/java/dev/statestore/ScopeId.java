package dev.statestore;

/**
 * The (stack, stage) pair that isolates records: no operation on one scope reads, lists, changes or
 * deletes a record of another. Both names are validated at construction (see {@link StateNames}).
 */
public record ScopeId(String stack, String stage) {

    public ScopeId {
        StateNames.requireValidStack(stack);
        StateNames.requireValidStage(stage);
    }

    @Override
    public String toString() {
        return "stack '" + stack + "' stage '" + stage + "'";
    }
}
