package dev.statestore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Encryption at rest, on the file store, whose raw bytes are files anyone can read. */
class EncryptionTest {

    @TempDir
    Path tmp;

    private static String key() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    private String keys(String name, String... entries) throws IOException {
        Path file = tmp.resolve(name);
        Files.writeString(file, String.join("\n", entries));
        return "encryptionKey=file:" + file;
    }

    private String url(String keys) {
        return "file:" + tmp.resolve("state-root") + "?" + keys;
    }

    private Path file(String stage, String fqn) {
        return tmp.resolve("state-root/state/app/" + stage + "/" + fqn + ".json");
    }

    private static ResourceState secret(String fqn) {
        return ResourceState.fromJson("{\"kind\":\"resource\",\"fqn\":\"" + fqn + "\",\"resourceType\":\"Neon.Db\","
                + "\"status\":\"created\",\"props\":{\"name\":\"db\"},\"attr\":{\"password\":{\"__redacted__\":\"hunter2-"
                + fqn + "\"}},\"bindings\":[{\"token\":\"tok-" + fqn + "\"}]}");
    }

    /** An encrypted store holding the record "Db" of app/prod and that scope's output; the caller closes it. */
    private StateStore sealedDbAndOutput(String keys, String output) {
        StateStore store = StateStores.open(url(keys));
        store.scope("app", "prod").create(secret("Db"));
        store.scope("app", "prod").putOutput(StackOutput.fromJson(output));
        return store;
    }

    @Test
    void secretsNeverReachTheBytesAndTheDocumentComesBackExactly() throws IOException {
        String k1 = keys("k", "k1:" + key());
        try (StateStore store = sealedDbAndOutput(k1, "{\"dbPassword\":\"hunter2-output\"}")) {
            assertThat(store.scope("app", "prod").require("Db").value()).isEqualTo(secret("Db"));
            assertThat(store.scope("app", "prod").output().orElseThrow().value().toJson()).contains("hunter2-output");
            assertThat(store.scope("app", "prod").listByStatus(java.util.EnumSet.of(ResourceStatus.CREATED))).hasSize(1);
        }
        String raw = Files.readString(file("prod", "Db"));
        assertThat(raw).doesNotContain("hunter2", "tok-Db", "\"db\"").contains("\"fqn\": \"Db\"", "\"status\": \"created\"",
                "\"resourceType\": \"Neon.Db\"", "\"kid\": \"k1\"");
        assertThat(Files.readString(tmp.resolve("state-root/state/app/prod/__stack_output__.json"))).doesNotContain("hunter2");
    }

    @Test
    void tamperedSwappedOrMovedCiphertextIsRefused() throws IOException {
        String k1 = keys("k", "k1:" + key());
        try (StateStore store = StateStores.open(url(k1))) {
            store.scope("app", "prod").create(secret("A"));
            store.scope("app", "prod").create(secret("B"));
            store.scope("app", "dev").create(secret("A"));
        }
        // Tampered: one character of the ciphertext changed.
        String a = Files.readString(file("prod", "A"));
        int ct = a.indexOf("\"ct\": \"") + 7;
        Files.writeString(file("prod", "A"), a.substring(0, ct) + (a.charAt(ct) == 'A' ? 'B' : 'A') + a.substring(ct + 1));
        // Swapped: A's sealed document in B's file, its visible fqn edited to pass as B's.
        Files.writeString(file("prod", "B"), a.replace("\"fqn\": \"A\"", "\"fqn\": \"B\""));
        // Moved: prod's A over dev's A.
        Files.writeString(file("dev", "A"), Files.readString(file("prod", "B")).replace("\"fqn\": \"B\"", "\"fqn\": \"A\""));
        try (StateStore store = StateStores.open(url(k1))) {
            assertThatThrownBy(() -> store.scope("app", "prod").get("A")).isInstanceOf(CorruptStateException.class)
                    .hasMessageContaining("does not open");
            assertThatThrownBy(() -> store.scope("app", "prod").get("B")).isInstanceOf(CorruptStateException.class);
            assertThatThrownBy(() -> store.scope("app", "dev").get("A")).isInstanceOf(CorruptStateException.class);
        }
    }

    @Test
    void aWrongKeyOrAMissingKeyIsAClearErrorNeverGarbage() throws IOException {
        try (StateStore store = StateStores.open(url(keys("k", "k1:" + key())))) {
            store.scope("app", "prod").create(secret("Db"));
        }
        try (StateStore other = StateStores.open(url(keys("other", "k1:" + key())))) {
            assertThatThrownBy(() -> other.scope("app", "prod").get("Db")).isInstanceOf(CorruptStateException.class)
                    .hasMessageContaining("k1");
        }
        try (StateStore missing = StateStores.open(url(keys("missing", "k2:" + key())))) {
            assertThatThrownBy(() -> missing.scope("app", "prod").get("Db")).isInstanceOf(StateStoreException.class)
                    .hasMessageContaining("sealed with the key 'k1'").hasMessageContaining("configured: k2");
        }
    }

