package dev.statestore.s3;

import dev.statestore.ResourceState;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.StateStores;
import dev.statestore.Versioned;
import java.util.Arrays;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Not a test: prints the median latency of {@code get} and of a conditional {@code update} through the
 * store, next to a plain SDK {@code GetObject} and an {@code If-Match} {@code PutObject}, on the tests' server.
 *
 * <pre>
 * mvn -q -pl store-s3 -am test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * (cd store-s3 &amp;&amp; java -cp "target/test-classes:target/classes:$(cat target/cp.txt)" dev.statestore.s3.S3LatencyBenchmark)
 * </pre>
 */
public final class S3LatencyBenchmark {

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        S3Fixture fixture = new S3Fixture();
        String url = fixture.newStoreUrl();
        String doc = "{\"kind\":\"resource\",\"fqn\":\"Bench\",\"status\":\"created\",\"props\":{\"size\":\"" + "x".repeat(500) + "\"}}";
        ResourceState record = ResourceState.fromJson(doc);
        S3Client raw = fixture.raw();
        String bucket = fixture.server().bucket();
        try (StateStore store = StateStores.open(url)) {
            StateScope scope = store.scope("bench", "prod");
            scope.create(record);
            String etag = raw.putObject(b -> b.bucket(bucket).key("bench/plain.json"), RequestBody.fromString(doc)).eTag();
            for (int round = 0; round < 2; round++) {
                long[] storeGet = new long[n];
                long[] storeUpdate = new long[n];
                long[] rawGet = new long[n];
                long[] rawPut = new long[n];
                for (int i = 0; i < n; i++) {
                    long t0 = System.nanoTime();
                    Versioned<ResourceState> v = scope.require("Bench");
                    long t1 = System.nanoTime();
                    scope.update(record, v.version());
                    long t2 = System.nanoTime();
                    raw.getObjectAsBytes(b -> b.bucket(bucket).key("bench/plain.json"));
                    long t3 = System.nanoTime();
                    String current = etag;
                    etag = raw.putObject(b -> b.bucket(bucket).key("bench/plain.json").ifMatch(current),
                            RequestBody.fromString(doc)).eTag();
                    long t4 = System.nanoTime();
                    storeGet[i] = t1 - t0;
                    storeUpdate[i] = t2 - t1;
                    rawGet[i] = t3 - t2;
                    rawPut[i] = t4 - t3;
                }
                if (round == 1) {
                    System.out.printf("server: %s, %d iterations%n", fixture.server().tier(), n);
                    System.out.printf("get                 store %7.3f ms   plain GetObject        %7.3f ms   ratio %.2f%n",
                            median(storeGet), median(rawGet), median(storeGet) / median(rawGet));
                    System.out.printf("conditional update  store %7.3f ms   plain If-Match PutObject %5.3f ms   ratio %.2f%n",
                            median(storeUpdate), median(rawPut), median(storeUpdate) / median(rawPut));
                }
            }
        }
        System.exit(0);
    }

    private static double median(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2] / 1e6;
    }
}
