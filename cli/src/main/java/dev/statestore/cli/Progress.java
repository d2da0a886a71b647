package dev.statestore.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/**
 * Progress of long work, on standard error so that standard output stays a table or JSON: a bar redrawn
 * in place on a terminal; elsewhere (a CI log, a pipe) a line at most every few seconds, and nothing at all
 * for work that ends sooner. {@code --no-progress} silences it. Not thread-safe: one worker reports.
 */
final class Progress {

    /** How often a line is printed where no bar can be drawn. */
    static final Duration DEFAULT_LINE_INTERVAL = Duration.ofSeconds(5);

    /** The interval commands use: {@link #DEFAULT_LINE_INTERVAL}, shortened by tests to see the lines. */
    static volatile Duration lineInterval = DEFAULT_LINE_INTERVAL;

    private static final int BAR_WIDTH = 30;

    private final PrintWriter err;
    private final boolean enabled;
    private final boolean terminal;
    private final long lineIntervalNanos;
    private String label = "";
    private long total;
    private long lastPercent = -1;
    private long lastLineNanos;
    private boolean printedLine;

    Progress(PrintWriter err, boolean enabled, boolean terminal, Duration lineInterval) {
        this.err = err;
        this.enabled = enabled;
        this.terminal = terminal;
        this.lineIntervalNanos = lineInterval.toNanos();
    }

    /** For a command: a bar when standard error is a terminal, lines otherwise, nothing if {@code disabled}. */
    static Progress forCommand(PrintWriter err, boolean disabled) {
        return new Progress(err, !disabled, System.console() != null, lineInterval);
    }

    /** A new stretch of work: {@code total} steps, or 0 if the total is not known. */
    void start(String label, long total) {
        this.label = label;
        this.total = Math.max(total, 0);
        this.lastPercent = -1;
        this.lastLineNanos = System.nanoTime();
        this.printedLine = false;
        if (enabled && terminal) {
            draw(0);
        }
    }

    void advance(long done) {
        if (!enabled) {
            return;
        }
        if (terminal) {
            long percent = total == 0 ? done : done * 100 / total;
            if (percent != lastPercent) {
                draw(done);
            }
        } else if (System.nanoTime() - lastLineNanos >= lineIntervalNanos) {
            line(done);
        }
    }

    /** The stretch is over: ends the bar's line, or prints the last line if any was printed. */
    void finish(long done) {
        if (!enabled) {
            return;
        }
        if (terminal) {
            draw(done);
            err.println();
            err.flush();
        } else if (printedLine) {
            line(done);
        }
    }

    private void line(long done) {
        err.println(label + ": " + count(done));
        err.flush();
        lastLineNanos = System.nanoTime();
        printedLine = true;
    }

    private void draw(long done) {
        lastPercent = total == 0 ? done : done * 100 / total;
        String bar = "";
        if (total > 0) {
            int filled = (int) (Math.min(done, total) * BAR_WIDTH / total);
            bar = " [" + "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled) + "]";
        }
        err.print("\r" + label + bar + " " + count(done));
        err.flush();
    }

    private String count(long done) {
        return total == 0 ? String.format(Locale.ROOT, "%,d", done) : String.format(Locale.ROOT, "%,d/%,d", done, total);
    }
}