    @Test
    void rotationReadsWithEveryKeyAndWritesWithThePrimary() throws IOException {
        String k1 = "k1:" + key();
        String k2 = "k2:" + key();
        try (StateStore store = StateStores.open(url(keys("old", k1)))) {
            store.scope("app", "prod").create(secret("Old"));
            store.scope("app", "prod").create(secret("Touched"));
        }
        try (StateStore rotated = StateStores.open(url(keys("rotated", k2, k1)))) {
            StateScope scope = rotated.scope("app", "prod");
            assertThat(scope.require("Old").value()).isEqualTo(secret("Old"));
            scope.update(scope.require("Touched").value(), 1);
            scope.create(secret("New"));
        }
        assertThat(Files.readString(file("prod", "Old"))).contains("\"kid\": \"k1\"");
        assertThat(Files.readString(file("prod", "Touched"))).contains("\"kid\": \"k2\"");
        try (StateStore onlyNew = StateStores.open(url(keys("new", k2)))) {
            assertThat(onlyNew.scope("app", "prod").require("Touched").value()).isEqualTo(secret("Touched"));
            assertThat(onlyNew.scope("app", "prod").require("New").value()).isEqualTo(secret("New"));
            assertThatThrownBy(() -> onlyNew.scope("app", "prod").get("Old")).hasMessageContaining("'k1'");
        }
    }

    @Test
    void rekeyResealsUnderThePrimaryWhatOlderKeysOrNoKeySealedAndIsResumable() throws IOException {
        String k1 = "k1:" + key();
        String k2 = "k2:" + key();
        try (StateStore plain = StateStores.open("file:" + tmp.resolve("state-root"))) {
            plain.scope("app", "prod").create(secret("Plain"));
        }
        try (StateStore old = StateStores.open(url(keys("old", k1)))) {
            for (int i = 0; i < 510; i++) { // more than one page of the listing
                old.scope("app", "prod").create(secret("R" + i));
            }
            old.scope("app", "prod").putOutput(StackOutput.fromJson("{\"dbPassword\":\"hunter2-output\"}"));
            old.scope("app", "dev").create(secret("Elsewhere"));
        }
        String rotated = url(keys("rotated", k2, k1));
        try (StateStore store = StateStores.open(rotated)) {
            store.scope("app", "prod").update(store.scope("app", "prod").require("R7").value(), 1); // now under k2
        }
        long[] seen = {0};
        RekeyResult first = StateStores.rekey(rotated, new ScopeId("app", "prod"), "test", n -> seen[0] = n);
        assertThat(first).isEqualTo(new RekeyResult(new ScopeId("app", "prod"), "k2", 512, 511));
        assertThat(seen[0]).isEqualTo(511);
        assertThat(Files.readString(file("prod", "R0"))).contains("\"kid\": \"k2\"").doesNotContain("hunter2");
        assertThat(Files.readString(file("prod", "Plain"))).contains("\"kid\": \"k2\"").doesNotContain("hunter2");
        assertThat(Files.readString(file("dev", "Elsewhere"))).contains("\"kid\": \"k1\""); // another scope: untouched
        // Run again (as after an interruption): nothing left to do.
        assertThat(StateStores.rekey(rotated, new ScopeId("app", "prod"), "test", n -> { }).resealed()).isZero();
        try (StateStore onlyNew = StateStores.open(url(keys("new", k2)))) {
            StateScope scope = onlyNew.scope("app", "prod");
            assertThat(scope.require("R0").value()).isEqualTo(secret("R0"));
            assertThat(scope.require("R0").version()).isEqualTo(2);
            assertThat(scope.require("R7").version()).isEqualTo(2);
            assertThat(scope.require("Plain").value()).isEqualTo(secret("Plain"));
            assertThat(scope.output().orElseThrow().value().toJson()).contains("hunter2-output");
            assertThat(scope.lockInfo()).isEmpty();
        }
    }

