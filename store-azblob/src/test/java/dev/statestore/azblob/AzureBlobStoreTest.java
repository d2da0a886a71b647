package dev.statestore.azblob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.storage.blob.BlobContainerClient;
import dev.statestore.InvalidStoreUrlException;
import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.StateStore;
import dev.statestore.StateStoreAccessDeniedException;
import dev.statestore.StateStoreAuthenticationException;
import dev.statestore.StateStoreMisconfiguredException;
import dev.statestore.StateStores;
import dev.statestore.StoreLimits;
import dev.statestore.spi.StoreUrl;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What is particular to the Azure Blob store, beyond the conformance suite: its URL, its client, its errors. */
class AzureBlobStoreTest {

    private final AzuriteServer server = AzuriteServer.shared();

    @Test
    void everyBadOptionIsNamedAtOnceAndNoSecretIsShown() throws Exception {
        assertThatThrownBy(() -> StateStores.open("azblob://Bad_Account/x?timeout=0&colour=blue"))
                .isInstanceOf(InvalidStoreUrlException.class)
                .hasMessageContaining("option 'account'").hasMessageContaining("option 'container'")
                .hasMessageContaining("option 'timeout'").hasMessageContaining("option 'accountKey' is missing")
                .hasMessageContaining("unknown option colour");
        Path key = Files.createTempFile("azblob-test-", ".key");
        Files.writeString(key, "c2VjcmV0LWtleQ==");
        assertThatThrownBy(() -> StateStores.open("azblob://acct/container?accountKey=file:" + key
                + "&sasToken=env:STATESTORE_NO_SUCH_VARIABLE"))
                .isInstanceOf(InvalidStoreUrlException.class).hasMessageContaining("option 'sasToken' goes alone")
                .hasMessageNotContaining("c2VjcmV0LWtleQ==");
        AzureBlobOptions options = AzureBlobOptions.from(StoreUrl.parse("azblob://acct/container/a/b?accountKey=file:" + key));
        assertThat(options.prefix()).isEqualTo("a/b");
        assertThat(options.toString()).contains("account_key").doesNotContain("c2VjcmV0LWtleQ==");
        Files.delete(key);
    }

    @Test
    void aMissingContainerIsMisconfigurationNotAnOutage() {
        String url = server.storeUrl("statestore-test-missing-container", "state");
        assertThatThrownBy(() -> StateStores.open(url)).isInstanceOf(StateStoreMisconfiguredException.class)
                .hasMessageContaining("the container statestore-test-missing-container does not exist");
    }

    /**
     * Refused, never taken for an outage. Azure answers a bad signature with 403 AuthenticationFailed (refused
     * credentials); Azurite with 403 AuthorizationFailure, which on Azure means missing permissions: either is fine here.
     */
    @Test
    void aWrongAccountKeyIsRefusedNotAnOutage() throws Exception {
        Path wrong = Files.createTempFile("azblob-test-", ".key");
        Files.writeString(wrong, java.util.Base64.getEncoder().encodeToString(new byte[64]));
        String url = server.newStoreUrl().replaceAll("accountKey=file:[^&]*", "accountKey=file:" + wrong);
        assertThatThrownBy(() -> StateStores.open(url))
                .isInstanceOfAny(StateStoreAuthenticationException.class, StateStoreAccessDeniedException.class)
                .hasMessageContaining("403");
        Files.delete(wrong);
    }

    @Test
    void theApplicationsClientIsUsedAndLeftOpen() {
        String url = server.newStoreUrl();
        BlobContainerClient container = server.container(url);
        ResourceState bucket = ResourceState.builder("Storage/Bucket", ResourceStatus.CREATED).build();
        try (StateStore store = AzureBlobStores.open(container, "app")) {
            store.scope("MyApp", "prod").create(bucket);
            assertThat(store.limits()).isEqualTo(new StoreLimits(StoreLimits.DEFAULT_MAX_DOCUMENT_BYTES,
                    StoreLimits.DEFAULT_MAX_DOCUMENT_BYTES, StoreLimits.LeaseClock.CLIENT));
        }
        assertThat(container.exists()).as("the client still works after the store closed").isTrue();
        // The same blobs through a URL on that container and prefix.
        String sameUrl = url.replaceFirst("/state\\?", "/app?");
        try (StateStore store = StateStores.open(sameUrl)) {
            assertThat(store.scope("MyApp", "prod").require("Storage/Bucket").value()).isEqualTo(bucket);
        }
    }
}
