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
}
