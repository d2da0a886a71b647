package dev.statestore.s3;

import dev.statestore.testkit.TestServers.Tier;

/**
 * The same proof on the S3Mock container: its one request thread makes conditional writes atomic there
 * too. Run by the {@code containers} Maven profile, not by default.
 */
class S3ContainersServerProofTest extends S3ServerProofTest {

    @Override
    S3Server server() {
        return S3Server.shared(Tier.CONTAINERS);
    }
}
