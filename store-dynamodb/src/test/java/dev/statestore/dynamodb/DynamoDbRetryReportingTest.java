package dev.statestore.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.statestore.spi.ClientRetries;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The SDK's retries of a DynamoDB call (here of a {@code 500 InternalServerError}) reach {@link ClientRetries} on the
 * calling thread through {@link DynamoDbStores#retryReporting()}, the interceptor a URL's store adds to its client.
 */
class DynamoDbRetryReportingTest {

    @Test
    void eachAttemptAfterTheFirstIsReportedAsARetry() throws Exception {
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger requests = new AtomicInteger();
        HttpServer stub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        stub.createContext("/", exchange -> {
            requests.incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            boolean failed = failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
            byte[] body = (failed ? "{\"__type\":\"com.amazonaws.dynamodb.v20120810#InternalServerError\",\"message\":\"x\"}"
                    : "{}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.0");
            exchange.sendResponseHeaders(failed ? 500 : 200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        stub.start();
        try (DynamoDbClient dynamo = DynamoDbClient.builder()
                .endpointOverride(URI.create("http://127.0.0.1:" + stub.getAddress().getPort()))
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("k", "s")))
                .overrideConfiguration(c -> c.addExecutionInterceptor(DynamoDbStores.retryReporting()))
                .build()) {
            Map<String, AttributeValue> key = Map.of("pk", AttributeValue.fromS("a"), "sk", AttributeValue.fromS("b"));
            List<String> retries = new CopyOnWriteArrayList<>();
            ClientRetries.Listener outer = ClientRetries.listen(retries::add);
            try {
                dynamo.getItem(b -> b.tableName("t").key(key));
                assertThat(retries).as("answered at once").isEmpty();
                int before = requests.get();
                failures.set(2);
                assertThat(dynamo.getItem(b -> b.tableName("t").key(key)).hasItem()).isFalse();
                assertThat(requests.get() - before).isEqualTo(3);
                assertThat(retries).containsExactly("aws-sdk", "aws-sdk");
            } finally {
                ClientRetries.listen(outer);
            }
        } finally {
            stub.stop(0);
        }
    }
}
