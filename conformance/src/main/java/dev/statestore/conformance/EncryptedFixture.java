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
 * Any backend's fixture with encryption on: its store URLs gain {@code encryptionKey=file:…} (a fresh
 * AES-256 key in a temp file), and raw access goes to the same bytes, which are then the sealed ones.
 */
public final class EncryptedFixture implements ConformanceFixture {

    private static final String OPTION = "encryptionKey=";

    private final ConformanceFixture plain;
    private final String keyOption;

    public EncryptedFixture(ConformanceFixture plain) {
        this.plain = plain;
        this.keyOption = keyFileOption("conformance:" + randomKey());
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
    public boolean sealsRecords() {
        return true;
    }
}
