package dev.terrarium.abi.guest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.abi.model.InterfaceModel;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class DescriptorWriterTest {

  static List<String> models() {
    return GuestModels.names();
  }

  @ParameterizedTest
  @MethodSource("models")
  void matchesTheGoldenFile(String name) throws Exception {
    GuestFiles.assertGolden(name + ".json", DescriptorWriter.write(GuestModels.all().get(name)));
  }

  @Test
  void isDeterministic() {
    InterfaceModel model = GuestModels.sinkExports();

    assertThat(DescriptorWriter.write(model)).isEqualTo(DescriptorWriter.write(GuestModels.sinkExports()));
  }

  @Test
  void describesFunctionsWithTheirWasmSignaturesAndRecordsWithTheirLayout() {
    String json = DescriptorWriter.write(GuestModels.greeter());

    assertThat(json)
        .startsWith("{\n  \"terrariumAbi\": 1,\n  \"interface\": \"dev.terrarium.samples.abi.Greeter\",")
        .contains("\"kind\": \"PLUGIN_EXPORTS\"")
        .contains("\"module\": null")
        .contains("\"needsMemory\": true")
        .contains(
            """
                  "javaName": "summarize",
                  "wasmName": "summarize",
            """)
        .contains("\"wasmParams\": [\"i32\", \"i32\", \"i32\", \"i32\"],\n      \"wasmResults\": [\"i64\"]")
        .contains("\"type\": \"Optional<String>\",\n          \"offset\": 12,")
        .contains("\"constants\": [\"WORDS\", \"LINES\", \"BYTES\"]")
        .endsWith("}\n");
  }

  @Test
  void namesTheImportModule() {
    assertThat(DescriptorWriter.write(GuestModels.keyValueStore()))
        .contains("\"kind\": \"HOST_IMPORTS\"")
        .contains("\"module\": \"kv\"")
        .contains("\"records\": [\n    {\n      \"name\": \"dev.terrarium.samples.abi.Entry\"")
        .contains("\"enums\": []");
  }

  @Test
  void escapesStrings() {
    assertThat(DescriptorWriter.Json.quote("a\"b\\c\n\u0001\u2028é"))
        .isEqualTo("\"a\\\"b\\\\c\\n\\u0001\\u2028é\"");
  }
}
