package dev.statestore.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.StateStores;
import dev.statestore.server.ServerOptions;
import dev.statestore.server.StateServer;
import dev.statestore.spi.ClientRetries;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write whose connection dies before any answer (a pooled connection the server or a proxy dropped) is sent once
 * more on a new connection, and that second send is reported to {@link ClientRetries} on the calling thread, which is
 * how {@code statestore-micrometer} counts it against the call ({@code statestore.call.retry}). A read is sent again
 * by the JDK's client itself, out of the store's sight.
 */
class HttpRetryTest {

    private static final String TOKEN = "retry-token-0123456789";

    /** Pipes connections to {@code target}; drops the connection carrying the next request once asked to. */
    private static final class DroppingProxy implements AutoCloseable {
        private final ServerSocket listener;
        private final int target;
        private final AtomicBoolean dropNext = new AtomicBoolean();
        private final AtomicInteger dropped = new AtomicInteger();

        DroppingProxy(int target) throws IOException {
            this.target = target;
            this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(this::accept, "dropping-proxy");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return listener.getLocalPort();
        }

        private void accept() {
            while (!listener.isClosed()) {
                try {
                    Socket client = listener.accept();
                    Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
                    pipe(server, client, false);
                    pipe(client, server, true);
                } catch (IOException e) {
                    return; // closed
                }
            }
        }

        /** Copies {@code from} to {@code to}; requests (client to server) are where a drop happens. */
        private void pipe(Socket from, Socket to, boolean requests) {
            Thread copier = new Thread(() -> {
                byte[] buffer = new byte[8192];
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        if (requests && dropNext.compareAndSet(true, false)) {
                            dropped.incrementAndGet();
                            break; // the request read, never forwarded, never answered
                        }
                        out.write(buffer, 0, n);
                        out.flush();
                    }
                } catch (IOException e) {
                    // the other side closed
                } finally {
                    closeQuietly(from);
                    closeQuietly(to);
                }
            }, "dropping-proxy-pipe");
            copier.setDaemon(true);
            copier.start();
        }

        private static void closeQuietly(Socket socket) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }

        @Override
        public void close() throws IOException {
            listener.close();
        }
    }

    @Test
    void aRequestLeftUnansweredIsSentOnceMoreAndReportedAsARetryOnTheCallingThread(@TempDir Path tmp) throws Exception {
        Path token = Files.writeString(tmp.resolve("token"), TOKEN);
        try (StateStore real = StateStores.open("memory:");
                StateServer server = StateServer.start(real, ServerOptions.of(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN));
                DroppingProxy proxy = new DroppingProxy(server.port());
                StateStore client = StateStores.open("http://127.0.0.1:" + proxy.port() + "?token=file:" + token)) {
            StateScope scope = client.scope("app", "dev");
            long version = scope.create(ResourceState.builder("Db", ResourceStatus.CREATED).build()).version();
            List<String> retries = new CopyOnWriteArrayList<>();
            ClientRetries.Listener outer = ClientRetries.listen(retries::add);
            try {
                assertThat(scope.require("Db").version()).isEqualTo(version);
                assertThat(retries).as("an answered request is no retry").isEmpty();

                // A GET is sent again by the JDK's HttpClient itself, unseen by the store: not reported.
                proxy.dropNext.set(true);
                assertThat(scope.require("Db").version()).as("the second send answered").isEqualTo(version);
                assertThat(proxy.dropped.get()).isEqualTo(1);

                proxy.dropNext.set(true);
                long updated = scope.update(ResourceState.builder("Db", ResourceStatus.UPDATED).build(), version).version();
                assertThat(updated).as("the write landed on its second send").isGreaterThan(version);
                assertThat(proxy.dropped.get()).isEqualTo(2);
                assertThat(retries).containsExactly("http");
            } finally {
                ClientRetries.listen(outer);
            }
            proxy.dropNext.set(true);
            scope.update(ResourceState.builder("Db", ResourceStatus.CREATED).build(), scope.require("Db").version());
            assertThat(proxy.dropped.get()).isEqualTo(3);
            assertThat(retries).as("no listener on this thread any more: nothing told").hasSize(1);
        }
    }
}