    @Test
    void rekeyWaitsForNoDeployAndNeedsTheKeys() throws IOException {
        String k1 = keys("k", "k1:" + key());
        try (StateStore store = StateStores.open(url(k1))) {
            store.scope("app", "prod").create(secret("Db"));
            LockLease deploy = store.scope("app", "prod").acquireLock("ci job 42", java.time.Duration.ofMinutes(5));
            assertThatThrownBy(() -> StateStores.rekey(url(k1), new ScopeId("app", "prod"), "test", n -> { }))
                    .isInstanceOf(LockConflictException.class);
            store.scope("app", "prod").releaseLock(deploy.lockId());
        }
        assertThatThrownBy(() -> StateStores.rekey("file:" + tmp.resolve("state-root"), new ScopeId("app", "prod"), "test",
                n -> { })).isInstanceOf(InvalidStoreUrlException.class).hasMessageContaining("encryptionKey");
        try (StateStore missing = StateStores.open(url(keys("missing", "k2:" + key())))) {
            assertThatThrownBy(() -> StateStores.rekey(url(keys("missing", "k2:" + key())), new ScopeId("app", "prod"),
                    "test", n -> { })).hasMessageContaining("sealed with the key 'k1'");
            // The deployments (the deploy lock among them) are sealed too: without k1 they cannot be read either.
            assertThatThrownBy(() -> missing.scope("app", "prod").lockInfo()).hasMessageContaining("sealed with the key 'k1'");
        }
        try (StateStore store = StateStores.open(url(k1))) {
            assertThat(store.scope("app", "prod").lockInfo()).isEmpty(); // released after the failure
        }
    }

