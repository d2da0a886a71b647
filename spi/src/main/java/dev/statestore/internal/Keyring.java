package dev.statestore.internal;

import dev.statestore.InvalidStoreUrlException;
import dev.statestore.spi.SecretSource;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * Internal: the AES-256 keys of an encrypted store, by id; the first is the primary, which writes.
 * Given by the URL option {@code encryptionKey=env:VAR} or {@code encryptionKey=file:PATH}, whose text is
 * {@code id:base64key} entries separated by commas or new lines. Key material never appears in a message.
 */
final class Keyring {

    private final Map<String, SecretKey> keys;
    private final String primary;

    private Keyring(Map<String, SecretKey> keys, String primary) {
        this.keys = keys;
        this.primary = primary;
    }

    /** @throws InvalidStoreUrlException naming what is wrong, never the key material */
    static Keyring parse(String source) {
        String text = SecretSource.read("option 'encryptionKey'", source);
        Map<String, SecretKey> keys = new LinkedHashMap<>();
        for (String entry : text.split("[,\\n]")) {
            String e = entry.strip();
            if (e.isEmpty()) {
                continue;
            }
            int colon = e.indexOf(':');
            String id = colon < 0 ? "" : e.substring(0, colon);
            if (!id.matches("[A-Za-z0-9._-]{1,64}")) {
                throw new InvalidStoreUrlException("option 'encryptionKey': every key is id:base64, with an id of letters, "
                        + "digits, '.', '_' or '-'");
            }
            byte[] key;
            try {
                key = Base64.getDecoder().decode(e.substring(colon + 1));
            } catch (IllegalArgumentException bad) {
                throw new InvalidStoreUrlException("option 'encryptionKey': the key '" + id + "' is not base64");
            }
            if (key.length != 32) {
                throw new InvalidStoreUrlException("option 'encryptionKey': the key '" + id + "' is " + key.length
                        + " bytes; AES-256 needs 32");
            }
            if (keys.put(id, new SecretKeySpec(key, "AES")) != null) {
                throw new InvalidStoreUrlException("option 'encryptionKey': the key id '" + id + "' is given twice");
            }
        }
        if (keys.isEmpty()) {
            throw new InvalidStoreUrlException("option 'encryptionKey': no key found in " + source);
        }
        return new Keyring(Map.copyOf(keys), keys.keySet().iterator().next());
    }

    String primary() {
        return primary;
    }

    SecretKey key(String id) {
        return keys.get(id);
    }

    java.util.Set<String> ids() {
        return keys.keySet();
    }
}
