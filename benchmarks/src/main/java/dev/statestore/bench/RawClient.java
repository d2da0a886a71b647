package dev.statestore.bench;

/**
 * A backend's own client doing by hand what the store does for one operation, on keys of its own beside
 * the store's: the floor the store is measured against. Each call is the request (or requests) a careful
 * hand-written client would make, conditional where the store's is: {@code create} only if absent,
 * {@code update} and {@code delete} only if the stored version is the one this client wrote last.
 */
public interface RawClient extends AutoCloseable {

    /** What the raw side does for {@code operation} (get, create, update, delete), for the table: "SELECT by key". */
    String describe(String operation);

    void get(String key) throws Exception;

    void create(String key, String json) throws Exception;

    void update(String key, String json) throws Exception;

    void delete(String key) throws Exception;

    @Override
    default void close() throws Exception {}
}
