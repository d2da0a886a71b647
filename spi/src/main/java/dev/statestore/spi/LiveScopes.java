package dev.statestore.spi;

import dev.statestore.InvalidStateException;
import dev.statestore.ScopeId;
import dev.statestore.StateNames;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * {@link StoreBackend#stacks()} and {@link StoreBackend#stages} for a backend that knows its candidate names (folders,
 * a registry) and can tell whether a scope holds a live document: only scopes with a record or a stack output are
 * listed (one holding only tombstones, a lease or history is not), in {@link StateNames#ORDER}.
 */
public final class LiveScopes {

    private LiveScopes() {}

    /** The stacks among {@code candidates} with at least one live stage ({@code liveStages}), in order. */
    public static List<String> stacks(Iterable<String> candidates, Function<String, List<String>> liveStages) {
        List<String> result = new ArrayList<>();
        for (String stack : candidates) {
            if (!liveStages.apply(stack).isEmpty()) {
                result.add(stack);
            }
        }
        result.sort(StateNames.ORDER);
        return result;
    }

    /**
     * The stages among {@code candidates} of {@code stack} whose scope is live, in order. A candidate that is not a
     * valid stack and stage name (something else beside the store's own) is left out.
     */
    public static List<String> stages(String stack, Iterable<String> candidates, Predicate<ScopeId> isLive) {
        List<String> result = new ArrayList<>();
        for (String stage : candidates) {
            ScopeId scope;
            try {
                scope = new ScopeId(stack, stage);
            } catch (InvalidStateException notOurs) {
                continue;
            }
            if (isLive.test(scope)) {
                result.add(stage);
            }
        }
        result.sort(StateNames.ORDER);
        return result;
    }
}
