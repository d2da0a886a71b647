package dev.statestore;

/**
 * What {@link StateStores#rekey} did to one scope of an encrypted store.
 *
 * @param primaryKey the id of the key everything of the scope is now sealed with
 * @param examined the records and stack output looked at
 * @param resealed those that were sealed with another key, or stored before encryption was on, and are
 *     now sealed with the primary key (each as one conditional write, so their versions grew by one)
 */
public record RekeyResult(ScopeId scope, String primaryKey, long examined, long resealed) {}
