package dev.statestore.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            for (int round = 0; round < 10; round++) {
                String key = "proof/race-" + UUID.randomUUID();
                assertThat(race(pool, n -> s3.putObject(b -> b.bucket(bucket).key(key).ifNoneMatch("*"),
                        RequestBody.fromString("w" + n)))).as("If-None-Match winners, round " + round).isEqualTo(1);
                String etag = s3.headObject(b -> b.bucket(bucket).key(key)).eTag();
                assertThat(race(pool, n -> s3.putObject(b -> b.bucket(bucket).key(key).ifMatch(etag),
                        RequestBody.fromString("u" + n)))).as("If-Match winners, round " + round).isEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private interface Put {
        void run(int n);
    }

    private static int race(ExecutorService pool, Put put) throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Boolean>> results = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            int n = i;
            results.add(pool.submit(() -> {
                go.await();
                try {
                    put.run(n);
                    return true;
                } catch (S3Exception e) {
                    if (e.statusCode() == 412 || e.statusCode() == 409) {
                        return false;
                    }
                    throw e;
                }
            }));
        }
        go.countDown();
        int winners = 0;
        for (Future<Boolean> f : results) {
            winners += f.get(60, TimeUnit.SECONDS) ? 1 : 0;
        }
        return winners;
    }

    private static int status(Runnable call) {
        S3Exception e = catchThrowableOfType(S3Exception.class, call::run);
        assertThat(e).as("the server refused the write").isNotNull();
        return e.statusCode();
    }
}
