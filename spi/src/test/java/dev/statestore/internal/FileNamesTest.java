package dev.statestore.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.statestore.InvalidStateException;
import dev.statestore.StateNames;
import dev.statestore.internal.FileNames.Slot;
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
        "Api/Db/Password|Api__Db__Password.json",
        "Bucket|Bucket.json",
        "Unicode/Naïve Bücket 🚀|Unicode__Naïve Bücket 🚀.json",
        "snake_case/with_under|snake_case__with_under.json",
        // Exactly Alchemy's name, where the release before escaped these (so Alchemy looked elsewhere):
        "%|%.json",
        "100%|100%.json",
        "a%2Fb|a%2Fb.json",
        "%20x|%20x.json",
        "%25|%25.json",
        "_lead|_lead.json",
        "trail_|trail_.json",
        "_both_|_both_.json",
        "a/_b|a___b.json",
        "back\\slash|back\\slash.json",
    })
    void aRecordIsWrittenUnderAlchemysOwnName(String fqn, String file) {
        assertThat(FileNames.writeSlots(fqn).get(0)).isEqualTo(new Slot(file, file.substring(0, file.length() - 5)));
        assertThat(FileNames.readSlots(fqn).get(0).file()).isEqualTo(file);
    }

    @Test
    void alchemysNameIsUsedUpToTheFileSystemsLimitThenTheFallback() {
        String fits = "x".repeat(250);
        assertThat(FileNames.alchemySlot(fits)).map(Slot::file).contains(fits + ".json");
        String tooLong = "x".repeat(251);
        assertThat(FileNames.alchemySlot(tooLong)).isEmpty();
        assertThat(FileNames.writeSlots(tooLong)).containsExactly(FileNames.fallbackSlot(tooLong));
        assertThat(FileNames.alchemySlot("é".repeat(125))).as("250 bytes").isPresent();
        assertThat(FileNames.alchemySlot("é".repeat(126))).as("252 bytes and .json").isEmpty();
        assertThat(FileNames.alchemySlot("__stack_output__")).as("the stack output's file").isEmpty();
    }

    @Test
    void fallbackNamesAreNeverOnesAlchemyReadsAndAreUniquePerFqn() {
        for (String fqn : List.of("x".repeat(1000), "é".repeat(1500), "🚀".repeat(900), "a_".repeat(600) + "b",
                "%".repeat(500), "a/b", "a__b", "Bucket", "bucket")) {
            Slot fallback = FileNames.fallbackSlot(fqn);
            assertThat(fallback.file()).endsWith(FileNames.FALLBACK_EXTENSION).doesNotEndWith(".json").doesNotContain("/");
            assertThat(fallback.file().getBytes(StandardCharsets.UTF_8).length)
                    .isLessThanOrEqualTo(FileNames.FALLBACK_NAME_BYTES);
            assertThat(FileNames.fallbackSlot(fqn + "y")).isNotEqualTo(fallback);
        }
        assertThat(FileNames.fallbackSlot("Bucket").file()).isNotEqualToIgnoringCase(FileNames.fallbackSlot("bucket").file());
        assertThat(FileNames.fallbackSlot("a/b")).isNotEqualTo(FileNames.fallbackSlot("a__b"));
    }

    @Test
    void theNamesOfTheReleaseBeforeAreStillSearched() {
        assertThat(FileNames.readSlots("_lead")).extracting(Slot::file)
                .containsExactly("_lead.json", FileNames.fallbackSlot("_lead").file(), "%5Flead.json",
                        FileNames.legacyHashedBase("_lead") + ".json");
        assertThat(FileNames.readSlots("a__b")).extracting(Slot::file).contains("a%5F%5Fb.json");
        assertThat(FileNames.readSlots("back\\slash")).extracting(Slot::file).contains("back%5Cslash.json");
        assertThat(FileNames.legacyHashedBase("x".repeat(300))).contains("%~");
        assertThat(FileNames.writeSlots("_lead")).doesNotContain(Slot.json("%5Flead")).contains(Slot.json("_lead"));
    }

    @Test
    void randomFqnsGetSafeNamesAndOnlyAlchemysOwnAmbiguityShares() {
        Random random = new Random(11);
        String alphabet = "aA_/%.\\ é🚀:#?~-";
        Map<String, String> byFile = new HashMap<>();
        int shared = 0;
        int valid = 0;
        while (valid < 20_000) {
            StringBuilder fqn = new StringBuilder();
            int length = 1 + random.nextInt(12);
            for (int i = 0; i < length; i++) {
                fqn.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0,
                        random.nextInt(alphabet.codePointCount(0, alphabet.length())))));
            }
            String candidate = fqn.toString();
            try {
                StateNames.requireValidFqn(candidate);
            } catch (InvalidStateException e) {
                continue;
            }
            valid++;
            for (Slot slot : FileNames.readSlots(candidate)) {
                assertThat(slot.file()).doesNotContain("/").isNotIn(".", "..", "__stack_output__.json");
                assertThat(slot.file().chars().noneMatch(Character::isISOControl)).isTrue();
            }
            Slot alchemy = FileNames.writeSlots(candidate).get(0);
            String other = byFile.put(alchemy.file(), candidate);
            if (other != null && !other.equals(candidate)) {
                // Only where Alchemy itself cannot tell the two apart: '/' and '__' both written as '__'.
                assertThat(other.replace("/", "__")).isEqualTo(candidate.replace("/", "__"));
                shared++;
            }
            assertThat(FileNames.fallbackSlot(candidate)).isNotEqualTo(FileNames.fallbackSlot(candidate + "x"));
        }
        assertThat(shared).as("the generator does make Alchemy's ambiguous pairs").isPositive();
    }
}
