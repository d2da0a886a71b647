package dev.statestore.redis;

import dev.statestore.conformance.ConformanceFixture;
import dev.statestore.conformance.EncryptedFixture;
import dev.statestore.conformance.StateStoreConformance;

/** The whole conformance suite, unchanged, with encryption at rest on. */
class EncryptedRedisConformanceTest extends StateStoreConformance {

    private static final ConformanceFixture FIXTURE = new EncryptedFixture(new RedisFixture(RedisServers.single()));

    @Override
    protected ConformanceFixture fixture() {
        return FIXTURE;
    }
}
