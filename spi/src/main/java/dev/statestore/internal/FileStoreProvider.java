package dev.statestore.internal;

import dev.statestore.InvalidStoreUrlException;
import dev.statestore.spi.StateStoreProvider;
import dev.statestore.spi.StoreBackend;
import dev.statestore.spi.StoreUrl;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Set;

/**
 * Internal: opens {@code file:DIR} ({@code file:.alchemy}, {@code file:/abs/dir}, {@code file:///abs/dir}).
 * A relative folder is resolved once, against the working directory at open.
 */
public final class FileStoreProvider implements StateStoreProvider {

    @Override
    public Set<String> schemes() {
        return Set.of("file");
    }

    @Override
    public StoreBackend open(StoreUrl url) {
        if (url.authority().isPresent() && !url.authority().get().isEmpty()
                && !url.authority().get().equals("localhost")) {
            throw new InvalidStoreUrlException("a file URL names a local folder (file:DIR or file:///DIR), not a host: "
                    + url.redacted());
        }
        StoreUrl.Options options = url.options();
        String wal = options.string("wal", "on");
        if (!wal.equals("on") && !wal.equals("off")) {
            options.problem("wal", "is on or off, was '" + wal + "'");
        }
        options.finish();
        if (url.path().isEmpty()) {
            throw new InvalidStoreUrlException("a file URL names a folder, such as file:.alchemy");
        }
        Path root;
        try {
            root = Path.of(url.path()).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new InvalidStoreUrlException("bad folder in file URL " + url.redacted() + ": " + e.getReason());
        }
        return new FileBackend(root, url.redacted(), wal.equals("on"));
    }
}
