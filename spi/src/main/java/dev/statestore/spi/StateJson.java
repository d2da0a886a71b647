package dev.statestore.spi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.statestore.internal.Json;
import java.io.IOException;

/**
 * The one JSON codec of the suite, for backends, so that a record is the same document on every backend.
 *
 * <p>Reading keeps everything a document says: key order, big integers beyond {@code long}, decimals with all
 * their digits and trailing zeros (as {@link java.math.BigDecimal}), {@code null} apart from absent. A duplicate
 * key is refused rather than silently dropped. Strings up to 512 MiB and 1,000 levels of nesting are accepted.
 * {@link #pretty(JsonNode)} writes exactly what Alchemy's {@code JSON.stringify(value, null, 2)} writes, so files
 * this suite writes are byte for byte those Alchemy writes. Thread-safe.
 */
public final class StateJson {

    private StateJson() {}

    /** @throws JsonProcessingException if {@code json} is not exactly one valid JSON value */
    public static JsonNode parse(String json) throws JsonProcessingException {
        return Json.parse(json);
    }

    /** Parses one JSON value from UTF-8 bytes. */
    public static JsonNode parse(byte[] utf8) throws IOException {
        return Json.parse(utf8);
    }

    /** Why a parse failed, for people: the parser's message and where, never the document's content. */
    public static String problem(Exception e) {
        return Json.problem(e);
    }

    /** The node as compact JSON text. */
    public static String compact(JsonNode node) {
        return Json.compact(node);
    }

    /** The node as Alchemy's files hold it: {@code JSON.stringify(value, null, 2)}. */
    public static String pretty(JsonNode node) {
        return Json.pretty(node);
    }

    /** The factory for new nodes, set up as the parser's. */
    public static JsonNodeFactory nodes() {
        return Json.nodes();
    }
}
