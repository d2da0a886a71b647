package dev.statestore.dynamodb;

import static dev.statestore.conformance.TestDeployments.deploy;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.statestore.InvalidStateException;
import dev.statestore.InvalidStoreUrlException;
import dev.statestore.ResourceState;
import dev.statestore.ResourceStatus;
import dev.statestore.ScopeId;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.StateStores;
import dev.statestore.spi.StateJson;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** What only the DynamoDB store does: large records in chunks, its table, its URL. */
class DynamoDbStoreTest {

    private static final DynamoDbFixture FIXTURE = new DynamoDbFixture();

    private static ResourceState random(String fqn, int bytes, long seed) {
        byte[] data = new byte[bytes * 3 / 4];
        new Random(seed).nextBytes(data);
        return ResourceState.builder(fqn, ResourceStatus.CREATED)
                .props(StateJson.nodes().objectNode().put("bundle", Base64.getEncoder().encodeToString(data))).build();
    }

    private List<String> sortKeys(String url) {
        // Every page: a Query reads at most 1 MB, and chunks are a third of that each.
        return FIXTURE.raw().queryPaginator(b -> b.tableName(DynamoDbFixture.table(url)).keyConditionExpression("pk = :pk")
                .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS("app/prod"))).consistentRead(true))
                .items().stream().map(i -> i.get("sk").s()).collect(Collectors.toList());
    }

    private static String withoutHistory(String url) {
        return url + (url.contains("?") ? "&" : "?") + "history=off";
    }

    @Test
    void largeRecordsGoInChunksOfTheirVersionAndTheOldChunksGo() {
        String url = FIXTURE.newStoreUrl();
        try (StateStore store = StateStores.open(withoutHistory(url))) {
            StateScope scope = store.scope("app", "prod");
            ResourceState first = random("Big", 1024 * 1024, 1);
            scope.create(first);
            assertThat(sortKeys(url).stream().filter(k -> k.startsWith("c#"))).hasSize(3).allMatch(k -> k.contains("#1#"));
            ResourceState second = random("Big", 1200 * 1024, 2);
            scope.update(second, 1);
            assertThat(sortKeys(url).stream().filter(k -> k.startsWith("c#"))).hasSize(3).allMatch(k -> k.contains("#2#"));
            assertThat(scope.require("Big").value()).isEqualTo(second);
            scope.update(ResourceState.builder("Big", ResourceStatus.CREATED).build(), 2);
            assertThat(sortKeys(url).stream().filter(k -> k.startsWith("c#"))).as("small again: no chunks").isEmpty();
            assertThat(scope.require("Big").version()).isEqualTo(3);
            // Large once more, then deleted: the tombstone is the record's one item left.
            scope.update(random("Big", 1024 * 1024, 3), 3);
            assertThat(sortKeys(url).stream().filter(k -> k.startsWith("c#"))).hasSize(3).allMatch(k -> k.contains("#4#"));
            scope.delete("Big", 4);
            assertThat(sortKeys(url)).as("deleted: its chunks go, the tombstone stays").containsExactly("r#Big");
            assertThat(scope.create(ResourceState.builder("Big", ResourceStatus.CREATED).build()).version()).isEqualTo(5);
        }
    }

    @Test
    void withHistoryTheChunksOfEveryVersionStayAndItsChangesReadWhole() {
        String url = FIXTURE.newStoreUrl();
        try (StateStore store = StateStores.open(url)) {
            StateScope scope = store.scope("app", "prod");
            ResourceState first = random("Big", 1024 * 1024, 1);
            scope.create(first);
            ResourceState second = random("Big", 1200 * 1024, 2);
            scope.update(second, 1);
            scope.delete("Big", 2);
            assertThat(sortKeys(url).stream().filter(k -> k.startsWith("c#")))
                    .as("the changes of versions 1 and 2 refer to their chunks").hasSize(6);
            assertThat(sortKeys(url).stream().filter(k -> k.startsWith("y#"))).as("two writes, one deletion").hasSize(3);
            var changes = scope.history().of("Big");
            assertThat(changes).extracting(c -> c.version()).containsExactly(2L, 2L, 1L);
            assertThat(changes.get(0).isDeletion()).isTrue();
            assertThat(changes.get(1).record()).isEqualTo(second);
            assertThat(changes.get(2).record()).isEqualTo(first);
        }
    }

    @Test
    void pruningTheHistoryTakesTheChunksOfThePrunedVersionsWithItAndKeepsTheLiveOnes() {
        String url = FIXTURE.newStoreUrl();
        try (StateStore store = StateStores.open(url + (url.contains("?") ? "&" : "?") + "historyDeployments=1")) {
            StateScope scope = store.scope("app", "prod");
            deploy(scope, s -> s.create(random("Big", 1024 * 1024, 1)));
            deploy(scope, s -> s.put(random("Big", 1024 * 1024, 2)));
            deploy(scope, s -> s.put(random("Kept", 1024 * 1024, 3)));
            // The window is the newest deployment: the changes of Big's versions 1 and 2 only it needs stay
            // (version 2 is live); version 1's change went, and its chunks with it.
            assertThat(sortKeys(url).stream().filter(k -> k.startsWith("c#"))).hasSize(6)
                    .noneMatch(k -> k.startsWith("c#" + sha("rBig") + "#1#"));
            deploy(scope, s -> s.put(ResourceState.builder("Big", ResourceStatus.CREATED).build()));
            deploy(scope, s -> s.delete("Kept"));
            long last = deploy(scope, s -> s.put(ResourceState.builder("Other", ResourceStatus.CREATED).build()));
            assertThat(sortKeys(url).stream().filter(k -> k.startsWith("c#")))
                    .as("no live version is chunked, and no change in the window needs a chunked one").isEmpty();
            assertThat(scope.require("Big").value()).isEqualTo(ResourceState.builder("Big", ResourceStatus.CREATED).build());
            assertThat(scope.history().at(last).records()).containsOnlyKeys("Big", "Other");
        }
    }

    private static String sha(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aRecordTooLargeEvenCompressedIsRefusedBeforeAnyWrite() {
        String url = FIXTURE.newStoreUrl();
        try (StateStore store = StateStores.open(url)) {
            assertThatThrownBy(() -> store.scope("app", "prod").create(random("Huge", 5 * 1024 * 1024, 3)))
                    .isInstanceOf(InvalidStateException.class).hasMessageContaining("after gzip")
                    .hasMessageContaining(Integer.toString(DynamoDbBackend.MAX_STORED_BYTES));
            assertThat(sortKeys(url)).isEmpty();
        }
    }

    @Test
    void aStoreOnTheApplicationsOwnClientNeverClosesIt() {
        String url = FIXTURE.newStoreUrl();
        String table = DynamoDbFixture.table(url);
        try (StateStore store = DynamoDbStores.open(FIXTURE.raw(), table, true)) {
            store.scope("app", "prod").create(ResourceState.builder("Bucket", ResourceStatus.CREATED).build());
            assertThat(store.describe()).contains(table);
        }
        // Still open: the fixture's client reads what the store wrote, and the URL's store sees the same record.
        assertThat(FIXTURE.rawRecord(url, new ScopeId("app", "prod"), "Bucket")).isPresent();
        try (StateStore byUrl = StateStores.open(url)) {
            assertThat(byUrl.scope("app", "prod").require("Bucket").version()).isEqualTo(1);
        }
        assertThatThrownBy(() -> DynamoDbStores.open(FIXTURE.raw(), table + "?createTable=true", false))
                .as("a table name is only ever a name").isInstanceOf(dev.statestore.InvalidStoreUrlException.class)
                .hasMessageContaining("'table'");
        assertThatThrownBy(() -> DynamoDbStores.open(FIXTURE.raw(), "statestore-no-such-" + System.nanoTime(), false))
                .isInstanceOf(dev.statestore.StateStoreMisconfiguredException.class).hasMessageContaining("does not exist");
    }

    @Test
    void aMissingTableIsNamedWithWhatToDo() {
        String url = FIXTURE.newStoreUrl().replace("createTable=true", "createTable=false");
        assertThatThrownBy(() -> StateStores.open(url)).isInstanceOf(dev.statestore.StateStoreMisconfiguredException.class)
                .hasMessageContaining("does not exist").hasMessageContaining("pk (String)").hasMessageContaining("createTable=true");
    }

    @Test
    void badOptionsAreNamedTogetherAndSecretsNever() {
        assertThatThrownBy(() -> StateStores.open("dynamodb://x?endpoint=nope&createTable=maybe&accessKeyId=a&timeout=0&bogus=1"))
                .isInstanceOf(InvalidStoreUrlException.class)
                .hasMessageContaining("'table'").hasMessageContaining("'endpoint'").hasMessageContaining("'createTable'")
                .hasMessageContaining("'accessKeyId'").hasMessageContaining("'timeout'").hasMessageContaining("bogus");
    }
}
