package dev.statestore.s3;

import dev.statestore.bench.BenchmarkRun;
import dev.statestore.bench.RawClient;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Not a test: the benchmark's workloads on the tests' S3 server (see {@code benchmarks/run.sh}), the store
 * next to the plain SDK in the store's own bucket: {@code GetObject}, {@code PutObject} with
 * {@code If-None-Match: *} or {@code If-Match} on the ETag it holds, {@code DeleteObject} with {@code If-Match}.
 * S3Mock reads its whole bucket index on every request, so the deploy sizes are kept small here by
 * {@code run.sh}: larger ones would measure S3Mock.
 */
public final class S3Benchmark {

    public static void main(String[] args) throws Exception {
        S3Fixture fixture = new S3Fixture();
        String url = fixture.newStoreUrl();
        String bucket = S3Fixture.bucket(url); // the raw client works in the store's own bucket
        S3Client raw = fixture.raw();
        Map<String, String> etags = new HashMap<>();
        BenchmarkRun.run("s3", url, new RawClient() {
            @Override
            public String describe(String operation) {
                return switch (operation) {
                    case "get" -> "GetObject";
                    case "create" -> "PutObject If-None-Match: *";
                    case "update" -> "PutObject If-Match";
                    default -> "DeleteObject If-Match";
                };
            }

            @Override
            public void get(String key) {
                raw.getObjectAsBytes(b -> b.bucket(bucket).key("raw/" + key)).asByteArray();
            }

            @Override
            public void create(String key, String json) {
                etags.put(key, raw.putObject(b -> b.bucket(bucket).key("raw/" + key).ifNoneMatch("*"),
                        RequestBody.fromString(json)).eTag());
            }

            @Override
            public void update(String key, String json) {
                etags.put(key, raw.putObject(b -> b.bucket(bucket).key("raw/" + key).ifMatch(etags.get(key)),
                        RequestBody.fromString(json)).eTag());
            }

            @Override
            public void delete(String key) {
                raw.deleteObject(b -> b.bucket(bucket).key("raw/" + key).ifMatch(etags.remove(key)));
            }
        }, args);
        System.exit(0);
    }
}
