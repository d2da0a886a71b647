package dev.statestore.postgres;

import dev.statestore.StateStore;
import dev.statestore.spi.StoreBackend;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Opens a PostgreSQL store on a {@link DataSource} the application already has, instead of a URL: its pool, its
 * credentials, its TLS and its timeouts (this store sets no {@code statement_timeout} on connections it does not
 * make). The store creates its tables in {@code schema} on open, as a URL's store does, and never closes the
 * DataSource: closing the store leaves it to its owner. The URL ({@code StateStores.open("postgresql://…")})
 * stays the way to open one with a pool of its own.
 */
public final class PostgresStores {

    private PostgresStores() {}

    /**
     * The store in schema {@code statestore} of the database {@code dataSource} connects to.
     *
     * @throws dev.statestore.StateStoreAccessDeniedException if its user may not create the schema or its tables
     * @throws dev.statestore.StateStoreUnavailableException if no connection can be had
     */
    public static StateStore open(DataSource dataSource) {
        return open(dataSource, "statestore");
    }

    /**
     * The store in {@code schema} (a lower-case identifier, as the URL's {@code schema} option).
     *
     * @throws IllegalArgumentException if {@code schema} is not a lower-case identifier
     * @throws dev.statestore.StateStoreAccessDeniedException if its user may not create the schema or its tables
     * @throws dev.statestore.StateStoreUnavailableException if no connection can be had
     */
    public static StateStore open(DataSource dataSource, String schema) {
        Objects.requireNonNull(dataSource, "dataSource");
        if (!PostgresOptions.isSchemaName(Objects.requireNonNull(schema, "schema"))) {
            throw new IllegalArgumentException("a schema is a lower-case identifier of letters, digits and _, not '"
                    + schema + "'");
        }
        return StoreBackend.toStateStore(PostgresBackend.onDataSource(dataSource, schema));
    }
}
