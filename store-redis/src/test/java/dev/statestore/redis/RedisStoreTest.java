package dev.statestore.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.statestore.InvalidStoreUrlException;
import dev.statestore.ResourceState;
import dev.statestore.StateScope;
import dev.statestore.StateStore;
import dev.statestore.StateStoreUnavailableException;
import dev.statestore.StateStores;
import dev.statestore.Versioned;
import dev.statestore.spi.StoreUrl;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;

/** What only the Redis store does: its keys, its scripts, its server going away. */
class RedisStoreTest {

    private static final RedisFixture FIXTURE = new RedisFixture(RedisServers.single());

    private static ResourceState record(String fqn) {
        return ResourceState.fromJson("{\"kind\":\"resource\",\"fqn\":" + com.fasterxml.jackson.databind.node.TextNode
                .valueOf(fqn) + ",\"status\":\"created\",\"props\":{\"z\":1,\"a\":1.10}}");
    }

    private static UnifiedJedis raw() {
        RedisOptions o = RedisOptions.from(StoreUrl.parse(FIXTURE.server().url()));
        return RedisClient.builder().hostAndPort(o.nodes().get(0)).build();
    }

    @Test
    @Timeout(120)
    void aServerRestartFailsCallsAsUnavailableAndTheSameStoreRecovers() throws Exception {
        // A server of its own to restart, whatever server the other tests use.
        LocalRedis local = LocalRedis.single();
        try (StateStore store = StateStores.open("redis://127.0.0.1:" + local.ports().get(0) + "?timeout=3000")) {
            StateScope scope = store.scope("app", "prod");
            scope.create(record("Cache"));
            local.stop();
            List<Long> failureMillis = new ArrayList<>();
            try {
                for (int i = 0; i < 2; i++) {
                    long start = System.nanoTime();
                    assertThatThrownBy(() -> scope.get("Cache")).isInstanceOf(StateStoreUnavailableException.class);
                    failureMillis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
                }
            } finally {
                local.startAgain();
            }
            // timeout=3000 in this URL: a call fails within it, plus scheduling slack.
            assertThat(failureMillis).allSatisfy(ms -> assertThat(ms).isLessThan(8_000));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            Versioned<ResourceState> back = null;
            while (back == null) {
                try {
                    back = scope.require("Cache");
                } catch (StateStoreUnavailableException e) {
                    assertThat(System.nanoTime()).as("the store works again within 30 s").isLessThan(deadline);
                    Thread.sleep(100);
                }
            }
            assertThat(back.version()).as("kept by the append-only file").isEqualTo(1);
            assertThat(scope.update(record("Cache"), 1).version()).as("scripts reloaded after the restart").isEqualTo(2);
        }
    }

    @Test
    void scriptsAreReloadedAfterAFlush() {
        try (StateStore store = StateStores.open(FIXTURE.newStoreUrl()); UnifiedJedis raw = raw()) {
            StateScope scope = store.scope("app", "prod");
            scope.create(record("A"));
            raw.scriptFlush();
            assertThat(scope.update(record("A"), 1).version()).isEqualTo(2);
        }
    }

