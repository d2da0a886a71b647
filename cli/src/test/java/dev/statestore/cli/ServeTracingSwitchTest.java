package dev.statestore.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** Which environments turn serve's OTLP export on: the standard variables, and the SDK's own off switch. */
class ServeTracingSwitchTest {

    private static boolean on(Map<String, String> environment) {
        return ServeCommand.otlpConfigured(environment, new Properties());
    }

    private static Properties properties(String name, String value) {
        Properties properties = new Properties();
        properties.setProperty(name, value);
        return properties;
    }

    @Test
    void theSdksSystemPropertiesCountAsItsVariablesDoAndWin() {
        assertThat(ServeCommand.otlpConfigured(Map.of(), properties("otel.exporter.otlp.endpoint", "http://c:4318")))
                .isTrue();
        assertThat(ServeCommand.otlpConfigured(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"),
                properties("otel.sdk.disabled", "true"))).isFalse();
        assertThat(ServeCommand.otlpConfigured(Map.of("OTEL_TRACES_EXPORTER", "otlp"),
                properties("otel.traces.exporter", "none"))).as("the property wins").isFalse();
    }

    @Test
    void anOtlpEndpointOrTheOtlpTracesExporterTurnsItOnAndTheSdksOffSwitchWins() {
        assertThat(on(Map.of())).isFalse();
        assertThat(on(Map.of("OTEL_SERVICE_NAME", "state"))).as("no exporter named").isFalse();
        assertThat(on(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"))).isTrue();
        assertThat(on(Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318/v1/traces")))
                .isTrue();
        assertThat(on(Map.of("OTEL_TRACES_EXPORTER", "otlp"))).isTrue();
        assertThat(on(Map.of("OTEL_TRACES_EXPORTER", "none"))).isFalse();
        assertThat(on(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318",
                "OTEL_SDK_DISABLED", "true"))).isFalse();
    }
}
