package dev.statestore.s3;

import dev.statestore.StateStore;
import dev.statestore.StateStores;
import dev.statestore.conformance.LatencyComparison;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Not a test: the store's {@code get} and conditional {@code update} next to a plain SDK {@code GetObject}
 * and an {@code If-Match} {@code PutObject}, on the tests' server.
 *
 * <pre>
 * mvn -q -pl store-s3 -am test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * (cd store-s3 &amp;&amp; java -cp "target/test-classes:target/classes:$(cat target/cp.txt)" dev.statestore.s3.S3LatencyBenchmark)
 * </pre>
 */
public final class S3LatencyBenchmark {

    public static void main(String[] args) {
        S3Fixture fixture = new S3Fixture();
        S3Client raw = fixture.raw();
        String url = fixture.newStoreUrl();
        String bucket = S3Fixture.bucket(url); // the raw client works in the store's own bucket
        try (StateStore store = StateStores.open(url)) {
            String[] etag = {raw.putObject(b -> b.bucket(bucket).key("bench/plain.json"),
                    RequestBody.fromString(LatencyComparison.DOCUMENT)).eTag()};
            LatencyComparison.run(fixture.server().tier(), args.length > 0 ? Integer.parseInt(args[0]) : 1000,
                    store.scope("bench", "prod"), "GetObject", () -> raw.getObjectAsBytes(b -> b.bucket(bucket).key("bench/plain.json")),
                    "If-Match PutObject", () -> etag[0] = raw.putObject(b -> b.bucket(bucket).key("bench/plain.json")
                            .ifMatch(etag[0]), RequestBody.fromString(LatencyComparison.DOCUMENT)).eTag());
        }
        System.exit(0);
    }
}
