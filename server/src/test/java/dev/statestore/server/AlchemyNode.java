package dev.statestore.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Alchemy itself ({@code alchemy} 2.0.0-beta.79 from the npm registry, pinned in {@code src/test/node/package.json})
 * under Node, installed once into {@code target/alchemy-client} with this module's Node scripts beside it. Needs
 * {@code node} and {@code npm} on the PATH: the tests that use it fail, never skip, without them.
 */
final class AlchemyNode {

    static final Path HOME = Path.of("target", "alchemy-client").toAbsolutePath();
    private static final List<String> SCRIPTS = List.of("alchemy-client.mjs", "alchemy-local-state.mjs");

    private AlchemyNode() {}

    /** Installs Alchemy unless the same manifest is installed already, and copies the scripts. */
    static synchronized void install() throws Exception {
        Files.createDirectories(HOME);
        Path manifest = Path.of("src", "test", "node", "package.json");
        boolean fresh = Files.isDirectory(HOME.resolve("node_modules/alchemy"))
                && Files.exists(HOME.resolve("package.json"))
                && Files.mismatch(manifest, HOME.resolve("package.json")) == -1;
        Files.copy(manifest, HOME.resolve("package.json"), StandardCopyOption.REPLACE_EXISTING);
        for (String script : SCRIPTS) {
            Files.copy(Path.of("src", "test", "node", script), HOME.resolve(script), StandardCopyOption.REPLACE_EXISTING);
        }
        if (!fresh) {
            // No lock file: it would name the registry's host. The four packages are pinned exactly.
            run(HOME, List.of("npm", "install", "--no-audit", "--no-fund", "--no-package-lock", "--ignore-scripts",
                    "--omit=optional", "--loglevel=error"), 15);
        }
    }

    /** Runs {@code command} in {@code directory} with {@code env} (name, value, ...); its standard output. */
    static String run(Path directory, List<String> command, int minutes, String... env) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile());
        for (int i = 0; i < env.length; i += 2) {
            builder.environment().put(env[i], env[i + 1]);
        }
        File stderr = File.createTempFile("alchemy-node-", ".stderr");
        stderr.deleteOnExit();
        builder.redirectError(stderr);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new AssertionError(command.get(0) + " is not on the PATH: this test needs Node.js 20+ and npm "
                    + "(Debian: apt-get install nodejs npm)", e);
        }
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(minutes, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in " + minutes + " minutes");
        }
        assertThat(process.exitValue()).as(String.join(" ", command) + " failed:\n" + Files.readString(stderr.toPath()))
                .isZero();
        return new String(out, StandardCharsets.UTF_8);
    }

    /** One of this module's Node scripts, by its installed path. */
    static String script(String name) {
        return HOME.resolve(name).toString();
    }
}
