package dev.statestore.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A TCP proxy on loopback that holds every byte back for a fixed time in each direction, so that a server on this
 * machine answers as a remote one does: with a one-way delay of 10 ms, a request and its answer take 20 ms more, as
 * S3 or DynamoDB do from outside their region. Bytes keep their order and are never held back for more than the
 * delay (no bandwidth limit): each direction of each connection has a thread that reads and stamps, and one that
 * waits for each chunk's time and writes it on.
 *
 * <p>Not a general tool: for the benchmark's latency rows. Closing it closes every connection.
 */
public final class LatencyProxy implements AutoCloseable {

    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final long delayNanos;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();

    private LatencyProxy(ServerSocket listener, InetSocketAddress target, Duration oneWay) {
        this.listener = listener;
        this.target = target;
        this.delayNanos = oneWay.toNanos();
    }

    /** Listens on a free loopback port and forwards each connection to {@code target}, {@code oneWay} late each way. */
    public static LatencyProxy start(InetSocketAddress target, Duration oneWay) throws IOException {
        ServerSocket listener = new ServerSocket(0, 512, InetAddress.getLoopbackAddress());
        LatencyProxy proxy = new LatencyProxy(listener, target, oneWay);
        Thread acceptor = new Thread(proxy::accept, "latency-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
        return proxy;
    }

    /** The port to connect to instead of the target's. */
    public int port() {
        return listener.getLocalPort();
    }

    private void accept() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket(target.getAddress(), target.getPort());
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(server);
                relay(client, server);
                relay(server, client);
            } catch (IOException e) {
                if (!listener.isClosed()) {
                    System.err.println("latency proxy: " + e);
                }
            }
        }
    }

    /** A chunk read from one side, and when it may be written to the other. */
    private record Chunk(byte[] bytes, long due) {}

    private static final Chunk END = new Chunk(new byte[0], 0);

    private void relay(Socket from, Socket to) throws IOException {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        BlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
        daemon(() -> {
            byte[] buffer = new byte[64 * 1024];
            try {
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    queue.add(new Chunk(Arrays.copyOf(buffer, n), System.nanoTime() + delayNanos));
                }
            } catch (IOException e) {
                // The connection closed: what was read still goes out, then the other side is closed.
            }
            queue.add(END);
        });
        daemon(() -> {
            try {
                for (Chunk chunk; (chunk = queue.take()) != END; ) {
                    long wait = chunk.due() - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                    out.write(chunk.bytes());
                    out.flush();
                }
                to.shutdownOutput();
            } catch (IOException | InterruptedException e) {
                close(to);
                close(from);
            }
        });
    }

    private static void daemon(Runnable task) {
        Thread thread = new Thread(task, "latency-proxy-relay");
        thread.setDaemon(true);
        thread.start();
    }

    private static void close(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Closing: nothing to do.
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        sockets.forEach(LatencyProxy::close);
    }
}
