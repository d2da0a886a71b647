package dev.statestore;

import dev.statestore.internal.BackendStateStore;
import dev.statestore.internal.Encryption;
import dev.statestore.internal.Retention;
import dev.statestore.spi.StateStoreDecorator;
import dev.statestore.spi.StateStoreProvider;
import dev.statestore.spi.StoreUrl;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * Opens state stores by URL, with the providers found on the classpath through
 * {@link java.util.ServiceLoader}.
 *
 * <pre>{@code
 * try (StateStore store = StateStores.open("file:.alchemy")) {
 *     StateScope scope = store.scope("MyApp", "dev_sam");
 *     Versioned<ResourceState> bucket = scope.require("Bucket");
 *     scope.update(bucket.value().toBuilder().status(ResourceStatus.UPDATED).build(), bucket.version());
 * }
 * }</pre>
 */
public final class StateStores {

    /** The URL used when none is configured: Alchemy's local state folder in the working directory. */
    public static final String DEFAULT_URL = "file:.alchemy";

    /**
     * The URL option that turns on encryption at rest, for any backend: {@code encryptionKey=env:VAR} or
     * {@code encryptionKey=file:PATH}, whose text holds {@code id:base64key} entries (AES-256, the first
     * one writes, every one reads).
     */
    public static final String ENCRYPTION_OPTION = "encryptionKey";

    // Where each scheme of this project lives, so that a missing jar can be named.
    private static final Map<String, String> KNOWN_MODULES = Map.ofEntries(
            Map.entry("file", "statestore-spi"),
            Map.entry("memory", "statestore-spi"),
            Map.entry("s3", "statestore-store-s3"),
            Map.entry("dynamodb", "statestore-store-dynamodb"),
            Map.entry("azblob", "statestore-store-azblob"),
            Map.entry("redis", "statestore-store-redis"),
            Map.entry("rediss", "statestore-store-redis"),
            Map.entry("redis-cluster", "statestore-store-redis"),
            Map.entry("rediss-cluster", "statestore-store-redis"),
            Map.entry("postgresql", "statestore-store-postgres"),
            Map.entry("postgres", "statestore-store-postgres"),
            Map.entry("jdbc:postgresql", "statestore-store-postgres"),
            Map.entry("http", "statestore-store-http"),
            Map.entry("https", "statestore-store-http"));

    private StateStores() {}

    /** Opens {@link #DEFAULT_URL}. */
    public static StateStore open() {
        return open(DEFAULT_URL);
    }

    /**
     * Opens the store a URL names (see the README's table), validating it whole first.
     *
     * @throws UnknownSchemeException if no provider on the classpath takes the scheme
     * @throws InvalidStoreUrlException naming every bad part of the URL
     * @throws StateStoreException if two providers on the classpath claim the scheme
     * @throws StateStoreUnavailableException if the backend cannot be reached
     */
    public static StateStore open(String url) {
        StoreUrl given = StoreUrl.parse(url);
        StateStoreProvider provider = provider(given);
        // Retention is kept by the shared layer for every backend: it takes its option, the backend reads the rest.
        Retention retention = new Retention(count(given, JOURNALS_OPTION, DEFAULT_JOURNALS), historyKept(given),
                count(given, HISTORY_DEPLOYMENTS_OPTION, DEFAULT_HISTORY_DEPLOYMENTS),
                Duration.ofDays(count(given, HISTORY_DAYS_OPTION, DEFAULT_HISTORY_DAYS)));
        StoreUrl parsed = given;
        for (String option : RETENTION_OPTIONS) {
            parsed = parsed.withoutOption(option);
        }
        // Encryption is a layer over any backend: it takes its option, the backend validates the rest.
        var encryption = parsed.options().string(ENCRYPTION_OPTION);
        StateStore store = new BackendStateStore(encryption.isEmpty() ? provider.open(parsed)
                : Encryption.open(provider, parsed, ENCRYPTION_OPTION, encryption.get()), retention);
        for (StateStoreDecorator decorator : decorators()) {
            store = decorator.decorate(store, given.scheme());
        }
        return store;
    }

    private static volatile List<StateStoreDecorator> decorators;

    /** The decorators on the classpath, looked up once. */
    private static List<StateStoreDecorator> decorators() {
        List<StateStoreDecorator> found = decorators;
        if (found == null) {
            List<StateStoreDecorator> list = new ArrayList<>();
            ServiceLoader.load(StateStoreDecorator.class, StateStores.class.getClassLoader()).forEach(list::add);
            found = List.copyOf(list);
            decorators = found;
        }
        return found;
    }

    /**
     * The URL option that bounds the journals kept, for any backend: the events of the newest
     * {@code deploymentJournals} deployments of a scope are kept (default {@value #DEFAULT_JOURNALS}); older closed
     * deployments keep their records, listable, but lose their journals. An open deployment is never pruned.
     */
    public static final String JOURNALS_OPTION = "deploymentJournals";

    /** The journals kept when the URL does not say. */
    public static final int DEFAULT_JOURNALS = 1000;

    /**
     * The URL option that turns the history off, for any backend: {@code history=off} (the default is {@code on}).
     * With history off a write stores nothing but the record, and {@link StateScope#history()} answers
     * {@link HistoryNotKeptException}.
     */
    public static final String HISTORY_OPTION = "history";

    private static boolean historyKept(StoreUrl url) {
        Optional<String> raw = url.options().string(HISTORY_OPTION);
        if (raw.isEmpty() || raw.get().equals("on")) {
            return true;
        }
        if (raw.get().equals("off")) {
            return false;
        }
        throw new InvalidStoreUrlException("bad store URL " + url.redacted() + ": option '" + HISTORY_OPTION
                + "' is on or off, was '" + raw.get() + "'");
    }

