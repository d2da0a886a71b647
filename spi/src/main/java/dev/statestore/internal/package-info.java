/**
 * Internal, not API: the implementation of the public API over a backend, and the built-in file and
 * memory backends. Classes here are public only so that {@link java.util.ServiceLoader} and the
 * conformance fixtures can reach them; they may change in any release.
 */
package dev.statestore.internal;
