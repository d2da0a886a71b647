package dev.statestore.cli;

import dev.statestore.StateStore;
import dev.statestore.server.ServerOptions;
import dev.statestore.server.StateServer;
import java.net.URI;
import java.security.SecureRandom;
import java.util.Base64;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code view}: the web UI over the store, on loopback, for one person at one machine. */
@Command(name = "view", description = {
    "Shows the store in the browser: stacks and stages, each stage's resources, its dependency graph and "
            + "deployments, each resource's document (secrets masked) and history. Read-only.",
    "Serves on loopback with a token made for this run, printed here (the page asks for it once); opens the "
            + "browser where there is one. Runs until stopped (Ctrl-C)."})
final class ViewCommand extends ListCommands.Base {

    @Option(names = "--listen", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:0",
            description = "where to listen (default ${DEFAULT-VALUE}: loopback, any free port)")
    String listen;

    @Option(names = "--no-browser", description = "only print the address")
    boolean noBrowser;

    @Override
    public Integer call() throws InterruptedException {
        // Only the read-only token is shown: the full one is never known to anyone, so nothing writes through here.
        String readToken = randomToken();
        ServerOptions options = ServerOptions.of(ServeCommand.address(listen), randomToken()).withReadToken(readToken);
        StateStore store = root().open();
        StateServer server = StateServer.start(store, options);
        URI page = server.uri().resolve("/ui/");
        return ServeCommand.untilStopped(store, server, () -> {
            out().println("viewing " + store.describe() + " at " + page);
            out().println("sign in with the token " + readToken + " (read-only, valid while this runs; Ctrl-C stops)");
            out().flush();
            if (!noBrowser) {
                openBrowser(page);
            }
        });
    }

    private static String randomToken() {
        byte[] bytes = new byte[24];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** Where a desktop session runs, its opener shows the page; elsewhere the printed address is enough. */
    private void openBrowser(URI page) {
        boolean desktop = System.getenv("DISPLAY") != null || System.getenv("WAYLAND_DISPLAY") != null;
        String opener = System.getProperty("os.name", "").startsWith("Mac") ? "open" : desktop ? "xdg-open" : null;
        if (opener == null) {
            return;
        }
        try {
            new ProcessBuilder(opener, page.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (java.io.IOException e) {
            spec.commandLine().getErr().println("could not open a browser (" + e.getMessage() + "): open " + page);
        }
    }
}
