package dev.statestore.redis;

import dev.statestore.conformance.ConformanceFixture;
import dev.statestore.conformance.StateStoreConformance;

/** The whole conformance suite, unchanged, on a single Redis server. */
class RedisConformanceTest extends StateStoreConformance {

    private static final RedisFixture FIXTURE = new RedisFixture(RedisServers.single());

    @Override
    protected ConformanceFixture fixture() {
        return FIXTURE;
    }
}