    @Test
    void deploymentsAreSealedAtRestAndBoundToTheirName() throws IOException {
        String k1 = keys("k", "k1:" + key());
        try (StateStore store = StateStores.open(url(k1))) {
            Deployments deployments = store.scope("app", "prod").deployments();
            DeploymentLease lease = deployments.begin(new DeploymentMeta("deploy",
                    new DeploymentMeta.Initiator("hunter2-user", "hunter2-host", 7L), null, "hunter2-commit"),
                    java.time.Duration.ofMinutes(1));
            deployments.appendEvents(lease.version(), lease.token(), java.util.List.of(new DeploymentEvent(1,
                    java.time.Instant.now(), "hunter2-fqn", new com.fasterxml.jackson.databind.node.TextNode("hunter2-event"))));
            deployments.end(lease.version(), lease.token(), DeploymentOutcome.FAILED,
                    new DeploymentSummary(java.util.Map.of(), "hunter2-error"));
        }
        Path control = tmp.resolve("state-root/.statestore/app/prod/__control__");
        java.util.List<Path> files;
        try (var walk = Files.walk(control)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(3); // head, the deployment, a chunk of its journal
        for (Path file : files) {
            assertThat(Files.readString(file)).contains("__sealed__").doesNotContain("hunter2");
        }
        // A sealed document moved under another name does not open.
        Path record = control.resolve("deployment/1.json");
        Files.copy(record, control.resolve("deployment/2.json"));
        try (StateStore store = StateStores.open(url(k1))) {
            Deployments deployments = store.scope("app", "prod").deployments();
            assertThatThrownBy(() -> deployments.get(2)).isInstanceOf(CorruptStateException.class);
            assertThat(deployments.get(1).orElseThrow().summary().error()).isEqualTo("hunter2-error");
        }
    }

    @Test
    void recordsFromBeforeEncryptionReadAndAreSealedOnTheirNextWrite() throws IOException {
        try (StateStore plain = StateStores.open("file:" + tmp.resolve("state-root"))) {
            plain.scope("app", "prod").create(secret("Db"));
        }
        try (StateStore store = StateStores.open(url(keys("k", "k1:" + key())))) {
            Versioned<ResourceState> db = store.scope("app", "prod").require("Db");
            assertThat(db.value()).isEqualTo(secret("Db"));
            store.scope("app", "prod").update(db.value(), db.version());
        }
        assertThat(Files.readString(file("prod", "Db"))).doesNotContain("hunter2");
    }

    @Test
    void badKeysAreRefusedAtOpenWithoutShowingThem() throws IOException {
        String shortKey = Base64.getEncoder().encodeToString("sixteen-byte-key".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> StateStores.open(url(keys("short", "k1:" + shortKey))))
                .isInstanceOf(InvalidStoreUrlException.class).hasMessageContaining("32").hasMessageNotContaining(shortKey);
        assertThatThrownBy(() -> StateStores.open(url(keys("notb64", "k1:!!!not base64!!!"))))
                .isInstanceOf(InvalidStoreUrlException.class).hasMessageContaining("base64").hasMessageNotContaining("!!!");
        assertThatThrownBy(() -> StateStores.open(url("encryptionKey=env:STATESTORE_TEST_NO_SUCH_VARIABLE")))
                .isInstanceOf(InvalidStoreUrlException.class).hasMessageContaining("STATESTORE_TEST_NO_SUCH_VARIABLE");
        assertThatThrownBy(() -> StateStores.open(url("encryptionKey=" + key())))
                .isInstanceOf(InvalidStoreUrlException.class).hasMessageContaining("env:VARIABLE or file:PATH");
    }

    @Test
    void aStoreOpenedWithoutTheKeyRefusesSealedRecordsAndNothingIsLost() throws IOException {
        String k1 = keys("k", "k1:" + key());
        sealedDbAndOutput(k1, "{\"url\":\"https://x\"}").close();
        try (StateStore plain = StateStores.open("file:" + tmp.resolve("state-root"))) {
            StateScope scope = plain.scope("app", "prod");
            assertThatThrownBy(() -> scope.get("Db")).isInstanceOf(StateStoreException.class)
                    .hasMessageContaining("sealed").hasMessageContaining("'k1'").hasMessageContaining("encryptionKey");
            assertThatThrownBy(scope::listAll).hasMessageContaining("sealed");
            assertThatThrownBy(() -> scope.listByStatus(java.util.EnumSet.of(ResourceStatus.CREATED)))
                    .hasMessageContaining("sealed");
            assertThatThrownBy(scope::output).hasMessageContaining("sealed");
            // What a read-modify-write through such a store would have written: a document still carrying the seal.
            String raw = Files.readString(file("prod", "Db"));
            ResourceState carried = ResourceState.fromJson(raw.replace("\"status\": \"created\"", "\"status\": \"updated\""));
            assertThatThrownBy(() -> scope.put(carried)).isInstanceOf(StateStoreException.class)
                    .hasMessageContaining("sealed");
            assertThatThrownBy(() -> scope.update(carried, 1)).isInstanceOf(StateStoreException.class)
                    .hasMessageContaining("sealed");
            // Not even a fresh document: the sealed record is there, and this store cannot read it.
            assertThatThrownBy(() -> scope.put(secret("Db"))).hasMessageContaining("sealed");
            assertThatThrownBy(() -> scope.delete("Db")).hasMessageContaining("sealed");
            // And nowhere may a document carry the envelope.
            assertThatThrownBy(() -> scope.put(ResourceState.fromJson(raw.replace("\"Db\"", "\"Elsewhere\""))))
                    .isInstanceOf(InvalidStateException.class).hasMessageContaining("__sealed__");
        }
        try (StateStore store = StateStores.open(url(k1))) {
            Versioned<ResourceState> db = store.scope("app", "prod").require("Db");
            assertThat(db.version()).isEqualTo(1);
            assertThat(db.value()).isEqualTo(secret("Db"));
        }
        // A server holding state for clients that seal it passes sealed documents through, unread.
        try (StateStore plain = StateStores.open("file:" + tmp.resolve("state-root"))) {
            StateStore serving = StateStores.forServing(plain);
            Versioned<ResourceState> sealed = serving.scope("app", "prod").require("Db");
            assertThat(sealed.value().toJson()).contains("__sealed__").doesNotContain("hunter2");
            // Sealed for version 1: written again, it would be version 2, which it cannot open as.
            assertThatThrownBy(() -> serving.scope("app", "prod").update(sealed.value(), sealed.version()))
                    .isInstanceOf(InvalidStateException.class).hasMessageContaining("sealed for version 1");
            assertThatThrownBy(() -> serving.scope("app", "prod").put(sealed.value()))
                    .isInstanceOf(dev.statestore.StateConflictException.class);
            serving.close();
            assertThat(plain.stacks()).as("closing the view closes nothing").containsExactly("app");
        }
        try (StateStore store = StateStores.open(url(k1))) {
            assertThat(store.scope("app", "prod").require("Db").value()).isEqualTo(secret("Db"));
        }
    }

    @Test
    void aReadableStatusChangedOutsideTheStoreIsCorruptAndNoListingSkipsTheRecord() throws IOException {
        String k1 = keys("k", "k1:" + key());
        try (StateStore store = StateStores.open(url(k1))) {
            store.scope("app", "prod").create(secret("A").toBuilder().status(ResourceStatus.CREATING).build());
            store.scope("app", "prod").create(secret("B"));
        }
        // The readable copy says the deploy finished; the sealed document says it did not.
        String a = Files.readString(file("prod", "A"));
        Files.writeString(file("prod", "A"), a.replace("\"status\": \"creating\"", "\"status\": \"created\""));
        try (StateStore store = StateStores.open(url(k1))) {
            StateScope scope = store.scope("app", "prod");
            assertThatThrownBy(() -> scope.get("A")).isInstanceOf(CorruptStateException.class)
                    .hasMessageContaining("readable 'status'");
            assertThatThrownBy(scope::listPending).as("the listing that should show it fails, never skips it")
                    .isInstanceOf(CorruptStateException.class);
            assertThatThrownBy(() -> scope.listByStatus(java.util.EnumSet.of(ResourceStatus.CREATED)))
                    .isInstanceOf(CorruptStateException.class);
            assertThat(scope.require("B").version()).as("other records still read").isEqualTo(1);
        }
    }
}
