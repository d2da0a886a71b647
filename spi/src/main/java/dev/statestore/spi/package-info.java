/**
 * What a backend module implements and uses: {@link dev.statestore.spi.StateStoreProvider} (found by
 * {@link java.util.ServiceLoader}), {@link dev.statestore.spi.StoreBackend}, the parsed
 * {@link dev.statestore.spi.StoreUrl} with its validated options, the one JSON codec
 * {@link dev.statestore.spi.StateJson}, and deployments with the deploy lock: a backend supplies a
 * {@link dev.statestore.spi.ControlStore} (small documents per scope it can compare and set) and
 * {@link dev.statestore.spi.DeploymentJournal#overControlDocuments} does the rest. Applications need none of it. Null only where a type says
 * {@code @Nullable} (the package is {@code @NullMarked}, JSpecify).
 */
@NullMarked
package dev.statestore.spi;

import org.jspecify.annotations.NullMarked;
