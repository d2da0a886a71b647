package dev.statestore.redis;

import dev.statestore.conformance.ConformanceFixture;
import dev.statestore.conformance.StateStoreConformance;

/** The whole conformance suite, unchanged, on a 3-node Redis cluster. */
class RedisClusterConformanceTest extends StateStoreConformance {

    private static final RedisFixture FIXTURE = new RedisFixture(RedisServers.cluster());

    @Override
    protected ConformanceFixture fixture() {
        return FIXTURE;
    }
}
