package dev.statestore.conformance;

import dev.statestore.ResourceState;
import dev.statestore.StateScope;
import dev.statestore.Versioned;
import java.util.Arrays;

/**
 * Not a test: the harness of each backend's latency benchmark. It times the store's {@code get} and
 * conditional {@code update} of one record against the raw client's equivalent calls, interleaved so
 * that both see the same server and machine, and prints the medians and their ratio. A first round
 * warms up the JIT and the connections and is not printed.
 */
public final class LatencyComparison {

    /** The document both sides read and write: a resource of about 600 bytes. */
    public static final String DOCUMENT = "{\"kind\":\"resource\",\"fqn\":\"Bench\",\"status\":\"created\",\"props\":{\"size\":\""
            + "x".repeat(500) + "\"}}";

    private LatencyComparison() {}

    /**
     * Creates {@code Bench} in {@code scope}, then runs {@code iterations} rounds of: store get, store
     * conditional update, {@code rawGet}, {@code rawUpdate}.
     */
    public static void run(String server, int iterations, StateScope scope, String rawGetName, Runnable rawGet,
            String rawUpdateName, Runnable rawUpdate) {
        ResourceState record = ResourceState.fromJson(DOCUMENT);
        scope.create(record);
        for (int round = 0; round < 2; round++) {
            long[] storeGet = new long[iterations];
            long[] storeUpdate = new long[iterations];
            long[] plainGet = new long[iterations];
            long[] plainUpdate = new long[iterations];
            for (int i = 0; i < iterations; i++) {
                long t0 = System.nanoTime();
                Versioned<ResourceState> v = scope.require("Bench");
                long t1 = System.nanoTime();
                scope.update(record, v.version());
                long t2 = System.nanoTime();
                rawGet.run();
                long t3 = System.nanoTime();
                rawUpdate.run();
                long t4 = System.nanoTime();
                storeGet[i] = t1 - t0;
                storeUpdate[i] = t2 - t1;
                plainGet[i] = t3 - t2;
                plainUpdate[i] = t4 - t3;
            }
            if (round == 1) {
                System.out.printf("server: %s, %d iterations%n", server, iterations);
                print("get", storeGet, rawGetName, plainGet);
                print("conditional update", storeUpdate, rawUpdateName, plainUpdate);
            }
        }
    }

    private static void print(String operation, long[] store, String rawName, long[] raw) {
        System.out.printf("%-19s store %7.3f ms   %-28s %7.3f ms   ratio %.2f%n", operation, median(store),
                "plain " + rawName, median(raw), median(store) / median(raw));
    }

    private static double median(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2] / 1e6;
    }
}
