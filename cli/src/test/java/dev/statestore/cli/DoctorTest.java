package dev.statestore.cli;

import static dev.statestore.cli.StatestoreCommandTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.statestore.ScopeId;
import dev.statestore.StateConflictException;
import dev.statestore.cli.StatestoreCommandTest.Run;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** doctor against servers that lie: rarely, or always. */
class DoctorTest {

    @Test
    void aServerThatLetsTwoWinInOneRoundOfFortyIsCaught() throws Exception {
        // A server that honours the condition in every round but the 37th, where two writers win.
        RaceProbe probe = new RaceProbe(8, 60, Duration.ofMinutes(1));
        RaceProbe.Result result = probe.run(round -> { }, (round, racer) -> {
            boolean wins = racer == 0 || (round == 36 && racer == 1);
            if (!wins) {
                throw new StateConflictException(new ScopeId("a", "b"), "x", 1, OptionalLong.of(2));
            }
        });
        assertThat(result.rounds()).isEqualTo(60);
        assertThat(result.badRounds()).containsExactly("round 37: 2 winners");
        assertThat(result.detection(0.05)).isGreaterThan(0.95);
        assertThat(result.confidence()).contains("95%");
    }

    @Test
    void theRoundsStopAtTheTimeBudgetAndSaySo() throws Exception {
        RaceProbe probe = new RaceProbe(2, 1_000_000, Duration.ofMillis(200));
        AtomicBoolean won = new AtomicBoolean();
        RaceProbe.Result result = probe.run(round -> won.set(false), (round, racer) -> {
            Thread.sleep(5);
            if (!won.compareAndSet(false, true)) {
                throw new StateConflictException(new ScopeId("a", "b"), "x", 1, OptionalLong.of(2));
            }
        });
        assertThat(result.rounds()).isBetween(1, 1_000);
        assertThat(result.badRounds()).isEmpty();
        assertThat(result.detection(0.05)).isLessThan(1.0);
    }

    @Test
    void aStoreThatRefusesItsServerIsAFailedCheck() throws Exception {
        // A fake S3 that accepts every put, whatever its conditions say: the S3 store's own probe refuses it.
        HttpServer fake = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        fake.createContext("/", exchange -> {
            exchange.getResponseHeaders().add("ETag", "\"0123456789abcdef0123456789abcdef\"");
            exchange.sendResponseHeaders(exchange.getRequestMethod().equals("DELETE") ? 204 : 200, -1);
            exchange.close();
        });
        fake.start();
        try {
            String url = "s3://bucket/x?endpoint=http://127.0.0.1:" + fake.getAddress().getPort()
                    + "&pathStyle=true&accessKeyId=a&secretAccessKey=hunter2";
            Run doctor = run("--store", url, "doctor");
            assertThat(doctor.code()).as(doctor.out() + doctor.err()).isEqualTo(Statestore.CHECK_FAILED);
            assertThat(doctor.out()).contains("PROBLEM", "ignores conditional writes").doesNotContain("hunter2");
        } finally {
            fake.stop(0);
        }
    }
}
