package dev.statestore.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.statestore.CorruptStateException;
import dev.statestore.DeploymentInProgressException;
import dev.statestore.DeploymentLease;
import dev.statestore.DeploymentMeta;
import dev.statestore.DeploymentOutcome;
import dev.statestore.DeploymentRecord;
import dev.statestore.ScopeId;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The shared deployments over a control store that misbehaves in the ways a real one may: what a backend relies on. */
class ControlJournalTest {

    private static final ScopeId SCOPE = new ScopeId("app", "prod");
    private static final DeploymentMeta META = DeploymentMeta.deploy(null);
    private static final Duration MINUTE = Duration.ofMinutes(1);

    /** Documents in a map, compared by text; every {@code failEvery}th compare-and-set of a chosen name loses a race. */
    private static final class FlakyStore implements ControlStore {
        final Map<String, String> documents = new ConcurrentHashMap<>();
        final AtomicInteger calls = new AtomicInteger();
        String losing = "";
        int failEvery = Integer.MAX_VALUE;

        @Override
        public Optional<ControlDocument> read(ScopeId scope, String name) {
            return Optional.ofNullable(documents.get(name)).map(json -> new ControlDocument(json, null));
        }

        @Override
        public synchronized boolean compareAndSet(ScopeId scope, String name, Optional<ControlDocument> expected,
                String json) {
            if (name.startsWith(losing) && calls.incrementAndGet() % failEvery == 0) {
                return false;
            }
            if (!Optional.ofNullable(documents.get(name)).equals(expected.map(ControlDocument::json))) {
                return false;
            }
            documents.put(name, json);
            return true;
        }

        @Override
        public synchronized boolean delete(ScopeId scope, String name, ControlDocument expected) {
            return documents.remove(name, expected.json());
        }
    }

    @Test
    void aHeadThatNeverMovesIsOnlyAHintTheVersionsAfterItAreFound() {
        FlakyStore store = new FlakyStore();
        store.losing = "head";
        store.failEvery = 1; // every write of the head is lost, as after a crash between a claim and its head
        DeploymentJournal journal = DeploymentJournal.overControlDocuments(store);
        for (int i = 1; i <= 5; i++) {
            DeploymentLease lease = journal.begin(SCOPE, META, MINUTE, null);
            assertThat(lease.version()).isEqualTo(i);
            journal.end(SCOPE, lease.version(), lease.token(), DeploymentOutcome.SUCCEEDED, null);
        }
        assertThat(store.documents).doesNotContainKey("head");
        assertThat(journal.list(SCOPE, null, 10)).extracting(DeploymentRecord::version).containsExactly(5L, 4L, 3L, 2L, 1L);
    }

    @Test
    void lostRacesAreReadAgainAndNeverGiveAVersionTwice() {
        FlakyStore store = new FlakyStore();
        store.losing = "deployment/";
        store.failEvery = 2;
        DeploymentJournal journal = DeploymentJournal.overControlDocuments(store);
        DeploymentLease first = journal.begin(SCOPE, META, MINUTE, null);
        assertThatThrownBy(() -> journal.begin(SCOPE, META, MINUTE, null)).isInstanceOf(DeploymentInProgressException.class);
        journal.heartbeat(SCOPE, first.version(), first.token());
        journal.end(SCOPE, first.version(), first.token(), DeploymentOutcome.SUCCEEDED, null);
        DeploymentLease second = journal.begin(SCOPE, META, MINUTE, null);
        assertThat(second.version()).isEqualTo(first.version() + 1);
        assertThat(journal.get(SCOPE, first.version()).orElseThrow().outcome()).isEqualTo(DeploymentOutcome.SUCCEEDED);
    }

    @Test
    void tokensAreStoredAsHashesOnly() {
        FlakyStore store = new FlakyStore();
        DeploymentLease lease = DeploymentJournal.overControlDocuments(store).begin(SCOPE, META, MINUTE, null);
        assertThat(String.join("\n", store.documents.values())).doesNotContain(lease.token())
                .contains(ControlJournal.hash(lease.token()));
    }

    @Test
    void aDeploymentDocumentOfAnotherVersionOrScopeIsCorruptNamedByItsName() {
        FlakyStore store = new FlakyStore();
        DeploymentJournal journal = DeploymentJournal.overControlDocuments(store);
        journal.begin(SCOPE, META, MINUTE, null);
        store.documents.put("deployment/2", store.documents.get("deployment/1"));
        assertThatThrownBy(() -> journal.get(SCOPE, 2)).isInstanceOf(CorruptStateException.class)
                .hasMessageContaining("deployment/2");
        store.documents.put("deployment/3", "{not json");
        assertThatThrownBy(() -> journal.get(SCOPE, 3)).isInstanceOf(CorruptStateException.class);
    }
}
