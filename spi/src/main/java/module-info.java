/**
 * The state store core: the public API ({@code dev.statestore}), the backend SPI ({@code dev.statestore.spi}), and
 * the file and memory stores. {@code dev.statestore.internal} is exported only to the conformance suite, which wraps
 * the memory store; nothing else may depend on it. Backends are found with {@link java.util.ServiceLoader}: a store
 * module on the module path (named or automatic) provides {@link dev.statestore.spi.StateStoreProvider}.
 */
module dev.statestore {
    requires transitive com.fasterxml.jackson.databind;
    requires org.slf4j;
    requires static org.jspecify;

    exports dev.statestore;
    exports dev.statestore.spi;
    exports dev.statestore.internal to dev.statestore.conformance;

    uses dev.statestore.spi.StateStoreProvider;
    uses dev.statestore.spi.StateStoreDecorator;

    provides dev.statestore.spi.StateStoreProvider with
            dev.statestore.internal.FileStoreProvider,
            dev.statestore.internal.MemoryStoreProvider;
}
