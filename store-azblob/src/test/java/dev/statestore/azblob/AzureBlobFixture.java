package dev.statestore.azblob;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.options.BlockBlobSimpleUploadOptions;
import dev.statestore.ScopeId;
import dev.statestore.conformance.ConformanceFixture;
import dev.statestore.spi.StoreUrl;
import dev.statestore.testkit.TestServers;
import dev.statestore.testkit.TestServers.Tier;
import java.util.Optional;

/** A container (or, on a service the tests did not start, a prefix) of its own per store URL, on the shared emulator. */
final class AzureBlobFixture implements ConformanceFixture {

    private final AzuriteServer server;

    /** On the server of the tier {@code STATESTORE_TEST_SERVERS} asks for. */
    AzureBlobFixture() {
        this(TestServers.requestedTier());
    }

    /** On the server of the given tier. */
    AzureBlobFixture(Tier tier) {
        server = AzuriteServer.shared(tier);
    }

    AzuriteServer server() {
        return server;
    }

    @Override
    public String newStoreUrl() {
        return server.newStoreUrl();
    }

    /** An endpoint on port 1 of loopback, where nothing listens, with the secret as the account key. */
    @Override
    public Optional<String> unreachableStoreUrl(String secret) {
        try {
            java.nio.file.Path key = java.nio.file.Files.createTempFile("statestore-azblob-unreachable-", ".key");
            key.toFile().deleteOnExit();
            java.nio.file.Files.writeString(key, java.util.Base64.getEncoder().encodeToString(secret.getBytes()));
            return Optional.of("azblob://" + AzuriteServer.ACCOUNT + "/container?endpoint=http://127.0.0.1:1/"
                    + AzuriteServer.ACCOUNT + "&accountKey=file:" + key + "&timeout=5");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The blob of a record of a store URL's container. */
    BlobClient recordBlob(String storeUrl, ScopeId scope, String fqn) {
        AzureBlobOptions options = AzureBlobOptions.from(StoreUrl.parse(storeUrl));
        return server.container(storeUrl).getBlobClient(new AzureBlobKeys(options.prefix()).record(scope, fqn));
    }

    @Override
    public Optional<byte[]> rawRecord(String storeUrl, ScopeId scope, String fqn) {
        try {
            BlobClient blob = recordBlob(storeUrl, scope, fqn);
            var response = blob.downloadContentWithResponse(null, null, null, com.azure.core.util.Context.NONE);
            var metadata = response.getDeserializedHeaders().getMetadata();
            return metadata != null && "1".equals(metadata.get("statestore_tombstone")) ? Optional.empty()
                    : Optional.of(response.getValue().toBytes());
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Replaces the bytes and keeps the metadata (version, fqn), as a corruption of the body alone would. */
    @Override
    public void writeRawRecord(String storeUrl, ScopeId scope, String fqn, byte[] bytes) {
        BlobClient blob = recordBlob(storeUrl, scope, fqn);
        var metadata = blob.getProperties().getMetadata();
        blob.getBlockBlobClient().uploadWithResponse(new BlockBlobSimpleUploadOptions(BinaryData.fromBytes(bytes))
                .setMetadata(metadata), null, com.azure.core.util.Context.NONE);
    }
}
