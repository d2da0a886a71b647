package dev.statestore.spi;

import java.util.Objects;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;

/**
 * Where a backend tells of a request its client sent again (a retry: the AWS SDK's after a throttle or a 5xx, the HTTP
 * store's after a dropped connection), so that an observing layer ({@code statestore-micrometer}) can count it against
 * the store call it belongs to. Retries are otherwise invisible: the call just takes longer.
 *
 * <p>The listener is per thread: an observing layer sets one for the length of a call ({@link #listen}), and a backend
 * reports on the thread that sent the request ({@link #retried}). A backend that hands requests to a pool of its own
 * carries the caller's listener into each task with {@link #carried}. With no listener set, a report costs a
 * thread-local read and nothing else. A listener may be told from several threads at once when a call fans out.
 */
public final class ClientRetries {

    /** Told of each retry made on behalf of the call it listens for. Must be thread-safe and must not throw. */
    @FunctionalInterface
    public interface Listener {

        /** @param client which client sent a request again: {@code aws-sdk}, {@code http}, ... */
        void retried(String client);
    }

    private static final ThreadLocal<@Nullable Listener> LISTENER = new ThreadLocal<>();

    private ClientRetries() {}

    /** A backend: a request of {@code client} was just sent again; the calling thread's listener, if any, is told. */
    public static void retried(String client) {
        Listener listener = LISTENER.get();
        if (listener != null) {
            try {
                listener.retried(client);
            } catch (RuntimeException e) {
                // Counting a retry must never fail the request it counts.
                org.slf4j.LoggerFactory.getLogger(ClientRetries.class).debug("a retry listener failed", e);
            }
        }
    }

    /**
     * Sets this thread's listener and returns the one it replaces, which the caller puts back when its call ends
     * ({@code listen(previous)}), so that nested calls each see their own retries.
     */
    public static @Nullable Listener listen(@Nullable Listener listener) {
        Listener previous = LISTENER.get();
        LISTENER.set(listener);
        return previous;
    }

    /** The task, run with the listener of the thread calling this (for a task handed to another thread). */
    public static <T> Callable<T> carried(Callable<T> task) {
        Objects.requireNonNull(task, "task");
        Listener listener = LISTENER.get();
        if (listener == null) {
            return task;
        }
        return () -> {
            Listener previous = listen(listener);
            try {
                return task.call();
            } finally {
                listen(previous);
            }
        };
    }
}
