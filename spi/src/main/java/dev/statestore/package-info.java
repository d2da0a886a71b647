/**
 * The public API of the state store suite: open a store by URL with {@link dev.statestore.StateStores},
 * work in one (stack, stage) scope through {@link dev.statestore.StateScope}, with records
 * ({@link dev.statestore.ResourceState}), versions ({@link dev.statestore.Versioned}) and the errors
 * under {@link dev.statestore.StateStoreException}.
 *
 * <p>Nothing in this package accepts or returns {@code null} unless it is marked {@code @Nullable} (the package
 * is {@code @NullMarked}, JSpecify); absent values are {@link java.util.Optional}.
 */
@NullMarked
package dev.statestore;

import org.jspecify.annotations.NullMarked;
