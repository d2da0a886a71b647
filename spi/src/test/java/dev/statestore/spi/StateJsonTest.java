package dev.statestore.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.statestore.AlchemyFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class StateJsonTest {

    @Test
    void prettyIsWhatAlchemyWritesForEveryFixtureFile() throws IOException {
        List<Path> files = AlchemyFixture.stageFiles();
        assertThat(files).hasSize(10);
        for (Path file : files) {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            assertThat(StateJson.pretty(StateJson.parse(text))).as(file.getFileName().toString()).isEqualTo(text);
        }
    }

    @Test
    void prettyOfEmptyAndNestedContainers() throws JsonProcessingException {
        assertThat(StateJson.pretty(StateJson.parse("{\"a\":[],\"b\":{},\"c\":[1,[2,{}]]}")))
                .isEqualTo("{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    1,\n    [\n      2,\n      {}\n    ]\n  ]\n}");
        assertThat(StateJson.pretty(StateJson.parse("[]"))).isEqualTo("[]");
        assertThat(StateJson.pretty(StateJson.parse("\"s\""))).isEqualTo("\"s\"");
    }

    @Test
    void numbersKeepEveryDigit() throws JsonProcessingException {
        String text = "{\"a\":123456789012345678901234567890,\"b\":0.100000000000000000000000000001,\"c\":1.10,\"d\":0.75}";
        assertThat(StateJson.compact(StateJson.parse(text))).isEqualTo(text);
    }

    @Test
    void duplicateKeysAndTrailingTokensAreRefused() {
        assertThatThrownBy(() -> StateJson.parse("{\"a\":1,\"a\":2}")).isInstanceOf(JsonProcessingException.class);
        assertThatThrownBy(() -> StateJson.parse("{} {}")).isInstanceOf(JsonProcessingException.class);
    }
}
