package dev.statestore.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.statestore.InvalidStoreUrlException;
import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.StateStore;
import dev.statestore.StateStoreAuthenticationException;
import dev.statestore.StateStores;
import dev.statestore.server.ServerOptions;
import dev.statestore.server.StateServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import org.junit.jupiter.api.Test;

/** The served store opened on the application's own HttpClient and token, without a URL. */
class HttpStoresTest {

    private static final String TOKEN = "http-stores-token";

    @Test
    void aServedStoreOnTheApplicationsClient() {
        HttpClient application = HttpClient.newHttpClient();
        try (StateStore behind = StateStores.open("memory:");
                StateServer server = StateServer.start(behind, ServerOptions.of(
                        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), TOKEN))) {
            try (StateStore store = HttpStores.open(application, URI.create(server.uri() + "/"), TOKEN)) {
                store.scope("app", "prod").create(ResourceState.builder("Bucket", ResourceStatus.CREATED).build());
                assertThat(store.describe()).isEqualTo(server.uri().toString());
            }
            assertThat(behind.scope("app", "prod").require("Bucket").version()).isEqualTo(1);
            try (StateStore again = HttpStores.open(application, server.uri(), TOKEN)) {
                assertThat(again.scope("app", "prod").require("Bucket").version()).as("the client still serves").isEqualTo(1);
            }
            try (StateStore wrong = HttpStores.open(application, server.uri(), "not-the-token")) {
                assertThatThrownBy(() -> wrong.scope("app", "prod").get("Bucket"))
                        .isInstanceOf(StateStoreAuthenticationException.class).hasMessageNotContaining("not-the-token");
            }
            assertThatThrownBy(() -> HttpStores.open(application, URI.create("ftp://h/x"), TOKEN))
                    .isInstanceOf(InvalidStoreUrlException.class);
            assertThatThrownBy(() -> HttpStores.open(application, URI.create("http://u:p@h/x"), TOKEN))
                    .isInstanceOf(InvalidStoreUrlException.class).hasMessageNotContaining("u:p");
            assertThatThrownBy(() -> HttpStores.open(application, server.uri(), " "))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
