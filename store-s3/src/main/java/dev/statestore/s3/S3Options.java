package dev.statestore.s3;

import dev.statestore.spi.StoreUrl;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * The options of an {@code s3://bucket[/prefix]} store URL, validated all at once.
 *
 * <ul>
 *   <li>{@code region}: else the SDK's default region chain ({@code AWS_REGION}, the profile, …).
 *   <li>{@code endpoint}: an S3-compatible service ({@code http://127.0.0.1:9000}); default AWS.
 *   <li>{@code pathStyle} (default false): path-style requests, which most S3-compatible servers want.
 *   <li>{@code profile}: a named profile of the shared AWS config files.
 *   <li>{@code accessKeyId} and {@code secretAccessKey}: static credentials; else the SDK's default chain.
 *   <li>{@code timeout} (seconds, default 30): the longest one call may take, retries included.
 *   <li>{@code probe} (default true): on open, check that the server refuses a second
 *       {@code If-None-Match: *} put; turn off only for a server known to honour conditional writes.
 *   <li>{@code concurrency} (default 16): parallel reads when a page of records is fetched.
 *   <li>{@code fenceWindowMillis} (default 2000, 0 to 600000): how long a {@code begin} that takes over an open
 *       deployment waits before it returns, so that the fenced writes of the deployment it took over that had
 *       already checked their fence land first (S3 cannot make the check and the write one step).
 * </ul>
 */
public record S3Options(
        String bucket,
        String prefix,
        Optional<String> region,
        Optional<URI> endpoint,
        boolean pathStyle,
        Optional<String> profile,
        Optional<String> accessKeyId,
        Optional<String> secretAccessKey,
        Duration timeout,
        boolean probe,
        int concurrency,
        Duration fenceWindow) {

    public static S3Options from(StoreUrl url) {
        StoreUrl.Options options = url.options();
        String bucket = url.authority().orElse("");
        if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
            options.problem("bucket", "must be an S3 bucket name (3 to 63 of a-z 0-9 . -): s3://bucket/prefix");
        }
        String prefix = url.path().replaceAll("^/+", "").replaceAll("/+$", "");
        if (prefix.contains("//") || prefix.chars().anyMatch(Character::isISOControl)) {
            options.problem("prefix", "must be a path without empty segments or control characters");
        }
        Optional<String> region = options.string("region");
        Optional<URI> endpoint = options.httpUri("endpoint");
        boolean pathStyle = options.bool("pathStyle", false);
        Optional<String> profile = options.string("profile");
        Optional<String> accessKeyId = options.string("accessKeyId");
        Optional<String> secretAccessKey = options.string("secretAccessKey");
        if (accessKeyId.isPresent() != secretAccessKey.isPresent()) {
            options.problem("accessKeyId", "and secretAccessKey go together");
        }
        int timeout = options.integer("timeout", 30, 1, 3600);
        boolean probe = options.bool("probe", true);
        int concurrency = options.integer("concurrency", 16, 1, 256);
        int fenceWindow = options.integer("fenceWindowMillis", 2000, 0, 600_000);
        options.finish();
        return new S3Options(bucket, prefix, region, endpoint, pathStyle, profile, accessKeyId, secretAccessKey,
                Duration.ofSeconds(timeout), probe, concurrency, Duration.ofMillis(fenceWindow));
    }

    /** Where the state is, for messages: no credentials. */
    String describe() {
        return "s3://" + bucket + (prefix.isEmpty() ? "" : "/" + prefix) + endpoint.map(e -> " at " + e).orElse("");
    }

    @Override
    public String toString() {
        return "S3Options[" + describe() + ", region=" + region.orElse("(default chain)") + ", pathStyle=" + pathStyle
                + ", credentials=" + (accessKeyId.isPresent() ? "static" : profile.map(p -> "profile " + p).orElse("default chain")) + "]";
    }
}
