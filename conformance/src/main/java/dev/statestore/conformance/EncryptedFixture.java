package dev.statestore.conformance;

import dev.statestore.ScopeId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * Any backend's fixture with encryption on: its store URLs gain {@code encryptionKey=file:…}, a rotated ring of
 * two fresh AES-256 keys (the primary that seals, and an older one still listed), and raw access goes to the same
 * bytes, which are then the sealed ones. {@link #withAnotherKey} opens the same store with the ring the other way
 * round, so that the suite has records sealed under each key.
 */
public final class EncryptedFixture implements ConformanceFixture {

    private static final String OPTION = "encryptionKey=";

    private final ConformanceFixture plain;
    private final String keyOption;
    private final String otherKeyOption;

    public EncryptedFixture(ConformanceFixture plain) {
        this.plain = plain;
        String current = "current:" + randomKey();
        String previous = "previous:" + randomKey();
        this.keyOption = keyFileOption(current, previous);
        this.otherKeyOption = keyFileOption(previous, current);
    }

    /** A new random AES-256 key, base64. */
    public static String randomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    /** {@code encryptionKey=file:…} for a temp file holding these {@code id:base64key} entries, first one writing. */
    public static String keyFileOption(String... entries) {
        try {
            Path file = Files.createTempFile("statestore-keys-", ".txt");
            file.toFile().deleteOnExit();
            Files.writeString(file, String.join("\n", entries) + "\n");
            return OPTION + "file:" + file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String newStoreUrl() {
        String url = plain.newStoreUrl();
        return url + (url.contains("?") ? "&" : "?") + keyOption;
    }

    private static String withoutKey(String url) {
        int at = url.indexOf(OPTION);
        return url.substring(0, at - 1);
    }

    @Override
    public Optional<byte[]> rawRecord(String storeUrl, ScopeId scope, String fqn) {
        return plain.rawRecord(withoutKey(storeUrl), scope, fqn);
    }

    @Override
    public void writeRawRecord(String storeUrl, ScopeId scope, String fqn, byte[] bytes) {
        plain.writeRawRecord(withoutKey(storeUrl), scope, fqn, bytes);
    }

    @Override
    public Optional<String> unreachableStoreUrl(String secret) {
        return plain.unreachableStoreUrl(secret).map(url -> url + (url.contains("?") ? "&" : "?") + keyOption);
    }

    @Override
    public boolean sealsRecords() {
        return true;
    }

    @Override
    public boolean keepsQuarantine() {
        return plain.keepsQuarantine();
    }

    @Override
    public String withAnotherKey(String storeUrl) {
        return withoutKey(storeUrl) + (withoutKey(storeUrl).contains("?") ? "&" : "?") + otherKeyOption;
    }

    /** Where the plain fixture sets store options (behind a server, say), with this fixture's keys. */
    @Override
    public String withStoreOption(String storeUrl, String option, String value) {
        String url = plain.withStoreOption(withoutKey(storeUrl), option, value);
        return url + (url.contains("?") ? "&" : "?") + keyOption;
    }

    @Override
    public dev.statestore.StoreLimits.LeaseClock leaseClock() {
        return plain.leaseClock();
    }
}
