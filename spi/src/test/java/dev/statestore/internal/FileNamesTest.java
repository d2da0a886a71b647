package dev.statestore.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.statestore.InvalidStateException;
import dev.statestore.StateNames;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FileNamesTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "Api/Db/Password|Api__Db__Password",
        "Api/Worker|Api__Worker",
        "Bucket|Bucket",
        "Old/Table|Old__Table",
        "Unicode/Naïve Bücket 🚀|Unicode__Naïve Bücket 🚀",
        "snake_case/with_under|snake_case__with_under",
        // Escaped so that every name reads back as one fqn:
        "_lead|%5Flead",
        "trail_|trail%5F",
        "a__b|a%5F%5Fb",
        "a_/b|a%5F__b",
        "a/_b|a__%5Fb",
        "100%|100%25",
        "back\\slash|back%5Cslash",
        "__stack_output__|%5F%5Fstack_output%5F%5F",
    })
    void namesAreAlchemysWithWhatWouldBeAmbiguousEscaped(String fqn, String base) {
        assertThat(FileNames.primaryBase(fqn)).isEqualTo(base);
        assertThat(FileNames.decode(base)).contains(fqn);
    }

    @Test
    void namesThatThisStoreWouldNotWriteDoNotDecode() {
        assertThat(FileNames.decode("a___b")).isEmpty();
        assertThat(FileNames.decode("_x")).isEmpty();
        assertThat(FileNames.decode("%zz")).isEmpty();
        assertThat(FileNames.decode("%61")).as("not canonical: 'a' is never escaped").isEmpty();
        assertThat(FileNames.decode(FileNames.OUTPUT_BASE)).isEmpty();
    }

    @Test
    void randomFqnsMapToDistinctSafeReversibleNames() {
        Random random = new Random(11);
        String alphabet = "aA_/%.\\ é🚀:#?~-";
        Map<String, String> byName = new HashMap<>();
        int tried = 0;
        while (byName.size() < 20_000) {
            StringBuilder fqn = new StringBuilder();
            int length = 1 + random.nextInt(12);
            for (int i = 0; i < length; i++) {
                fqn.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0, random.nextInt(alphabet.codePointCount(0, alphabet.length())))));
            }
            tried++;
            String candidate = fqn.toString();
            try {
                StateNames.requireValidFqn(candidate);
            } catch (InvalidStateException e) {
                continue;
            }
            String base = FileNames.primaryBase(candidate);
            String other = byName.put(base, candidate);
            if (other != null) {
                assertThat(other).as("two fqns share the name " + base).isEqualTo(candidate);
            }
            assertThat(base).doesNotContain("/").isNotIn(".", "..", FileNames.OUTPUT_BASE);
            assertThat(base.chars().noneMatch(Character::isISOControl)).isTrue();
            assertThat(FileNames.decode(base)).contains(candidate);
        }
        assertThat(tried).isGreaterThan(20_000);
    }

    @Test
    void longNamesAreCutAndHashedWithinTheLimit() {
        for (String fqn : List.of("x".repeat(1000), "é".repeat(1500), "🚀".repeat(900), "a_".repeat(600) + "b",
                "%".repeat(500))) {
            String base = FileNames.primaryBase(fqn);
            assertThat((base + FileNames.EXTENSION).getBytes(StandardCharsets.UTF_8).length)
                    .isLessThanOrEqualTo(FileNames.MAX_NAME_BYTES);
            assertThat(base).contains("%~");
            assertThat(FileNames.decode(base)).isEmpty();
            assertThat(FileNames.primaryBase(fqn + "y")).isNotEqualTo(base);
        }
    }

    @Test
    void hashedNamesDifferByCase() {
        assertThat(FileNames.hashedBase("Bucket")).isNotEqualToIgnoringCase(FileNames.hashedBase("bucket"));
    }
}
