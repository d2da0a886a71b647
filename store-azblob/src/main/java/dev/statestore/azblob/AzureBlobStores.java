package dev.statestore.azblob;

import com.azure.storage.blob.BlobContainerClient;
import dev.statestore.StateStore;
import dev.statestore.spi.StoreBackend;
import dev.statestore.spi.StoreUrl;
import java.util.Objects;

/**
 * Opens an Azure Blob store on a {@link BlobContainerClient} the application already has (its credential, retry
 * options and HTTP client), instead of a URL. The prefix follows the URL's rules; the store probes the service's
 * conditional writes on open as a URL's store does, and never closes the client (an Azure client holds nothing to
 * close, and its HTTP client is the application's).
 */
public final class AzureBlobStores {

    private AzureBlobStores() {}

    /**
     * The store under {@code prefix} (may be empty) of the client's container, which must exist.
     *
     * @throws dev.statestore.InvalidStoreUrlException if the prefix breaks the URL's rules
     * @throws dev.statestore.StateStoreMisconfiguredException if the container does not exist or the service ignores
     *                                                         conditional writes
     * @throws dev.statestore.StateStoreUnavailableException if the service cannot be reached
     */
    public static StateStore open(BlobContainerClient container, String prefix) {
        Objects.requireNonNull(container, "container");
        // Validated as a URL's parts would be; encoded, so that a name is only ever a name, never an option.
        AzureBlobOptions parsed = AzureBlobOptions.from(StoreUrl.parse("azblob://" + StoreUrl.encode(container.getAccountName())
                + "/" + StoreUrl.encode(container.getBlobContainerName()) + "/"
                + StoreUrl.encode(Objects.requireNonNull(prefix, "prefix"))), false);
        return StoreBackend.toStateStore(AzureBlobBackend.onClient(container, parsed));
    }
}
