package dev.statestore.http;

import dev.statestore.ScopeId;
import dev.statestore.StateStore;
import dev.statestore.StateStores;
import dev.statestore.conformance.ConformanceFixture;
import dev.statestore.server.ServerOptions;
import dev.statestore.server.StateServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Another fixture's stores, each served by its own in-process {@link StateServer}: the URL handed out is
 * {@code http://127.0.0.1:PORT?token=file:…}, and raw access goes to the store behind the server. The
 * suite asks for one URL per test, after closing the last test's stores, so a new URL ends the server
 * (and the server-side store) of the one before.
 */
final class ServedFixture implements ConformanceFixture {

    static final String TOKEN = "conformance-" + UUID.randomUUID();

    private record Served(String innerUrl, StateStore store, StateServer server) {}

    private final ConformanceFixture behind;
    private final String tokenOption;
    private final Map<String, Served> served = new ConcurrentHashMap<>();
    private Served last;

    ServedFixture(ConformanceFixture behind) {
        this.behind = behind;
        try {
            Path file = Files.createTempFile("statestore-token-", ".txt");
            file.toFile().deleteOnExit();
            Files.writeString(file, TOKEN + "\n");
            this.tokenOption = "token=file:" + file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(this::endLast, "stop test servers"));
    }

    private synchronized void endLast() {
        if (last != null) {
            last.server().close();
            last.store().close();
            last = null;
        }
        for (Served other : alsoServed) {
            other.server().close();
            other.store().close();
        }
        alsoServed.clear();
    }

    /** Servers of the last test's store opened another way (its retention): ended with it. */
    private final java.util.List<Served> alsoServed = new java.util.ArrayList<>();

    private Served serve(String inner) {
        StateStore store = StateStores.open(inner);
        StateServer server = StateServer.start(store, ServerOptions.of(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN).withThreads(16));
        return new Served(inner, store, server);
    }

    /** Retention is the server's: a second server on the same store behind, opened with the option. */
    @Override
    public synchronized String withStoreOption(String storeUrl, String option, String value) {
        Served other = serve(behind.withStoreOption(inner(storeUrl), option, value));
        alsoServed.add(other);
        String url = other.server().uri() + "?" + tokenOption;
        served.put(url, other);
        return url;
    }

    @Override
    public synchronized String newStoreUrl() {
        endLast();
        last = serve(behind.newStoreUrl());
        String url = last.server().uri() + "?" + tokenOption;
        served.put(url, last);
        return url;
    }

    /**
     * Port 1 of loopback, where nothing listens; the token (the secret) comes from a file, as it must, so the check
     * is that the client never prints what it read from it.
     */
    @Override
    public Optional<String> unreachableStoreUrl(String secret) {
        try {
            Path file = Files.createTempFile("statestore-token-", ".txt");
            file.toFile().deleteOnExit();
            Files.writeString(file, secret + "\n");
            return Optional.of("http://127.0.0.1:1?token=file:" + file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String inner(String storeUrl) {
        return served.get(storeUrl).innerUrl();
    }

    @Override
    public Optional<byte[]> rawRecord(String storeUrl, ScopeId scope, String fqn) {
        return behind.rawRecord(inner(storeUrl), scope, fqn);
    }

    @Override
    public void writeRawRecord(String storeUrl, ScopeId scope, String fqn, byte[] bytes) {
        behind.writeRawRecord(inner(storeUrl), scope, fqn, bytes);
    }

    @Override
    public boolean keepsQuarantine() {
        return false;
    }

    @Override
    public boolean sealsRecords() {
        return behind.sealsRecords();
    }

    /** Leases are timed by the server, on one clock for every client. */
    @Override
    public dev.statestore.StoreLimits.LeaseClock leaseClock() {
        return dev.statestore.StoreLimits.LeaseClock.STORE;
    }
}
