package dev.statestore.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.PrettyPrinter;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.Instantiatable;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;

/**
 * Internal: the one JSON codec of the suite (backends reach it as {@link dev.statestore.spi.StateJson}), so that a record is the same document on every backend.
 *
 * <p>Reading keeps everything a document says: key order, big integers beyond {@code long}, decimals
 * with all their digits and trailing zeros (as {@link java.math.BigDecimal}), {@code null} apart from
 * absent. A duplicate key is refused rather than silently dropped. Strings up to 512 MiB and 1,000
 * levels of nesting are accepted.
 *
 * <p>{@link #pretty(JsonNode)} writes exactly what Alchemy's {@code JSON.stringify(value, null, 2)}
 * writes (two-space indent, {@code "key": value}, {@code []} and {@code {}} for empty containers, no
 * trailing newline), so files this suite writes are byte for byte those Alchemy writes.
 *
 * <p>Thread-safe.
 */
public final class Json {

    private static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxStringLength(512 * 1024 * 1024)
                            .maxNumberLength(100_000)
                            .maxNestingDepth(1000)
                            .build())
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false)
            .build();
    private static final ObjectReader READER = MAPPER.readerFor(JsonNode.class);
    private static final ObjectWriter COMPACT = MAPPER.writer();
    private static final ObjectWriter PRETTY = MAPPER.writer(new AlchemyPrettyPrinter());

    private Json() {}

    /**
     * Parses one JSON value.
     *
     * @throws JsonProcessingException if {@code json} is not exactly one valid JSON value
     */
    public static JsonNode parse(String json) throws JsonProcessingException {
        return READER.readValue(json);
    }

    /** Parses one JSON value from UTF-8 bytes. */
    public static JsonNode parse(byte[] utf8) throws IOException {
        return READER.readValue(utf8);
    }

    /**
     * Why a parse failed, for people: the parser's own message and where, without Jackson's
     * {@code [Source: REDACTED ...]} trailer (the source is never included, so no document content leaks).
     */
    public static String problem(Exception e) {
        if (e instanceof com.fasterxml.jackson.core.JsonProcessingException j) {
            String message = j.getOriginalMessage() == null ? "" : j.getOriginalMessage().strip();
            com.fasterxml.jackson.core.JsonLocation at = j.getLocation();
            return at == null || at.getLineNr() < 0 ? message
                    : message + " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
        }
        return String.valueOf(e.getMessage());
    }

    /** The node as compact JSON text. */
    public static String compact(JsonNode node) {
        try {
            return COMPACT.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
    }

    /** The node as Alchemy's files hold it: {@code JSON.stringify(value, null, 2)}. */
    public static String pretty(JsonNode node) {
        try {
            return PRETTY.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
    }

    /** The factory for new nodes, set up as the parser's. */
    public static JsonNodeFactory nodes() {
        return MAPPER.getNodeFactory();
    }

    /** Mirrors JavaScript's two-space {@code JSON.stringify}; stateful per generator, hence Instantiatable. */
    private static final class AlchemyPrettyPrinter
            implements PrettyPrinter, Instantiatable<AlchemyPrettyPrinter> {

        private int depth;

        @Override
        public AlchemyPrettyPrinter createInstance() {
            return new AlchemyPrettyPrinter();
        }

        private void newline(JsonGenerator g) throws IOException {
            g.writeRaw('\n');
            for (int i = 0; i < depth; i++) {
                g.writeRaw("  ");
            }
        }

        @Override
        public void writeRootValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw('\n');
        }

        @Override
        public void writeStartObject(JsonGenerator g) throws IOException {
            g.writeRaw('{');
            depth++;
        }

        @Override
        public void beforeObjectEntries(JsonGenerator g) throws IOException {
            newline(g);
        }

        @Override
        public void writeObjectFieldValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(": ");
        }

        @Override
        public void writeObjectEntrySeparator(JsonGenerator g) throws IOException {
            g.writeRaw(',');
            newline(g);
        }

        @Override
        public void writeEndObject(JsonGenerator g, int entries) throws IOException {
            depth--;
            if (entries > 0) {
                newline(g);
            }
            g.writeRaw('}');
        }

        @Override
        public void writeStartArray(JsonGenerator g) throws IOException {
            g.writeRaw('[');
            depth++;
        }

        @Override
        public void beforeArrayValues(JsonGenerator g) throws IOException {
            newline(g);
        }

        @Override
        public void writeArrayValueSeparator(JsonGenerator g) throws IOException {
            g.writeRaw(',');
            newline(g);
        }

        @Override
        public void writeEndArray(JsonGenerator g, int values) throws IOException {
            depth--;
            if (values > 0) {
                newline(g);
            }
            g.writeRaw(']');
        }
    }
}
