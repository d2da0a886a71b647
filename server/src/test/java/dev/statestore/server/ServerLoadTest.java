package dev.statestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.statestore.StateStore;
import dev.statestore.StateStores;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * 64 concurrent clients for a minute ({@code -Dstatestore.load.seconds} to change it) on one counter
 * through the server, on the memory store: no error, no lost update. Not a benchmark: its figures are
 * printed, never asserted ({@link ServeThroughputBenchmark} compares them with the direct store).
 */
class ServerLoadTest {

    @Test
    void sixtyFourClientsForAMinuteLoseNoUpdate() throws Exception {
        Duration duration = Duration.ofSeconds(Long.getLong("statestore.load.seconds", 60));
        try (StateStore store = StateStores.open("memory:");
                StateServer server = StateServer.start(store, ServerOptions.of(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), "load-token"))) {
            CounterLoad.Result result = CounterLoad.overHttp(store.scope("load", "test"), server.uri(), "load-token", 64, duration);
            System.out.println(result);
            assertThat(result.errors()).as("errors").isZero();
            assertThat(result.updates()).as("updates").isPositive();
            assertThat(result.finalValue()).as("the counter holds every successful update").isEqualTo(result.updates());
            assertThat(store.scope("load", "test").require(CounterLoad.FQN).version()).isEqualTo(result.updates() + 1);
        }
    }
}
