package dev.statestore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** The state tree Alchemy wrote, in {@code ../shared/fixtures/alchemy-local-state/} beside the project. */
public final class AlchemyFixture {

    private AlchemyFixture() {}

    /** The fixture's {@code .alchemy} folder. Fails, never skips, when {@code ../shared} is not there. */
    public static Path dotAlchemy() {
        String shared = System.getProperty("statestore.shared.dir", "../../shared");
        Path dir = Path.of(shared, "fixtures", "alchemy-local-state", ".alchemy").toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("the Alchemy fixture is missing: expected " + dir
                    + " (the shared folder sits beside the project; set -Dstatestore.shared.dir to move it)");
        }
        return dir;
    }

    public static Path stageDir() {
        return dotAlchemy().resolve("state").resolve("MyApp").resolve("dev_sam");
    }

    public static List<Path> stageFiles() {
        try (Stream<Path> files = Files.list(stageDir())) {
            return files.sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A writable copy of the fixture's {@code .alchemy} folder under {@code target}. */
    public static Path copyTo(Path target) throws IOException {
        Path source = dotAlchemy();
        try (Stream<Path> all = Files.walk(source)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path to = target.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        return target;
    }
}
