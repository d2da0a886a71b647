package dev.statestore;

import java.util.List;
import java.util.Optional;

/**
 * One page of a listing in fqn order. {@link #nextAfter()} is the cursor to pass as {@code afterFqn}
 * for the next page; it is empty on the last page.
 */
public record Page<T>(List<T> items, Optional<String> nextAfter) {

    public Page {
        items = List.copyOf(items);
    }

    public boolean hasMore() {
        return nextAfter.isPresent();
    }

    /**
     * The page of a listing that fetched one item more than {@code limit} to learn whether there are
     * more: that extra item is dropped, and the cursor is the last kept item's name.
     */
    public static <T> Page<T> fromLookahead(List<T> fetched, int limit, java.util.function.Function<T, String> name) {
        if (fetched.size() <= limit) {
            return new Page<>(fetched, Optional.empty());
        }
        List<T> items = fetched.subList(0, limit);
        return new Page<>(items, Optional.of(name.apply(items.get(limit - 1))));
    }
}
