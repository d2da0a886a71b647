package dev.statestore.azblob;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.options.BlockBlobSimpleUploadOptions;
import dev.statestore.bench.BenchmarkRun;
import dev.statestore.bench.RawClient;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Not a test: the benchmark's workloads on the tests' Blob service (see {@code benchmarks/run.sh}), the store next to
 * the plain SDK in the store's own container: download, Put Blob with {@code If-None-Match: *} or {@code If-Match} on
 * the ETag it holds, Delete Blob with {@code If-Match}. Sized as for S3 by {@code run.sh}: an emulator on loopback.
 */
public final class AzureBlobBenchmark {

    public static void main(String[] args) throws Exception {
        AzureBlobFixture fixture = new AzureBlobFixture();
        String url = fixture.newStoreUrl();
        BlobContainerClient raw = fixture.server().container(url);
        Map<String, String> etags = new ConcurrentHashMap<>();
        BenchmarkRun.run("azblob", url, new RawClient() {
            @Override
            public String describe(String operation) {
                return switch (operation) {
                    case "get" -> "Get Blob";
                    case "create" -> "Put Blob If-None-Match: *";
                    case "update" -> "Put Blob If-Match";
                    default -> "Delete Blob If-Match";
                };
            }

            @Override
            public void get(String key) {
                raw.getBlobClient("raw/" + key).downloadContent().toBytes();
            }

            private String put(String key, String json, BlobRequestConditions conditions) {
                return raw.getBlobClient("raw/" + key).getBlockBlobClient().uploadWithResponse(
                        new BlockBlobSimpleUploadOptions(BinaryData.fromString(json)).setRequestConditions(conditions),
                        null, com.azure.core.util.Context.NONE).getValue().getETag();
            }

            @Override
            public void create(String key, String json) {
                etags.put(key, put(key, json, new BlobRequestConditions().setIfNoneMatch("*")));
            }

            @Override
            public void update(String key, String json) {
                etags.put(key, put(key, json, new BlobRequestConditions().setIfMatch(etags.get(key))));
            }

            @Override
            public void delete(String key) {
                raw.getBlobClient("raw/" + key).deleteWithResponse(null,
                        new BlobRequestConditions().setIfMatch(etags.remove(key)), null, com.azure.core.util.Context.NONE);
            }
        }, args);
        System.exit(0);
    }
}
