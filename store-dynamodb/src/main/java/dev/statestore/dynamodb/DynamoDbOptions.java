package dev.statestore.dynamodb;

import dev.statestore.spi.StoreUrl;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * The options of a {@code dynamodb://table} store URL, validated all at once.
 *
 * <ul>
 *   <li>{@code region}: else the SDK's default region chain.
 *   <li>{@code endpoint}: DynamoDB Local or another endpoint ({@code http://127.0.0.1:8000}); default AWS.
 *   <li>{@code createTable} (default false): create the table on first use (on-demand billing); when
 *       false, the table must exist with the key schema below, and open says what is missing.
 *   <li>{@code profile}; {@code accessKeyId} and {@code secretAccessKey}: else the SDK's credentials chain.
 *   <li>{@code timeout} (seconds, default 30): the longest one call may take, the SDK's retries included.
 * </ul>
 */
public record DynamoDbOptions(
        String table,
        Optional<String> region,
        Optional<URI> endpoint,
        boolean createTable,
        Optional<String> profile,
        Optional<String> accessKeyId,
        Optional<String> secretAccessKey,
        Duration timeout) {

    public static DynamoDbOptions from(StoreUrl url) {
        StoreUrl.Options options = url.options();
        String table = url.authority().orElse("");
        if (!table.matches("[A-Za-z0-9_.-]{3,255}")) {
            options.problem("table", "must be a DynamoDB table name (3 to 255 of A-Z a-z 0-9 _ . -): dynamodb://table");
        }
        if (!url.path().isEmpty() && !url.path().equals("/")) {
            options.problem("path", "a dynamodb URL names a table only: dynamodb://table?region=…");
        }
        Optional<String> region = options.string("region");
        Optional<URI> endpoint = options.httpUri("endpoint");
        boolean createTable = options.bool("createTable", false);
        Optional<String> profile = options.string("profile");
        Optional<String> accessKeyId = options.string("accessKeyId");
        Optional<String> secretAccessKey = options.string("secretAccessKey");
        if (accessKeyId.isPresent() != secretAccessKey.isPresent()) {
            options.problem("accessKeyId", "and secretAccessKey go together");
        }
        int timeout = options.integer("timeout", 30, 1, 3600);
        options.finish();
        return new DynamoDbOptions(table, region, endpoint, createTable, profile, accessKeyId, secretAccessKey,
                Duration.ofSeconds(timeout));
    }

    String describe() {
        return "dynamodb://" + table + endpoint.map(e -> " at " + e).orElse("") + region.map(r -> " in " + r).orElse("");
    }

    @Override
    public String toString() {
        return "DynamoDbOptions[" + describe() + ", createTable=" + createTable + ", credentials="
                + (accessKeyId.isPresent() ? "static" : profile.map(p -> "profile " + p).orElse("default chain")) + "]";
    }
}
