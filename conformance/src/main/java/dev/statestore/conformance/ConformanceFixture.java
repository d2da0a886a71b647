package dev.statestore.conformance;

import dev.statestore.ScopeId;
import java.util.Optional;

/**
 * What a store module gives the conformance suite: fresh, isolated stores, and raw access to what a
 * store wrote, for the cases that must bypass the store (corrupt data). Nothing else: a behaviour that
 * is right for one backend is right for all.
 *
 * <p>One fixture usually serves a whole test class (one server per backend), handing out a new URL
 * (a new schema, key prefix, table, folder) per test.
 */
public interface ConformanceFixture {

    /**
     * The URL of a store that no other URL of this fixture shares: it starts empty of stacks, and no
     * write through another URL can reach it. Opening it twice gives two instances of one store.
     */
    String newStoreUrl();

    /**
     * The bytes stored for a record, read straight from the backend, bypassing the store; empty if
     * the backend holds none.
     */
    Optional<byte[]> rawRecord(String storeUrl, ScopeId scope, String fqn);

    /** Replaces the bytes stored for an existing record, bypassing the store and its versioning. */
    void writeRawRecord(String storeUrl, ScopeId scope, String fqn, byte[] bytes);

    /**
     * A URL of this fixture's kind of store that names a server nobody answers on (a closed port on loopback; for
     * the file store, a folder that cannot be made), with {@code secret} wherever such URLs carry a credential (a
     * password, a secret key) and the backend's shortest timeouts. The suite checks that it fails as unavailable
     * within 30 seconds and that no message shows the secret, with a bad option added too. Empty only for the
     * in-process memory store, which cannot be unreachable.
     */
    default Optional<String> unreachableStoreUrl(String secret) {
        return Optional.empty();
    }

    /**
     * Whether the stores of this fixture seal what they store (encryption at rest), so that stored bytes are
     * bound to their scope and fqn: the suite then expects moved or altered bytes to be refused as corrupt.
     */
    default boolean sealsRecords() {
        return false;
    }

    /**
     * Whether a client of these stores reaches the scope's own storage, so that a repair can quarantine a corrupt
     * record there: not through a server, which refuses to hand out bytes that are not a record (the repair then runs
     * against the server's own store).
     */
    default boolean keepsQuarantine() {
        return true;
    }

    /**
     * The same store as {@code storeUrl}, opened as a client that seals with another key of the same key ring
     * (where the fixture seals; otherwise simply the same URL): what either seals, the other must read by the key
     * id the record names.
     */
    default String withAnotherKey(String storeUrl) {
        return storeUrl;
    }

    /**
     * The same store as {@code storeUrl}, opened with the store option {@code option} set to {@code value} where it
     * takes effect: retention ({@link dev.statestore.StateStores#JOURNALS_OPTION}) and history
     * ({@link dev.statestore.StateStores#HISTORY_OPTION}) are kept by whoever writes the store. The default adds the
     * option to the URL; a fixture whose stores run behind a server sets it on the server's store.
     */
    default String withStoreOption(String storeUrl, String option, String value) {
        return storeUrl + (storeUrl.contains("?") ? "&" : "?") + option + "=" + value;
    }

    /**
     * Whose clock times the leases of these stores, as the backend is known to work: {@code CLIENT} (the default) unless
     * its server has a clock every client reads (PostgreSQL, Redis) or the stores run behind {@code serve}. The suite
     * checks that {@link dev.statestore.StateStore#limits()} declares the same.
     */
    default dev.statestore.StoreLimits.LeaseClock leaseClock() {
        return dev.statestore.StoreLimits.LeaseClock.CLIENT;
    }
}
