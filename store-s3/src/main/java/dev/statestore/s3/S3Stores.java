package dev.statestore.s3;

import dev.statestore.StateStore;
import dev.statestore.spi.StoreBackend;
import dev.statestore.spi.StoreUrl;
import java.util.Objects;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Opens an S3 store on an {@link S3Client} the application already has (its credentials, region, endpoint, retry
 * and timeout settings), instead of a URL. The bucket and prefix follow the rules of the URL's
 * ({@code s3://BUCKET/PREFIX}); the store probes the server's conditional writes on open as a URL's store does, and
 * never closes the client: closing the store leaves it to its owner.
 */
public final class S3Stores {

    private S3Stores() {}

    /**
     * The store under {@code prefix} (may be empty) of {@code bucket}.
     *
     * @throws dev.statestore.InvalidStoreUrlException if the bucket or prefix break the URL's rules
     * @throws dev.statestore.StateStoreMisconfiguredException if the server ignores conditional writes
     * @throws dev.statestore.StateStoreUnavailableException if the server cannot be reached
     */
    public static StateStore open(S3Client s3, String bucket, String prefix) {
        Objects.requireNonNull(s3, "s3");
        // Encoded, so that a name is only ever a name: "p?probe=false" is a prefix, never an option.
        S3Options options = S3Options.from(StoreUrl.parse("s3://" + StoreUrl.encode(Objects.requireNonNull(bucket, "bucket"))
                + "/" + StoreUrl.encode(Objects.requireNonNull(prefix, "prefix"))));
        return StoreBackend.toStateStore(S3Backend.onClient(s3, options));
    }

    /**
     * An interceptor to add to the application's own client ({@code S3Client.builder().overrideConfiguration(c ->
     * c.addExecutionInterceptor(...))}) so that its retries are counted against the store calls that made them
     * ({@link dev.statestore.spi.ClientRetries}; {@code statestore-micrometer} shows them as
     * {@code statestore.call.retry}). A store opened by URL has it already. It changes nothing the client does.
     */
    public static software.amazon.awssdk.core.interceptor.ExecutionInterceptor retryReporting() {
        return new RetryReporting();
    }
}
