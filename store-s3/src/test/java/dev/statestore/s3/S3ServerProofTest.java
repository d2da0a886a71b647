package dev.statestore.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.UUID;
import dev.statestore.testkit.TestServers;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Proves the tests' S3 server, not the store: it refuses stale conditional writes, and of racing
 * conditional writers exactly one wins. If this fails, the server is wrong for these tests, and the
 * conformance suite passing on it would prove nothing.
 */
class S3ServerProofTest {

    private final S3Server server = server();
    private final S3Client s3 = server.client();
    private final String bucket = server.bucket();

    /** The server proved: the one of the tier {@code STATESTORE_TEST_SERVERS} asks for. */
    S3Server server() {
        return S3Server.shared();
    }

    @Test
    void staleConditionalWritesGet412() {
        String key = "proof/" + UUID.randomUUID();
        String first = s3.putObject(b -> b.bucket(bucket).key(key).ifNoneMatch("*"), RequestBody.fromString("1")).eTag();
        assertThat(status(() -> s3.putObject(b -> b.bucket(bucket).key(key).ifNoneMatch("*"), RequestBody.fromString("2"))))
                .isEqualTo(412);
        String second = s3.putObject(b -> b.bucket(bucket).key(key).ifMatch(first), RequestBody.fromString("2")).eTag();
        assertThat(status(() -> s3.putObject(b -> b.bucket(bucket).key(key).ifMatch(first), RequestBody.fromString("3"))))
                .as("a stale If-Match").isEqualTo(412);
        assertThat(status(() -> s3.deleteObject(b -> b.bucket(bucket).key(key).ifMatch(first))))
                .as("a stale conditional delete").isEqualTo(412);
        assertThat(s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asUtf8String()).isEqualTo("2");
        assertThat(s3.headObject(b -> b.bucket(bucket).key(key)).eTag()).isEqualTo(second);
    }

    @Test
    void racingConditionalWritesHaveExactlyOneWinner() throws Exception {
        for (int round = 0; round < 10; round++) {
            String key = "proof/race-" + UUID.randomUUID();
            assertThat(TestServers.winners(16, n -> won(() -> s3.putObject(b -> b.bucket(bucket).key(key).ifNoneMatch("*"),
                    RequestBody.fromString("w" + n))))).as("If-None-Match winners, round " + round).isEqualTo(1);
            String etag = s3.headObject(b -> b.bucket(bucket).key(key)).eTag();
            assertThat(TestServers.winners(16, n -> won(() -> s3.putObject(b -> b.bucket(bucket).key(key).ifMatch(etag),
                    RequestBody.fromString("u" + n))))).as("If-Match winners, round " + round).isEqualTo(1);
        }
    }

    /** Whether a conditional put won: false if refused as stale (412) or lost to a concurrent one (409). */
    private static boolean won(Runnable put) {
        try {
            put.run();
            return true;
        } catch (S3Exception e) {
            if (e.statusCode() == 412 || e.statusCode() == 409) {
                return false;
            }
            throw e;
        }
    }

    private static int status(Runnable call) {
        S3Exception e = catchThrowableOfType(S3Exception.class, call::run);
        assertThat(e).as("the server refused the write").isNotNull();
        return e.statusCode();
    }
}
