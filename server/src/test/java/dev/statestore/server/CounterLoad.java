package dev.statestore.server;

import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.StateConflictException;
import dev.statestore.StateScope;
import dev.statestore.Versioned;
import dev.statestore.spi.StateJson;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;

/**
 * Many clients incrementing one counter record with read, then conditional write, retrying on a conflict:
 * every success must show in the final value (no lost update), and nothing else may fail.
 */
final class CounterLoad {

    record Result(String how, int clients, long updates, long conflicts, long errors, long finalValue, Duration elapsed) {
        double updatesPerSecond() {
            return updates / (elapsed.toNanos() / 1e9);
        }

        @Override
        public String toString() {
            return String.format("%-28s %3d clients: %8d updates (%8.0f/s), %8d conflicts, %d errors, counter %d", how, clients,
                    updates, updatesPerSecond(), conflicts, errors, finalValue);
        }
    }

    static final String FQN = "Counter";

    private CounterLoad() {}

    static ResourceState counter(long value) {
        return ResourceState.builder(FQN, ResourceStatus.UPDATED).attr(StateJson.nodes().objectNode().put("count", value))
                .build();
    }

    private static long count(ResourceState state) {
        return state.attr().orElseThrow().path("count").asLong();
    }

    /** Through the store's own API, no HTTP: the floor. */
    static Result direct(StateScope scope, int clients, Duration duration) throws Exception {
        scope.put(counter(0));
        LongAdder conflicts = new LongAdder();
        LongAdder errors = new LongAdder();
        Result r = run("direct", clients, duration, errors, () -> {
            Versioned<ResourceState> current = scope.require(FQN);
            try {
                scope.update(counter(count(current.value()) + 1), current.version());
                return true;
            } catch (StateConflictException e) {
                conflicts.increment();
                return false;
            }
        }, conflicts, () -> count(scope.require(FQN).value()));
        return r;
    }

    /** Through {@code statestore serve}: GET for the ETag, PUT with If-Match; 412 is a conflict, anything else an error. */
    static Result overHttp(StateScope scope, URI server, String token, int clients, Duration duration) throws Exception {
        scope.put(counter(0));
        URI record = URI.create(server + "/state/stacks/" + scope.id().stack() + "/stages/" + scope.id().stage()
                + "/resources/" + FQN);
        LongAdder conflicts = new LongAdder();
        LongAdder errors = new LongAdder();
        ThreadLocal<HttpClient> perClient = ThreadLocal.withInitial(() -> HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1).build());
        return run("statestore serve (HTTP)", clients, duration, errors, () -> {
            HttpClient http = perClient.get();
            HttpResponse<String> read = http.send(HttpRequest.newBuilder(record).header("Authorization", "Bearer " + token)
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (read.statusCode() != 200) {
                throw new IllegalStateException("GET answered " + read.statusCode());
            }
            long next = count(ResourceState.fromJson(read.body())) + 1;
            HttpResponse<String> write = http.send(HttpRequest.newBuilder(record).header("Authorization", "Bearer " + token)
                    .header("Content-Type", "application/json").header("If-Match", read.headers().firstValue("ETag").orElseThrow())
                    .PUT(HttpRequest.BodyPublishers.ofString(counter(next).toJson())).build(), HttpResponse.BodyHandlers.ofString());
            if (write.statusCode() == 412) {
                conflicts.increment();
                return false;
            }
            if (write.statusCode() != 200) {
                throw new IllegalStateException("PUT answered " + write.statusCode() + ": " + write.body());
            }
            return true;
        }, conflicts, () -> count(scope.require(FQN).value()));
    }

    private static Result run(String how, int clients, Duration duration, LongAdder errors, Callable<Boolean> attempt,
            LongAdder conflicts, Callable<Long> finalValue) throws Exception {
        LongAdder updates = new LongAdder();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                running.add(pool.submit(() -> {
                    while (System.nanoTime() < end) {
                        try {
                            if (attempt.call()) {
                                updates.increment();
                            }
                        } catch (Exception e) {
                            errors.increment();
                            if (errors.sum() < 5) {
                                e.printStackTrace();
                            }
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        return new Result(how, clients, updates.sum(), conflicts.sum(), errors.sum(), finalValue.call(), elapsed);
    }
}
