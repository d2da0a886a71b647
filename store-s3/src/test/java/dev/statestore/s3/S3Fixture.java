package dev.statestore.s3;

import dev.statestore.ScopeId;
import dev.statestore.conformance.ConformanceFixture;
import dev.statestore.testkit.TestServers;
import dev.statestore.testkit.TestServers.Tier;
import java.util.Optional;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** A bucket (or, on a server the tests did not start, a key prefix) of its own per store URL, on the shared server. */
final class S3Fixture implements ConformanceFixture {

    private final S3Server server;
    private final S3Client raw;

    /** On the server of the tier {@code STATESTORE_TEST_SERVERS} asks for. */
    S3Fixture() {
        this(TestServers.requestedTier());
    }

    /** On the server of the given tier. */
    S3Fixture(Tier tier) {
        server = S3Server.shared(tier);
        raw = server.client();
    }

    S3Server server() {
        return server;
    }

    S3Client raw() {
        return raw;
    }

    @Override
    public String newStoreUrl() {
        return server.newStoreUrl();
    }

    /** An endpoint on port 1 of loopback, where nothing listens, with the secret as the secret access key. */
    @Override
    public Optional<String> unreachableStoreUrl(String secret) {
        return Optional.of("s3://bucket/p?endpoint=http://127.0.0.1:1&pathStyle=true&accessKeyId=a&secretAccessKey="
                + secret + "&timeout=5");
    }

    static String bucket(String storeUrl) {
        return S3Options.from(dev.statestore.spi.StoreUrl.parse(storeUrl)).bucket();
    }

    static String key(String storeUrl, ScopeId scope, String fqn) {
        return new S3Keys(S3Options.from(dev.statestore.spi.StoreUrl.parse(storeUrl)).prefix()).record(scope, fqn);
    }

    @Override
    public Optional<byte[]> rawRecord(String storeUrl, ScopeId scope, String fqn) {
        try {
            byte[] bytes = raw.getObjectAsBytes(b -> b.bucket(bucket(storeUrl)).key(key(storeUrl, scope, fqn))).asByteArray();
            return S3Bodies.isTombstone(bytes) ? Optional.empty() : Optional.of(bytes);
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public void writeRawRecord(String storeUrl, ScopeId scope, String fqn, byte[] bytes) {
        String key = key(storeUrl, scope, fqn);
        HeadObjectResponse head = raw.headObject(b -> b.bucket(bucket(storeUrl)).key(key));
        raw.putObject(b -> b.bucket(bucket(storeUrl)).key(key).metadata(head.metadata()), RequestBody.fromBytes(bytes));
    }
}
