package dev.statestore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which environments turn serve's OTLP export on: the standard variables, and the SDK's own off switch. */
class ServeTracingSwitchTest {

    @Test
    void anOtlpEndpointOrTheOtlpTracesExporterTurnsItOnAndTheSdksOffSwitchWins() {
        assertThat(ServeCommand.otlpConfigured(Map.of())).isFalse();
        assertThat(ServeCommand.otlpConfigured(Map.of("OTEL_SERVICE_NAME", "state"))).as("no exporter named").isFalse();
        assertThat(ServeCommand.otlpConfigured(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"))).isTrue();
        assertThat(ServeCommand.otlpConfigured(Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318/v1/traces")))
                .isTrue();
        assertThat(ServeCommand.otlpConfigured(Map.of("OTEL_TRACES_EXPORTER", "otlp"))).isTrue();
        assertThat(ServeCommand.otlpConfigured(Map.of("OTEL_TRACES_EXPORTER", "none"))).isFalse();
        assertThat(ServeCommand.otlpConfigured(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318",
                "OTEL_SDK_DISABLED", "true"))).isFalse();
    }
}
