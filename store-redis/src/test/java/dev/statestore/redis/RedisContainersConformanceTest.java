package dev.statestore.redis;

import dev.statestore.conformance.ConformanceFixture;
import dev.statestore.conformance.StateStoreConformance;
import dev.statestore.testkit.TestServers.Tier;

/**
 * The whole conformance suite, unchanged, on a single Redis server in a container, whatever
 * {@code STATESTORE_TEST_SERVERS} says. Run by the {@code containers} Maven profile, not by default.
 */
class RedisContainersConformanceTest extends StateStoreConformance {

    private static final RedisFixture FIXTURE = new RedisFixture(RedisServers.single(Tier.CONTAINERS));

    @Override
    protected ConformanceFixture fixture() {
        return FIXTURE;
    }
}
