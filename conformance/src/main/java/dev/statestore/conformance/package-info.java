/**
 * The conformance suite that every store runs unchanged: extend
 * {@link dev.statestore.conformance.StateStoreConformance} and supply a
 * {@link dev.statestore.conformance.ConformanceFixture}.
 */
@NullMarked
package dev.statestore.conformance;

import org.jspecify.annotations.NullMarked;
