package dev.statestore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.statestore.MemoryStores;
import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.StateStore;
import dev.statestore.StateStores;
import java.io.PipedReader;
import java.io.PipedWriter;
import java.io.PrintWriter;
import java.io.BufferedReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code view}: the web UI on loopback, with a read-only token made for the run. */
class ViewCommandTest {

    @Test
    void viewServesTheStoreReadOnlyWithATokenItPrints() throws Exception {
        String url = "memory:view-" + UUID.randomUUID();
        try (StateStore store = StateStores.open(url)) {
            store.scope("demo-app", "dev").create(ResourceState.builder("Api/Bucket", ResourceStatus.CREATED).build());
            PipedWriter sink = new PipedWriter();
            BufferedReader lines = new BufferedReader(new PipedReader(sink));
            var cli = Statestore.commandLine();
            cli.setOut(new PrintWriter(sink, true));
            // The command serves until the process stops: a daemon thread, ended with the test's JVM.
            Thread viewer = new Thread(() -> cli.execute("--store", url, "view", "--no-browser"), "view");
            viewer.setDaemon(true);
            viewer.start();

            Matcher address = Pattern.compile("at (http://127\\.0\\.0\\.1:\\d+/ui/)").matcher(lines.readLine());
            assertThat(address.find()).isTrue();
            Matcher token = Pattern.compile("sign in with the token (\\S+) \\(read-only").matcher(lines.readLine());
            assertThat(token.find()).isTrue();

            HttpClient http = HttpClient.newHttpClient();
            URI page = URI.create(address.group(1));
            assertThat(http.send(HttpRequest.newBuilder(page).build(), HttpResponse.BodyHandlers.ofString()).body())
                    .contains("<title>statestore</title>");
            HttpResponse<String> stacks = http.send(HttpRequest.newBuilder(page.resolve("/ui/api/stacks"))
                    .header("Authorization", "Bearer " + token.group(1)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(stacks.statusCode()).isEqualTo(200);
            assertThat(stacks.body()).contains("demo-app", "\"created\":1");
            HttpResponse<String> write = http.send(HttpRequest.newBuilder(page.resolve("/state/stacks/demo-app/stages/dev/resources/X"))
                    .header("Authorization", "Bearer " + token.group(1))
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"fqn\":\"X\",\"status\":\"created\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(write.statusCode()).isEqualTo(403);
        } finally {
            MemoryStores.drop(url.substring("memory:".length()));
        }
    }
}
