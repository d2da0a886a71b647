/**
 * What a backend module implements and uses: {@link dev.statestore.spi.StateStoreProvider} (found by
 * {@link java.util.ServiceLoader}), {@link dev.statestore.spi.StoreBackend}, the parsed
 * {@link dev.statestore.spi.StoreUrl} with its validated options, the one JSON codec
 * {@link dev.statestore.spi.StateJson}, and {@link dev.statestore.spi.LockState} for backends that keep
 * the deploy lock as a compare-and-set document. Applications need none of it.
 */
package dev.statestore.spi;
