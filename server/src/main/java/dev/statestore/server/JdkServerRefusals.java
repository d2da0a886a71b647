package dev.statestore.server;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.LoggerFactory;

/**
 * The JDK's HTTP server answers some requests itself, before any handler runs: a request line that is not a
 * URI (a bad percent escape such as {@code %zz}, a trailing {@code %}), a bad header name, an unsupported
 * version. It says so only at its own DEBUG level. This handler turns each such refusal into one line of this
 * server's request log, so that every request is logged once. Installed once per JVM; thread-safe.
 */
final class JdkServerRefusals extends Handler {

    /** Held here: java.util.logging keeps only a weak reference, and a collected logger forgets its level. */
    private static final Logger JDK_SERVER = Logger.getLogger("com.sun.net.httpserver");
    /** The JDK's reply line: {@code REQUEST-LINE [CODE TEXT] (WHY)}, the request line cut at 80 characters. */
    private static final Pattern REPLY = Pattern.compile("(\\S+) (.*?)(?: HTTP/\\d(?:\\.\\d)?)? \\[(\\d{3}) [^\\]]*\\] \\((.*)\\)",
            Pattern.DOTALL);
    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger("dev.statestore.server");
    private static boolean installed;

    private JdkServerRefusals() {}

    static synchronized void install() {
        if (!installed) {
            installed = true;
            JDK_SERVER.addHandler(new JdkServerRefusals());
            if (!JDK_SERVER.isLoggable(Level.FINE)) {
                JDK_SERVER.setLevel(Level.FINE);
            }
        }
    }

    @Override
    public void publish(LogRecord record) {
        String message = record.getMessage();
        if (message == null || record.getLevel().intValue() > Level.FINE.intValue()) {
            return;
        }
        Matcher m = REPLY.matcher(message);
        // Answers of this server's own handler pass through the same log call, with no reason: those are logged
        // by the handler already.
        if (m.matches() && m.group(3).charAt(0) >= '4' && !m.group(4).isBlank()) {
            LOG.info("{} {} {} 0 ms (refused by the JDK's HTTP server before the API: {})", m.group(1), m.group(2),
                    m.group(3), m.group(4));
        }
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
}
