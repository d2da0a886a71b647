package dev.statestore.azblob;

import dev.statestore.testkit.TestServers.Tier;

/** The same proof of Azurite in a container. Run by the {@code containers} Maven profile. */
class AzuriteContainersProofTest extends AzuriteProofTest {

    @Override
    AzuriteServer server() {
        return AzuriteServer.shared(Tier.CONTAINERS);
    }
}
