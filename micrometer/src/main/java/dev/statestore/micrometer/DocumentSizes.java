package dev.statestore.micrometer;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.LongConsumer;

/**
 * The sizes of the documents written, as a distribution summary: the one meter the Observation API cannot make, so
 * it needs the application's {@link MeterRegistry} (and micrometer-core, which this module otherwise does not).
 */
final class DocumentSizes {

    static final String NAME = "statestore.document.size";

    private DocumentSizes() {}

    static LongConsumer of(MeterRegistry meters, String backend) {
        DistributionSummary records = summary(meters, backend, "record");
        return records::record;
    }

    static LongConsumer outputs(MeterRegistry meters, String backend) {
        DistributionSummary outputs = summary(meters, backend, "output");
        return outputs::record;
    }

    private static DistributionSummary summary(MeterRegistry meters, String backend, String kind) {
        return DistributionSummary.builder(NAME).description("bytes of compact JSON of each document written")
                .baseUnit("bytes").tag("backend", backend).tag("kind", kind).register(meters);
    }
}
