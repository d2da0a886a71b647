package dev.statestore.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.statestore.StateStore;
import dev.statestore.StateStores;
import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatencyProxyTest {

    @Test
    void everyByteArrivesInOrderAndTheRoundTripTakesTheDelayBothWays() throws Exception {
        try (ServerSocket echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread server = new Thread(() -> {
                try (Socket s = echo.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                    in.transferTo(out);
                } catch (Exception e) {
                    // the test ends the connection
                }
            });
            server.setDaemon(true);
            server.start();
            Duration oneWay = Duration.ofMillis(25);
            try (LatencyProxy proxy = LatencyProxy.start((InetSocketAddress) echo.getLocalSocketAddress(), oneWay);
                    Socket client = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
                byte[] sent = new byte[300_000];
                for (int i = 0; i < sent.length; i++) {
                    sent[i] = (byte) (i * 31);
                }
                long start = System.nanoTime();
                client.getOutputStream().write(sent);
                client.getOutputStream().flush();
                byte[] back = new byte[sent.length];
                new DataInputStream(client.getInputStream()).readFully(back);
                long elapsed = System.nanoTime() - start;
                assertThat(back).isEqualTo(sent);
                assertThat(Duration.ofNanos(elapsed)).as("at least the delay, there and back").isGreaterThanOrEqualTo(
                        oneWay.multipliedBy(2));
            }
        }
    }

    @Test
    void theRemoteWorkloadComparesGetAllWithTheRawReadAndDeploysOnOneAndManyThreads() throws Exception {
        try (StateStore store = StateStores.open("memory:")) {
            List<Row> rows = Workloads.remote("memory", store, (scope, threads) -> store.scope(scope.stack(), scope.stage())
                    .listAll().size(), List.of(1, 4), "bench", 50, 20, 4, Duration.ofMillis(20));
            assertThat(rows).extracting(Row::operation, Row::threads).containsExactly(
                    org.assertj.core.groups.Tuple.tuple("getAll", 1), org.assertj.core.groups.Tuple.tuple("deploy", 1),
                    org.assertj.core.groups.Tuple.tuple("deploy", 4));
            assertThat(rows.get(0).ratio()).isPositive();
            assertThat(rows.get(0).note()).startsWith("20 ms round trip; raw: its best, on ");
            assertThat(rows.get(2).ratio()).as("speed-up over one thread").isPositive();
            assertThat(store.scope("bench", "remote-50").listAll()).isEmpty();
            assertThat(Report.markdown(rows, "m")).contains("## Remote", "| memory | getAll | 50 | 1 |");
        }
    }
}
