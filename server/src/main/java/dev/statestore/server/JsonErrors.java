package dev.statestore.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.statestore.spi.StateJson;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The answers the HTTP server gives itself, before the API sees a request (a request line that is not a URI,
 * such as a bad percent escape; a header it cannot parse): in the API's JSON shape, {@code {"error": "invalid",
 * "message": …}} for a 4xx, and each logged once, as the API logs every request it answers.
 */
final class JsonErrors extends ErrorHandler {

    private static final Logger LOG = LoggerFactory.getLogger("dev.statestore.server");

    static byte[] body(int status, String reason) {
        ObjectNode node = StateApiHandler.error(status < 500 ? "invalid" : "internal", "the server refused the request "
                + "before reading it: " + (reason == null || reason.isBlank() ? HttpStatus.getMessage(status) : reason));
        return StateJson.compact(node).getBytes(StandardCharsets.UTF_8);
    }

    /** A request Jetty answers itself: a request line that is not a URI, a header it refuses. */
    @Override
    protected void generateResponse(Request request, Response response, int status, String message, Throwable cause,
            Callback callback) {
        String reason = message;
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                reason = t instanceof NumberFormatException ? "a bad percent escape in the URI" : t.getMessage();
            }
        }
        // "BAD /badMessage" is Jetty's stand-in for a request it could not parse: the request line itself is gone.
        String line = "BAD".equals(request.getMethod()) ? "(unreadable request line)"
                : request.getMethod() + " " + request.getHttpURI().getPathQuery();
        LOG.info("{} {} 0 ms from {} (refused by the HTTP server before the API: {})", line, status,
                Request.getRemoteAddr(request), reason);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body(status, reason)), callback);
    }

    /** A request the parser gave up on before there was a request object (a malformed request line or header). */
    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        LOG.info("(unreadable request) {} 0 ms (refused by the HTTP server before the API: {})", status, reason);
        fields.put(new HttpField(HttpHeader.CONTENT_TYPE, "application/json"));
        return ByteBuffer.wrap(body(status, reason));
    }
}
