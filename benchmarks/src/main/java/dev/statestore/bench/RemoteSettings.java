package dev.statestore.bench;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The arguments of a backend's remote benchmark (the store through a {@link LatencyProxy}): {@code --csv FILE},
 * {@code --records N} (default 10,000), {@code --deploy N} (default 1,000), {@code --round-trip-ms N} (default 20),
 * {@code --options "concurrency=64"} (more options for the store's URL).
 */
public record RemoteSettings(Path csv, int records, int deploy, Duration roundTrip, String options) {

    public static RemoteSettings parse(String... args) {
        Path csv = Path.of("results.csv");
        int records = 10_000;
        int deploy = 1_000;
        int roundTrip = 20;
        String options = "";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--csv" -> csv = Path.of(args[i + 1]);
                case "--records" -> records = Integer.parseInt(args[i + 1]);
                case "--deploy" -> deploy = Integer.parseInt(args[i + 1]);
                case "--round-trip-ms" -> roundTrip = Integer.parseInt(args[i + 1]);
                case "--options" -> options = args[i + 1];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        return new RemoteSettings(csv, records, deploy, Duration.ofMillis(roundTrip), options);
    }

    /** The delay each way that makes the round trip. */
    public Duration oneWay() {
        return roundTrip.dividedBy(2);
    }

    /** The store URL {@code url}, its {@code endpoint} replaced by the proxy's, with the extra options. */
    public String proxied(String url, URI endpoint, URI proxy) {
        return url.replace(endpoint.toString(), proxy.toString()) + (options.isEmpty() ? "" : "&" + options);
    }
}
