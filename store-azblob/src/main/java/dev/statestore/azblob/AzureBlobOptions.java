package dev.statestore.azblob;

import dev.statestore.InvalidStoreUrlException;
import dev.statestore.spi.SecretSource;
import dev.statestore.spi.StoreUrl;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * The options of an {@code azblob://ACCOUNT/CONTAINER[/PREFIX]} store URL, validated all at once. Exactly one
 * credential, each given as {@code env:VARIABLE} or {@code file:PATH} (never inline):
 *
 * <ul>
 *   <li>{@code accountKey}: the storage account's shared key;
 *   <li>{@code sasToken}: a shared access signature (a container SAS with read, add, create, write, delete and
 *       list permissions);
 *   <li>{@code connectionString}: a connection string, whose account and endpoint then replace the defaults.
 * </ul>
 *
 * Then:
 * <ul>
 *   <li>{@code endpoint}: the Blob service's URL; default {@code https://ACCOUNT.blob.core.windows.net}
 *       (Azurite: {@code http://127.0.0.1:10000/devstoreaccount1}).
 *   <li>{@code timeout} (seconds, default 30): the longest one call may take, retries included.
 *   <li>{@code probe} (default true): on open, check that the service refuses a second create-if-absent of one
 *       blob; turn off only for a service known to honour conditional writes.
 *   <li>{@code concurrency} (default 16): parallel reads when a page of records is fetched.
 *   <li>{@code fenceWindowMillis} (default 2000, 0 to 600000): how long a {@code begin} that takes over an open
 *       deployment waits before it returns, so that the fenced writes of the deployment it took over that had
 *       already checked their fence land first (Blob Storage cannot make the check and the write one step).
 * </ul>
 *
 * <p>{@link #toString()} never shows a credential. Opened on the application's own client
 * ({@link AzureBlobStores}), the credential is empty: the client signs.
 */
public record AzureBlobOptions(
        String account,
        String container,
        String prefix,
        Optional<URI> endpoint,
        Optional<Credential> credential,
        Duration timeout,
        boolean probe,
        int concurrency,
        Duration fenceWindow) {

    /** How the store signs its requests; the secret is held here and nowhere else. */
    public enum CredentialKind { ACCOUNT_KEY, SAS_TOKEN, CONNECTION_STRING }

    /** A credential read from its reference. {@link #toString()} shows its kind only. */
    public record Credential(CredentialKind kind, String secret) {
        @Override
        public String toString() {
            return kind.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** @throws InvalidStoreUrlException naming every bad and unknown option, never a secret */
    public static AzureBlobOptions from(StoreUrl url) {
        return from(url, true);
    }

    /** With {@code credentialRequired} false, for a store on the application's client: none is taken. */
    static AzureBlobOptions from(StoreUrl url, boolean credentialRequired) {
        StoreUrl.Options options = url.options();
        String account = url.authority().orElse("");
        if (!account.matches("[a-z0-9]{3,24}")) {
            options.problem("account", "must be a storage account name (3 to 24 of a-z 0-9): azblob://ACCOUNT/CONTAINER/PREFIX");
        }
        String path = url.path().replaceAll("^/+", "").replaceAll("/+$", "");
        int slash = path.indexOf('/');
        String container = slash < 0 ? path : path.substring(0, slash);
        String prefix = slash < 0 ? "" : path.substring(slash + 1);
        if (!container.matches("[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]")) {
            options.problem("container", "must be a container name (3 to 63 of a-z 0-9 -, no -- , starting and ending "
                    + "with a letter or digit): azblob://ACCOUNT/CONTAINER/PREFIX");
        }
        if (prefix.contains("//") || prefix.chars().anyMatch(Character::isISOControl) || prefix.contains("\\")
                || prefix.endsWith(".")) {
            options.problem("prefix", "must be a path without empty segments, control characters, '\\' or a final '.'");
        }
        Optional<URI> endpoint = options.httpUri("endpoint");
        Credential credential = null;
        for (CredentialKind kind : credentialRequired ? CredentialKind.values() : new CredentialKind[0]) {
            String name = optionName(kind);
            Optional<String> reference = options.string(name);
            if (reference.isEmpty()) {
                continue;
            }
            if (credential != null) {
                options.problem(name, "goes alone: give one of accountKey, sasToken, connectionString");
                continue;
            }
            try {
                credential = new Credential(kind, SecretSource.read("option '" + name + "'", reference.get()));
            } catch (InvalidStoreUrlException e) {
                options.problem(name, e.getMessage().replaceFirst("^option '" + name + "'", "").strip());
                credential = new Credential(kind, "");
            }
        }
        if (credential == null && credentialRequired) {
            options.problem("accountKey", "is missing: give one of accountKey, sasToken or connectionString, as "
                    + "env:VARIABLE or file:PATH");
        }
        int timeout = options.integer("timeout", 30, 1, 3600);
        boolean probe = options.bool("probe", true);
        int concurrency = options.integer("concurrency", 16, 1, 256);
        int fenceWindow = options.integer("fenceWindowMillis", 2000, 0, 600_000);
        options.finish();
        return new AzureBlobOptions(account, container, prefix, endpoint, Optional.ofNullable(credential),
                Duration.ofSeconds(timeout), probe,
                concurrency, Duration.ofMillis(fenceWindow));
    }

    private static String optionName(CredentialKind kind) {
        return switch (kind) {
            case ACCOUNT_KEY -> "accountKey";
            case SAS_TOKEN -> "sasToken";
            case CONNECTION_STRING -> "connectionString";
        };
    }

    /** The Blob service's URL: the endpoint given, else the account's public one. */
    String serviceUrl() {
        return endpoint.map(URI::toString).map(u -> u.replaceAll("/+$", ""))
                .orElse("https://" + account + ".blob.core.windows.net");
    }

    /** Where the state is, for messages: no credentials. */
    String describe() {
        return "azblob://" + account + "/" + container + (prefix.isEmpty() ? "" : "/" + prefix)
                + endpoint.map(e -> " at " + e).orElse("");
    }

    @Override
    public String toString() {
        return "AzureBlobOptions[" + describe() + ", credential=" + credential.map(Credential::toString)
                .orElse("the application's client") + "]";
    }
}
