package dev.statestore.server;

import dev.statestore.StateStore;
import dev.statestore.StateStores;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * Not a test: the counter load through {@code statestore serve} next to the same load on the store
 * directly, in one run. Arguments: store URL (default {@code memory:}), seconds per run (default 10).
 *
 * <pre>
 * mvn -q -pl server -am test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * (cd server &amp;&amp; java -cp "target/test-classes:target/classes:$(cat target/cp.txt)" dev.statestore.server.ServeThroughputBenchmark)
 * </pre>
 */
public final class ServeThroughputBenchmark {

    public static void main(String[] args) throws Exception {
        String url = args.length > 0 ? args[0] : "memory:";
        Duration duration = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 10);
        try (StateStore store = StateStores.open(url);
                StateServer server = StateServer.start(store, ServerOptions.of(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), "bench-token"))) {
            System.out.println("counter updates (read, then conditional write) on " + store.describe() + ", "
                    + duration.toSeconds() + " s each");
            // Unreported: the JDK's HTTP client and server take some ten thousand requests to be compiled; measured
            // cold, one client showed 1.7 ms a request where it settles at 0.3 ms (p50).
            CounterLoad.direct(store.scope("bench", "warm-up-direct"), 1, duration);
            CounterLoad.overHttp(store.scope("bench", "warm-up-http"), server.uri(), "bench-token", 1, duration);
            for (int clients : new int[] {1, 8, 64}) {
                System.out.println(CounterLoad.direct(store.scope("bench", "direct-" + clients), clients, duration));
                System.out.println(CounterLoad.overHttp(store.scope("bench", "http-" + clients), server.uri(), "bench-token",
                        clients, duration));
            }
        }
        System.exit(0);
    }
}
