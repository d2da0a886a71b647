package dev.statestore.dynamodb;

import dev.statestore.StateStore;
import dev.statestore.spi.StoreBackend;
import dev.statestore.spi.StoreUrl;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Opens a DynamoDB store on a {@link DynamoDbClient} the application already has (its credentials, region,
 * endpoint, retry and timeout settings), instead of a URL. The table follows the URL's rules
 * ({@code dynamodb://TABLE}); the store checks its key schema on open, and never closes the client: closing the
 * store leaves it to its owner.
 */
public final class DynamoDbStores {

    private DynamoDbStores() {}

    /**
     * The store in {@code table}, which must exist with partition key {@code pk} and sort key {@code sk} (both
     * strings), unless {@code createTable}, which creates it on demand billing.
     *
     * @throws dev.statestore.InvalidStoreUrlException if the table name breaks DynamoDB's rules
     * @throws dev.statestore.StateStoreMisconfiguredException if the table is missing or has another key schema
     * @throws dev.statestore.StateStoreUnavailableException if DynamoDB cannot be reached
     */
    public static StateStore open(DynamoDbClient dynamo, String table, boolean createTable) {
        Objects.requireNonNull(dynamo, "dynamo");
        // Encoded, so that a table name is only ever a name ("t?createTable=true" is refused, not an option).
        DynamoDbOptions options = DynamoDbOptions.from(StoreUrl.parse("dynamodb://"
                + StoreUrl.encode(Objects.requireNonNull(table, "table")) + "?createTable=" + createTable));
        return StoreBackend.toStateStore(DynamoDbBackend.onClient(dynamo, options));
    }

    /**
     * An interceptor to add to the application's own client ({@code DynamoDbClient.builder().overrideConfiguration(c ->
     * c.addExecutionInterceptor(...))}) so that its retries are counted against the store calls that made them
     * ({@link dev.statestore.spi.ClientRetries}; {@code statestore-micrometer} shows them as
     * {@code statestore.call.retry}). A store opened by URL has it already. It changes nothing the client does.
     */
    public static software.amazon.awssdk.core.interceptor.ExecutionInterceptor retryReporting() {
        return new RetryReporting();
    }
}
