package dev.statestore.azblob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.azure.core.util.BinaryData;
import com.azure.storage.blob.BlobClient;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.models.BlobRequestConditions;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.options.BlockBlobSimpleUploadOptions;
import java.util.UUID;
import dev.statestore.testkit.TestServers;
import org.junit.jupiter.api.Test;

/**
 * Proves the tests' Blob service, not the store: it refuses stale conditional writes, and of racing conditional
 * writers exactly one wins. If this fails, the emulator is wrong for these tests, and the conformance suite passing on
 * it would prove nothing.
 */
class AzuriteProofTest {

    private final AzuriteServer server = server();
    private final BlobContainerClient container = server.container(server.newStoreUrl());

    /** The server proved: the one of the tier {@code STATESTORE_TEST_SERVERS} asks for. */
    AzuriteServer server() {
        return AzuriteServer.shared();
    }

    private static String put(BlobClient blob, String text, BlobRequestConditions conditions) {
        return blob.getBlockBlobClient().uploadWithResponse(new BlockBlobSimpleUploadOptions(BinaryData.fromString(text))
                .setRequestConditions(conditions), null, com.azure.core.util.Context.NONE).getValue().getETag();
    }

    @Test
    void staleConditionalWritesAreRefused() {
        BlobClient blob = container.getBlobClient("proof/" + UUID.randomUUID());
        String first = put(blob, "1", new BlobRequestConditions().setIfNoneMatch("*"));
        assertThat(status(() -> put(blob, "2", new BlobRequestConditions().setIfNoneMatch("*")))).isEqualTo(409);
        String second = put(blob, "2", new BlobRequestConditions().setIfMatch(first));
        assertThat(second).isNotEqualTo(first);
        assertThat(status(() -> put(blob, "3", new BlobRequestConditions().setIfMatch(first)))).as("a stale If-Match")
                .isEqualTo(412);
        assertThat(status(() -> blob.deleteWithResponse(null, new BlobRequestConditions().setIfMatch(first), null,
                com.azure.core.util.Context.NONE))).as("a stale conditional delete").isEqualTo(412);
        assertThat(blob.downloadContent().toString()).isEqualTo("2");
        assertThat(blob.getProperties().getETag()).isEqualTo(second);
        // The same bytes written again still make a new ETag: a version is never mistaken for an older one.
        String third = put(blob, "2", new BlobRequestConditions().setIfMatch(second));
        assertThat(third).isNotEqualTo(second);
    }

    @Test
    void racingConditionalWritesHaveExactlyOneWinner() throws Exception {
        for (int round = 0; round < 10; round++) {
            BlobClient blob = container.getBlobClient("proof/race-" + UUID.randomUUID());
            assertThat(TestServers.winners(16, n -> won(() -> put(blob, "w" + n, new BlobRequestConditions().setIfNoneMatch("*")))))
                    .as("If-None-Match winners, round " + round).isEqualTo(1);
            String etag = blob.getProperties().getETag();
            assertThat(TestServers.winners(16, n -> won(() -> put(blob, "u" + n, new BlobRequestConditions().setIfMatch(etag)))))
                    .as("If-Match winners, round " + round).isEqualTo(1);
        }
    }

    /** Whether a conditional put won: false if refused as stale (412) or existing (409). */
    private static boolean won(Runnable put) {
        try {
            put.run();
            return true;
        } catch (BlobStorageException e) {
            if (e.getStatusCode() == 412 || e.getStatusCode() == 409) {
                return false;
            }
            throw e;
        }
    }

    private static int status(Runnable call) {
        BlobStorageException e = catchThrowableOfType(BlobStorageException.class, call::run);
        assertThat(e).as("the service refused the write").isNotNull();
        return e.getStatusCode();
    }
}
