package dev.statestore.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.StateStoreAccessDeniedException;
import dev.statestore.StateStoreBackendException;
import dev.statestore.StateStoreException;
import dev.statestore.StateStoreMisconfiguredException;
import dev.statestore.StateStoreUnavailableException;
import dev.statestore.StateStores;
import dev.statestore.server.ServerOptions;
import dev.statestore.server.StateServer;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store behind {@code serve} fails in each way a caller handles differently; the {@code http://} store in front
 * of it throws the same kind of exception, so that a client of the server can tell them apart as a direct one can.
 */
class HttpErrorMappingTest {

    private static final String TOKEN = "error-mapping-token";

    /** What a read of each fqn throws behind the server. */
    private static final Map<String, Supplier<StateStoreException>> FAILURES = Map.of(
            "denied", () -> new StateStoreAccessDeniedException("no s3:GetObject here", null),
            "misconfigured", () -> new StateStoreMisconfiguredException("the table is missing"),
            "odd", () -> new StateStoreBackendException("the server said something new", null),
            "down", () -> new StateStoreUnavailableException("the database restarts", null));

    /** A memory store whose scopes fail reads of the fqns above. */
    private static StateStore failing(StateStore real) {
        return (StateStore) Proxy.newProxyInstance(StateStore.class.getClassLoader(), new Class<?>[] {StateStore.class},
                (proxy, method, args) -> {
                    Object result = invoke(method, real, args);
                    if (!method.getName().equals("scope")) {
                        return result;
                    }
                    StateScope scope = (StateScope) result;
                    return Proxy.newProxyInstance(StateScope.class.getClassLoader(), new Class<?>[] {StateScope.class},
                            (p, m, a) -> {
                                if (m.getName().equals("get") && FAILURES.containsKey(a[0])) {
                                    throw FAILURES.get(a[0]).get();
                                }
                                return invoke(m, scope, a);
                            });
                });
    }

    private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Test
    void eachKindOfFailureBehindTheServerIsTheSameKindInFront(@TempDir Path tmp) throws Exception {
        Path token = Files.writeString(tmp.resolve("token"), TOKEN);
        try (StateStore real = StateStores.open("memory:");
                StateServer server = StateServer.start(failing(real), ServerOptions.of(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN));
                StateStore client = StateStores.open(server.uri() + "?token=file:" + token)) {
            StateScope scope = client.scope("app", "dev");
            assertThatThrownBy(() -> scope.get("denied")).isInstanceOf(StateStoreAccessDeniedException.class)
                    .hasMessageContaining("403").hasMessageContaining("no s3:GetObject here");
            assertThatThrownBy(() -> scope.get("misconfigured")).isInstanceOf(StateStoreMisconfiguredException.class)
                    .hasMessageContaining("the table is missing");
            assertThatThrownBy(() -> scope.get("odd")).isInstanceOf(StateStoreBackendException.class)
                    .hasMessageContaining("500").hasMessageContaining("the server said something new");
            assertThatThrownBy(() -> scope.get("down")).isInstanceOf(StateStoreUnavailableException.class)
                    .hasMessageContaining("503");
            assertThat(scope.get("fine")).isEmpty();
        }
    }
}
