package dev.statestore.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.statestore.CorruptStateException;
import dev.statestore.ScopeId;
import dev.statestore.StateConflictException;
import dev.statestore.spi.DocumentToWrite;
import dev.statestore.spi.StateJson;
import dev.statestore.spi.StateKey;
import dev.statestore.spi.StoreBackend;
import dev.statestore.spi.StoredDocument;
import dev.statestore.spi.WriteCondition;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sealing a put or a create for the version it will have: what happens when another writer gets in between the read of
 * the last version and the write, and over a backend that cannot say its last versions.
 */
class EncryptingBackendTest {

    private static final ScopeId SCOPE = new ScopeId("app", "prod");
    private static final StateKey DB = StateKey.record("Db");

    @TempDir
    Path tmp;

    private Keyring keys() throws IOException {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Path file = tmp.resolve("keys.txt");
        Files.writeString(file, "k1:" + Base64.getEncoder().encodeToString(key) + "\n");
        return Keyring.parse("file:" + file);
    }

    private static DocumentToWrite db(String password) {
        return DocumentToWrite.of(DB, StateJson.nodes().objectNode().put("kind", "resource").put("fqn", "Db")
                .put("status", "created").put("password", password), "created");
    }

    /** {@code inner}, each call first shown to {@code look}, which may answer it instead (non-null). */
    private static StoreBackend watched(StoreBackend inner, java.util.function.BiFunction<String, Object[], Object> look) {
        return (StoreBackend) Proxy.newProxyInstance(StoreBackend.class.getClassLoader(), new Class<?>[] {StoreBackend.class},
                (proxy, method, args) -> {
                    Object answer = look.apply(method.getName(), args);
                    if (answer != null) {
                        return answer;
                    }
                    try {
                        return method.invoke(inner, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** {@code inner}, with {@code before} run ahead of each of its first {@code times} writes on a last version. */
    private static StoreBackend racing(StoreBackend inner, int times, Runnable before) {
        AtomicInteger left = new AtomicInteger(times);
        return watched(inner, (method, args) -> {
            if (method.equals("write") && ((WriteCondition) args[1]).requiresLastVersion() && left.getAndDecrement() > 0) {
                before.run();
            }
            return null;
        });
    }

    private static long sealedFor(StoreBackend raw) {
        return parse(raw.read(SCOPE, DB).orElseThrow().json()).path(DocumentToWrite.SEALED)
                .path(DocumentToWrite.SEALED_VERSION).asLong();
    }

    private static com.fasterxml.jackson.databind.JsonNode parse(String json) {
        try {
            return StateJson.parse(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aCreateOvertakenByACreateAndADeleteIsSealedForTheVersionItGets() throws IOException {
        MemoryBackend raw = new MemoryBackend("race");
        raw.write(SCOPE, WriteCondition.absent(), db("first"));
        raw.delete(SCOPE, DB, WriteCondition.any());
        // Between its read of the last version (1) and its write, another writer creates the key and deletes it again
        // (twice over): the create still holds, and lands at version 4 rather than 2.
        StoreBackend sealing = new EncryptingBackend(racing(raw, 2, () -> {
            raw.write(SCOPE, WriteCondition.absent(), db("other"));
            raw.delete(SCOPE, DB, WriteCondition.any());
        }), keys());
        StoredDocument created = sealing.write(SCOPE, WriteCondition.absent(), db("mine"));
        assertThat(created.version()).isEqualTo(4);
        assertThat(sealedFor(raw)).isEqualTo(4);
        assertThat(sealing.read(SCOPE, DB).orElseThrow().json()).contains("\"password\":\"mine\"");
    }

    @Test
    void aPutOvertakenByAnotherPutIsSealedForTheVersionItGets() throws IOException {
        MemoryBackend raw = new MemoryBackend("race");
        Keyring keys = keys();
        StoreBackend plain = new EncryptingBackend(raw, keys);
        plain.write(SCOPE, WriteCondition.any(), db("first"));
        StoreBackend sealing = new EncryptingBackend(racing(raw, 1,
                () -> plain.write(SCOPE, WriteCondition.any(), db("other"))), keys);
        assertThat(sealing.write(SCOPE, WriteCondition.any(), db("mine")).version()).isEqualTo(3);
        assertThat(sealing.read(SCOPE, DB).orElseThrow().json()).contains("\"password\":\"mine\"");
    }

    @Test
    void aCreateOvertakenByACreateThatStaysIsAConflict() throws IOException {
        MemoryBackend raw = new MemoryBackend("race");
        Keyring keys = keys();
        StoreBackend other = new EncryptingBackend(raw, keys);
        StoreBackend sealing = new EncryptingBackend(racing(raw, 1,
                () -> other.write(SCOPE, WriteCondition.absent(), db("other"))), keys);
        assertThatThrownBy(() -> sealing.write(SCOPE, WriteCondition.absent(), db("mine")))
                .isInstanceOf(StateConflictException.class);
        assertThat(sealing.read(SCOPE, DB).orElseThrow().json()).contains("\"password\":\"other\"");
    }

    @Test
    void overABackendThatCannotSayItsLastVersionsPutsAreSealedForNoVersionAndUpdatesForTheirs() throws IOException {
        MemoryBackend raw = new MemoryBackend("unversioned");
        StoreBackend unversioned = watched(raw, (method, args) -> method.equals("lastVersion") ? OptionalLong.empty() : null);
        StoreBackend sealing = new EncryptingBackend(unversioned, keys());
        sealing.write(SCOPE, WriteCondition.any(), db("first"));
        assertThat(sealedFor(raw)).as("sealed for no version").isZero();
        byte[] first = raw.read(SCOPE, DB).orElseThrow().json().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(sealing.read(SCOPE, DB).orElseThrow().json()).contains("first");
        sealing.write(SCOPE, WriteCondition.version(1), db("second"));
        assertThat(sealedFor(raw)).isEqualTo(2);
        assertThat(sealing.read(SCOPE, DB).orElseThrow().json()).contains("second");
        // The update's document put back at version 3 no longer opens; the unbound first one still would.
        String second = raw.read(SCOPE, DB).orElseThrow().json();
        raw.write(SCOPE, WriteCondition.version(2), DocumentToWrite.of(DB, parse(second), "created"));
        assertThatThrownBy(() -> sealing.read(SCOPE, DB)).isInstanceOf(CorruptStateException.class)
                .hasMessageContaining("written as version 2, and it is stored as version 3");
        raw.write(SCOPE, WriteCondition.version(3), DocumentToWrite.of(DB,
                parse(new String(first, java.nio.charset.StandardCharsets.UTF_8)), "created"));
        assertThat(sealing.read(SCOPE, DB).orElseThrow().json()).contains("first");
    }

    @Test
    void aPutAfterAReadOrAWriteAndACreateOfANewKeySealWithoutReadingTheLastVersionFirst() throws IOException {
        MemoryBackend raw = new MemoryBackend("seen");
        AtomicInteger asked = new AtomicInteger();
        StoreBackend counting = watched(raw, (method, args) -> {
            if (method.equals("lastVersion")) {
                asked.incrementAndGet();
            }
            return null;
        });
        Keyring keys = keys();
        StoreBackend sealing = new EncryptingBackend(counting, keys);
        sealing.write(SCOPE, WriteCondition.any(), db("first"));
        assertThat(asked).as("asked once: whether the backend says last versions").hasValue(1);
        sealing.write(SCOPE, WriteCondition.any(), db("second"));
        sealing.read(SCOPE, DB);
        assertThat(sealing.write(SCOPE, WriteCondition.any(), db("third")).version()).isEqualTo(3);
        StateKey fresh = StateKey.record("Fresh");
        assertThat(sealing.write(SCOPE, WriteCondition.absent(), DocumentToWrite.of(fresh,
                StateJson.nodes().objectNode().put("kind", "resource").put("fqn", "Fresh").put("status", "created"),
                "created")).version()).isEqualTo(1);
        assertThat(asked).as("nothing read since").hasValue(1);
        // Another writer moves the record on: the version seen is stale, the write conflicts, reads, and lands.
        new EncryptingBackend(raw, keys).write(SCOPE, WriteCondition.version(3), db("other"));
        assertThat(sealing.write(SCOPE, WriteCondition.any(), db("mine")).version()).isEqualTo(5);
        assertThat(asked).hasValue(2);
        assertThat(sealedFor(raw)).isEqualTo(5);
        assertThat(sealing.read(SCOPE, DB).orElseThrow().json()).contains("\"password\":\"mine\"");
        // Deleted at the version it read, then created again: the tombstone's version is known.
        sealing.delete(SCOPE, DB, WriteCondition.version(5));
        assertThat(sealing.write(SCOPE, WriteCondition.absent(), db("again")).version()).isEqualTo(6);
        assertThat(asked).hasValue(2);
    }
}
