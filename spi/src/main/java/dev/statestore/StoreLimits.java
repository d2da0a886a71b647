package dev.statestore;

import java.util.Objects;

/**
 * What a store declares about itself where backends truly differ: how large a document it takes, and whose clock
 * times its deploy leases. Read with {@link StateStore#limits()}; immutable.
 *
 * <p>A record or stack output whose compact JSON is longer than {@link #maxDocumentBytes()} bytes of UTF-8 is refused
 * before any I/O with an {@link InvalidStateException} that names the document, its size and the limit; nothing is
 * written. Every document up to {@link #incompressibleDocumentBytes()} is taken whatever its content. Between the
 * two (only where a backend compresses what it stores: DynamoDB), a document is taken if it compresses enough, and is
 * otherwise refused before any I/O with the same exception. The conformance suite writes a document of exactly
 * {@code incompressibleDocumentBytes} of random text on every store, and one byte over {@code maxDocumentBytes}.
 *
 * @param maxDocumentBytes            the largest document taken, in UTF-8 bytes of its compact JSON
 * @param incompressibleDocumentBytes the largest document taken whatever its content; at most {@code maxDocumentBytes}
 * @param leaseClock                  whose clock decides when a deploy lease or deployment lease runs out
 */
public record StoreLimits(int maxDocumentBytes, int incompressibleDocumentBytes, LeaseClock leaseClock) {

    /** The largest document any store takes: 32 MiB. */
    public static final int DEFAULT_MAX_DOCUMENT_BYTES = 32 * 1024 * 1024;

    /** Whose clock times a lease. */
    public enum LeaseClock {
        /**
         * The clock of each client process: a lease runs out when the clock of the process that looks at it says
         * so, so clients whose clocks differ by more than a lease's slack may judge it differently (S3, DynamoDB,
         * the file store: keep clocks synchronized).
         */
        CLIENT,
        /**
         * A clock every client shares: the database server's (PostgreSQL's {@code clock_timestamp()}, Redis's
         * {@code TIME}), or, through {@code serve}, the server's.
         */
        STORE
    }

    /**
     * @throws IllegalArgumentException unless {@code 0 < incompressibleDocumentBytes <= maxDocumentBytes}
     * @throws NullPointerException     if {@code leaseClock} is null
     */
    public StoreLimits {
        if (incompressibleDocumentBytes <= 0 || incompressibleDocumentBytes > maxDocumentBytes) {
            throw new IllegalArgumentException("incompressibleDocumentBytes is from 1 to maxDocumentBytes ("
                    + maxDocumentBytes + "), not " + incompressibleDocumentBytes);
        }
        Objects.requireNonNull(leaseClock, "leaseClock");
    }
}
