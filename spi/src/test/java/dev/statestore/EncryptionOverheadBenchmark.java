package dev.statestore;

import dev.statestore.spi.StateJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;

/**
 * Not a test: the median cost of a write and a read on the file store, encrypted against plain, for a
 * 10 KiB and a 1 MiB record, in one run.
 *
 * <pre>
 * mvn -q -pl spi test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp "spi/target/test-classes:spi/target/classes:$(cat spi/target/cp.txt)" dev.statestore.EncryptionOverheadBenchmark
 * </pre>
 */
public final class EncryptionOverheadBenchmark {

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("statestore-encryption-bench");
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        Path keys = dir.resolve("keys");
        Files.writeString(keys, "bench:" + Base64.getEncoder().encodeToString(key));
        for (int size : new int[] {10 * 1024, 1024 * 1024}) {
            byte[] random = new byte[size * 3 / 4];
            new Random(size).nextBytes(random);
            ResourceState record = ResourceState.builder("Bench", ResourceStatus.CREATED)
                    .props(StateJson.nodes().objectNode().put("bundle", Base64.getEncoder().encodeToString(random))).build();
            int n = size > 100_000 ? 100 : 500;
            double[] plain = time("file:" + dir.resolve("plain-" + size), record, n);
            double[] sealed = time("file:" + dir.resolve("sealed-" + size) + "?encryptionKey=file:" + keys, record, n);
            System.out.printf("%,9d bytes  write plain %7.3f ms  encrypted %7.3f ms (+%.0f%%)   read plain %7.3f ms  "
                    + "encrypted %7.3f ms (+%.0f%%)%n", record.toJson().length(), plain[0], sealed[0],
                    100 * (sealed[0] / plain[0] - 1), plain[1], sealed[1], 100 * (sealed[1] / plain[1] - 1));
        }
    }

    /** Median write (put) and read (require) times, after a warm-up round. */
    private static double[] time(String url, ResourceState record, int n) {
        try (StateStore store = StateStores.open(url)) {
            StateScope scope = store.scope("bench", "prod");
            long[] writes = new long[n];
            long[] reads = new long[n];
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < n; i++) {
                    long t0 = System.nanoTime();
                    scope.put(record);
                    long t1 = System.nanoTime();
                    scope.require("Bench");
                    long t2 = System.nanoTime();
                    writes[i] = t1 - t0;
                    reads[i] = t2 - t1;
                }
            }
            return new double[] {median(writes), median(reads)};
        }
    }

    private static double median(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2] / 1e6;
    }
}