    /**
     * The URL option that bounds the history's window by count: the scope can be rebuilt exactly ({@link History#at},
     * restore) at the end of each of its newest {@code historyDeployments} deployments (default
     * {@value #DEFAULT_HISTORY_DEPLOYMENTS}); changes only older points needed are pruned, about ten times per window.
     */
    public static final String HISTORY_DEPLOYMENTS_OPTION = "historyDeployments";

    public static final int DEFAULT_HISTORY_DEPLOYMENTS = 100;

    /**
     * The URL option that bounds the history's window by age, in days (default {@value #DEFAULT_HISTORY_DAYS}): a
     * deployment that ended longer ago is out of the window even if it is among the newest
     * {@link #HISTORY_DEPLOYMENTS_OPTION}.
     */
    public static final String HISTORY_DAYS_OPTION = "historyDays";

    public static final int DEFAULT_HISTORY_DAYS = 90;

    /**
     * The URL options the shared layer takes for retention, on every backend ({@link #JOURNALS_OPTION},
     * {@link #HISTORY_OPTION}, {@link #HISTORY_DEPLOYMENTS_OPTION}, {@link #HISTORY_DAYS_OPTION}): a provider is
     * handed the URL without them (and without {@link #ENCRYPTION_OPTION}, the layer of encryption at rest).
     */
    public static final List<String> RETENTION_OPTIONS = List.of(JOURNALS_OPTION, HISTORY_OPTION,
            HISTORY_DEPLOYMENTS_OPTION, HISTORY_DAYS_OPTION);

    private static int count(StoreUrl url, String option, int byDefault) {
        Optional<String> raw = url.options().string(option);
        if (raw.isEmpty()) {
            return byDefault;
        }
        try {
            int value = Integer.parseInt(raw.get());
            if (value >= 1 && value <= 1_000_000) {
                return value;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new InvalidStoreUrlException("bad store URL " + url.redacted() + ": option '" + option
                + "' must be from 1 to 1000000, was '" + raw.get() + "'");
    }

    /**
     * The store as a server that holds state for clients sees it ({@code statestore serve}), before any decorator
     * (a decorated store is returned as it is): records and outputs
     * that a client sealed with its own key (encryption at rest on the client's side) are stored and returned as
     * they are, unread. Any other store refuses them, since a store without the key would read a sealed record's
     * readable copy as the record. The view shares {@code store}; closing the view closes nothing.
     */
    public static StateStore forServing(StateStore store) {
        return store instanceof BackendStateStore backed ? backed.passingSealedDocuments() : store;
    }

    /**
     * Re-seals every record and the stack output of one scope of an encrypted store under its primary key
     * (the first key of {@code encryptionKey}), after a key rotation, so that the old keys can be retired.
     * Holds the scope's deploy lock while it runs. Each record is rewritten by a conditional write on the
     * version it read (its version grows by one); what is under the primary key already, bound to its version, is
     * left alone, so
     * running it again after an interruption continues where it stopped.
     *
     * @param owner who rekeys, shown to a deploy that finds the lock held
     * @param progress told the number of records looked at so far, after each one
     * @throws InvalidStoreUrlException if the URL has no {@code encryptionKey} option
     * @throws LockConflictException if a deploy holds the scope's lock
     * @throws StateStoreException naming the key id, if a record is sealed with a key that is not configured
     */
    public static RekeyResult rekey(String url, ScopeId scope, String owner, java.util.function.LongConsumer progress) {
        StoreUrl parsed = StoreUrl.parse(url);
        StateStoreProvider provider = provider(parsed);
        String keySource = parsed.options().string(ENCRYPTION_OPTION).orElseThrow(() -> new InvalidStoreUrlException(
                "rekey needs the store's keys: add ?" + ENCRYPTION_OPTION + "=env:VAR or file:PATH to the URL, the new "
                        + "primary key first, then the old ones"));
        return Encryption.rekey(provider, parsed, ENCRYPTION_OPTION, keySource, scope, owner, progress);
    }

    private static StateStoreProvider provider(StoreUrl url) {
        Map<String, StateStoreProvider> providers = providers();
        StateStoreProvider provider = providers.get(url.scheme());
        if (provider == null) {
            throw unknownScheme(url.scheme(), new ArrayList<>(providers.keySet()));
        }
        return provider;
    }

    /** The schemes that the providers on the classpath open, sorted. */
    public static List<String> availableSchemes() {
        return new ArrayList<>(providers().keySet());
    }

    private static Map<String, StateStoreProvider> providers() {
        Map<String, StateStoreProvider> byScheme = new TreeMap<>();
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader == null) {
            loader = StateStores.class.getClassLoader();
        }
        for (StateStoreProvider provider : ServiceLoader.load(StateStoreProvider.class, loader)) {
            for (String scheme : provider.schemes()) {
                StateStoreProvider other = byScheme.putIfAbsent(scheme, provider);
                if (other != null && other.getClass() != provider.getClass()) {
                    throw new StateStoreMisconfiguredException("two state store providers claim the scheme '" + scheme + "': "
                            + other.getClass().getName() + " and " + provider.getClass().getName()
                            + "; remove one of their jars from the classpath");
                }
            }
        }
        return byScheme;
    }

    private static UnknownSchemeException unknownScheme(String scheme, List<String> available) {
        String module = KNOWN_MODULES.get(scheme);
        String hint = module != null
                ? "; add the module " + module + " to the classpath"
                : "; no module of this project provides it";
        return new UnknownSchemeException(scheme, available, "no state store for the scheme '" + scheme
                + "' on the classpath (available: " + String.join(", ", available) + ")" + hint);
    }
}