    @Test
    void aStoreOnTheApplicationsOwnClientNeverClosesIt() {
        String url = FIXTURE.newStoreUrl();
        String prefix = StoreUrl.parse(url).options().string("prefix", "");
        try (UnifiedJedis application = raw()) {
            try (StateStore store = RedisStores.open(application, prefix)) {
                store.scope("app", "prod").create(record("Bucket"));
                assertThat(store.describe()).contains("the application's client").contains(prefix);
            }
            assertThat(application.exists(prefix + ":nothing")).as("the client still works").isFalse();
            try (StateStore byUrl = StateStores.open(url)) {
                assertThat(byUrl.scope("app", "prod").require("Bucket").version()).isEqualTo(1);
            }
            assertThatThrownBy(() -> RedisStores.open(application, "a{b}")).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void everyKeyStartsWithThePrefixAndPrefixesNeverMeet() {
        String first = FIXTURE.newStoreUrl();
        String prefix = StoreUrl.parse(first).options().string("prefix", "");
        // Try to reach another prefix's keys through names: "P:x" as a prefix, braces and colons in names.
        String second = first.replace("prefix=" + prefix, "prefix=" + prefix + ":x");
        try (StateStore a = StateStores.open(first); StateStore b = StateStores.open(second); UnifiedJedis raw = raw()) {
            a.scope("x", "y").create(record("}:d:z"));
            a.scope("a:{b}", "c}:d").create(record("q"));
            b.scope("y}", "z").create(record("z"));
            assertThat(b.stacks()).containsExactly("y}");
            assertThat(a.stacks()).containsExactly("a:{b}", "x");
            assertThat(a.scope("a:{b}", "c}:d").get("q")).isPresent();
            var keys = raw.scanIteration(100, prefix + "*");
            List<String> all = new ArrayList<>();
            while (!keys.isIterationCompleted()) {
                all.addAll(keys.nextBatchList());
            }
            assertThat(all).allSatisfy(k -> assertThat(k.substring(0, k.indexOf('{')))
                    .isIn(prefix + ":", prefix + ":x:"));
        }
    }

    @Test
    void diagnoseWarnsWhenNothingIsKeptOnDisk() {
        try (StateStore store = StateStores.open(FIXTURE.newStoreUrl()); UnifiedJedis raw = raw()) {
            assertThat(store.diagnose()).as("the private server keeps an append-only file").isEmpty();
            String appendonly = raw.configGet("appendonly").get("appendonly");
            String save = raw.configGet("save").get("save");
            raw.configSet("appendonly", "no");
            raw.configSet("save", "");
            try {
                assertThat(store.diagnose()).singleElement().asString().contains("keeps nothing on disk");
            } finally {
                raw.configSet("appendonly", appendonly);
                raw.configSet("save", save);
            }
        }
    }

    @Test
    void badOptionsAreNamedTogetherAndThePasswordNever() {
        assertThatThrownBy(() -> StateStores.open("redis://u:hunter2@localhost:6379/x?prefix=a{b}&timeout=1&bogus=1"))
                .isInstanceOf(InvalidStoreUrlException.class)
                .hasMessageContaining("'database'").hasMessageContaining("'prefix'").hasMessageContaining("'timeout'")
                .hasMessageContaining("bogus").hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> StateStores.open("redis://a:1,b:2")).isInstanceOf(InvalidStoreUrlException.class)
                .hasMessageContaining("redis-cluster://");
    }

    @Test
    @Timeout(120)
    void aWrongPasswordIsAnAuthenticationFailureNotAnOutage() throws Exception {
        // A server of its own, given a password, whatever server the other tests use.
        LocalRedis local = LocalRedis.single();
        try {
            int port = local.ports().get(0);
            try (UnifiedJedis admin = RedisClient.builder().hostAndPort(new redis.clients.jedis.HostAndPort("127.0.0.1", port))
                    .build()) {
                admin.configSet("requirepass", "the-right-one");
            }
            for (String url : List.of("redis://:hunter2@127.0.0.1:" + port, "redis://default:hunter2@127.0.0.1:" + port,
                    "redis://127.0.0.1:" + port)) {
                assertThatThrownBy(() -> StateStores.open(url + "?timeout=3000")).as(url)
                        .isInstanceOf(dev.statestore.StateStoreAuthenticationException.class)
                        .hasMessageNotContaining("hunter2")
                        .satisfies(e -> assertThat(((dev.statestore.StateStoreException) e).isRetryable()).isFalse());
            }
            try (StateStore store = StateStores.open("redis://:the-right-one@127.0.0.1:" + port + "?timeout=3000")) {
                assertThat(store.stacks()).isEmpty();
            }
        } finally {
            try (redis.clients.jedis.Jedis admin = new redis.clients.jedis.Jedis("127.0.0.1", local.ports().get(0))) {
                admin.auth("the-right-one");
                admin.configSet("requirepass", "");
            } catch (RuntimeException notSetYet) {
                // the password was never set: nothing to undo
            }
            local.stop();
        }
    }
}
