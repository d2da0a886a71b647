package dev.statestore.s3;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.statestore.StateStore;
import dev.statestore.StateStores;
import dev.statestore.spi.ClientRetries;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The AWS SDK's own retries (here of a {@code 503 SlowDown}, S3's throttle) reach {@link ClientRetries} on the thread
 * of the store call that made them: {@link RetryReporting} on the client a URL opens.
 */
class S3RetryReportingTest {

    private static byte[] error(String code) {
        return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>" + code
                + "</Message><RequestId>r</RequestId></Error>").getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void eachAttemptAfterTheFirstIsReportedAsARetryOfTheCallThatMadeIt() throws Exception {
        AtomicInteger throttles = new AtomicInteger();
        AtomicInteger requests = new AtomicInteger();
        // Answers "slow down" while throttles remain, then "no such key": a record that is not there.
        HttpServer stub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        stub.createContext("/", exchange -> {
            requests.incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            boolean throttled = throttles.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
            byte[] body = error(throttled ? "SlowDown" : "NoSuchKey");
            exchange.getResponseHeaders().add("Content-Type", "application/xml");
            exchange.sendResponseHeaders(throttled ? 503 : 404, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        stub.start();
        try (StateStore store = StateStores.open("s3://bucket/p?pathStyle=true&probe=false&accessKeyId=k&secretAccessKey=s"
                + "&endpoint=http://127.0.0.1:" + stub.getAddress().getPort())) {
            List<String> retries = new CopyOnWriteArrayList<>();
            ClientRetries.Listener outer = ClientRetries.listen(retries::add);
            try {
                assertThat(store.scope("app", "dev").get("Db")).isEmpty();
                assertThat(retries).as("one request, answered at once").isEmpty();
                int before = requests.get();

                throttles.set(2);
                assertThat(store.scope("app", "dev").get("Db")).as("answered on the third attempt").isEmpty();
                assertThat(requests.get() - before).isEqualTo(3);
                assertThat(retries).containsExactly("aws-sdk", "aws-sdk");
            } finally {
                ClientRetries.listen(outer);
            }
            throttles.set(1);
            assertThat(store.scope("app", "dev").get("Db")).isEmpty();
            assertThat(retries).as("no listener on this thread any more").hasSize(2);
        } finally {
            stub.stop(0);
        }
    }
}
