package dev.statestore.spi;

import dev.statestore.InvalidStoreUrlException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a secret named by reference, never given inline: {@code env:VARIABLE} (an environment variable)
 * or {@code file:PATH} (a file's text). Used for encryption keys, bearer tokens and key store passwords,
 * so that a secret never sits in a URL, a command line or a log line. Messages name the variable or the
 * file, never the secret.
 */
public final class SecretSource {

    private SecretSource() {}

    /**
     * The text the reference names, with surrounding white space removed.
     *
     * @param what what the secret is for, as messages should name it ({@code "option 'token'"})
     * @throws InvalidStoreUrlException if the reference is neither form, the variable is unset or blank, or
     *     the file cannot be read or is blank
     */
    public static String read(String what, String reference) {
        String text;
        if (reference.startsWith("env:")) {
            String variable = reference.substring(4);
            text = System.getenv(variable);
            if (text == null || text.isBlank()) {
                throw new InvalidStoreUrlException(what + ": the environment variable " + variable + " is not set");
            }
        } else if (reference.startsWith("file:")) {
            Path file = Path.of(reference.substring(5));
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new InvalidStoreUrlException(what + ": cannot read the file " + file + ": " + e.getClass().getSimpleName());
            }
            if (text.isBlank()) {
                throw new InvalidStoreUrlException(what + ": the file " + file + " is empty");
            }
        } else {
            throw new InvalidStoreUrlException(what + " must be env:VARIABLE or file:PATH (secrets never go in a URL or "
                    + "on a command line)");
        }
        return text.strip();
    }
}
