package dev.statestore.s3;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The version a document's bytes carry, which a read checks against the object's metadata. */
class S3BodiesTest {

    @Test
    void aDocumentsBytesCarryItsVersionAndNothingElseDoes() {
        for (long version : new long[] {1, 2, 122, 123, Long.MAX_VALUE}) {
            assertThat(S3Bodies.documentVersion(S3Bodies.document("{\"a\":1}", version))).isEqualTo(version);
        }
        assertThat(S3Bodies.documentVersion(S3Bodies.tombstone(7))).as("a tombstone").isEqualTo(-1);
        assertThat(S3Bodies.documentVersion("{\"a\":1}".getBytes(StandardCharsets.UTF_8))).as("another writer's").isEqualTo(-1);
        assertThat(S3Bodies.documentVersion(new byte[0])).isEqualTo(-1);
        byte[] edited = S3Bodies.document("{\"a\":1}", 5);
        edited[edited.length - 1] = 'x';
        assertThat(S3Bodies.documentVersion(edited)).as("not white space to the end").isEqualTo(-1);
    }
}
