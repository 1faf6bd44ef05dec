package dev.terrarium.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.WasmType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading descriptors: what the annotation processor writes parses; anything else is refused naming the problem. */
class DescriptorTest {
  private static String descriptor(String functions, String records) {
    return "{\"terrariumAbi\": 1, \"interface\": \"x.Api\", \"simpleName\": \"Api\", \"kind\": \"PLUGIN_EXPORTS\","
        + " \"functions\": [" + functions + "], \"records\": [" + records + "], \"enums\": []}";
  }

  @Test
  void parse_readsTheSampleDescriptors_withTheirWasmSignatures() {
    Descriptor greeter = Descriptor.parse(CallCommandTest.descriptorText("Greeter"), "Greeter.json");
    Descriptor kv = Descriptor.parse(CallCommandTest.descriptorText("KeyValueStore"), "KeyValueStore.json");

    assertThat(greeter.exports()).isTrue();
    assertThat(greeter.interfaceVersion()).isEqualTo(1);
    Descriptor.Function summarize = greeter.function("summarize").orElseThrow();
    assertThat(summarize.wasmParams()).containsExactly(WasmType.I32, WasmType.I32, WasmType.I32, WasmType.I32);
    assertThat(summarize.signature())
        .isEqualTo("summarize(document: byte[], options: Options) -> Summary throws PluginError");
    assertThat(greeter.function("echoBytes")).isEqualTo(greeter.function("echo_bytes"));
    assertThat(kv.exports()).isFalse();
    assertThat(kv.module()).isEqualTo("kv");
    assertThat(kv.function("scan").orElseThrow().result().describe()).isEqualTo("List<Entry>");
  }

  @Test
  void parse_readsInterfaceVersionAndOptional() {
    Descriptor d =
        Descriptor.parse(
            descriptor("{\"javaName\": \"f\", \"wasmName\": \"f\", \"params\": [], \"result\": \"long\","
                + " \"optional\": true}", "").replace("\"kind\"", "\"interfaceVersion\": 4, \"kind\""), "d.json");

    assertThat(d.interfaceVersion()).isEqualTo(4);
    assertThat(d.functions()).singleElement().satisfies(f -> assertThat(f.optional()).isTrue());
  }

  @Test
  void parse_refusesAnotherAbiVersion() {
    assertThatThrownBy(() -> Descriptor.parse(descriptor("", "").replace("\"terrariumAbi\": 1", "\"terrariumAbi\": 2"), "d.json"))
        .isInstanceOf(UsageException.class)
        .hasMessage("the descriptor d.json is for Terrarium ABI version 2, but this terrarium speaks version 1");
  }

  @Test
  void parse_refusesAnUnknownType() {
    assertThatThrownBy(
            () ->
                Descriptor.parse(
                    descriptor("{\"javaName\": \"f\", \"wasmName\": \"f\", \"params\": [], \"result\": \"Thing\"}", ""),
                    "d.json"))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("names the type Thing (the result of f), which it neither lists as a record or enum");
  }

  @Test
  void parse_refusesARecordThatContainsItself() {
    String record =
        "{\"simpleName\": \"R\", \"size\": 8, \"align\": 4, \"fields\": [{\"name\": \"r\", \"type\": \"List<R>\","
            + " \"offset\": 0}]}";
    assertThatThrownBy(
            () ->
                Descriptor.parse(
                    descriptor("{\"javaName\": \"f\", \"wasmName\": \"f\", \"params\": [], \"result\": \"R\"}", record),
                    "d.json"))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("has a record R that contains itself");
  }

  @Test
  void parse_refusesAFieldPastItsStruct() {
    String record =
        "{\"simpleName\": \"R\", \"size\": 4, \"align\": 4, \"fields\": [{\"name\": \"x\", \"type\": \"long\","
            + " \"offset\": 0}]}";
    assertThatThrownBy(
            () ->
                Descriptor.parse(
                    descriptor("{\"javaName\": \"f\", \"wasmName\": \"f\", \"params\": [], \"result\": \"R\"}", record),
                    "d.json"))
        .isInstanceOf(UsageException.class)
        .hasMessageContaining("puts R.x past the end of its 4-byte struct");
  }

  @Test
  void parse_refusesTextThatIsNotJson() {
    assertThatThrownBy(() -> Descriptor.parse("{nope", "d.json"))
        .isInstanceOf(UsageException.class)
        .hasMessageStartingWith("the descriptor d.json is not JSON");
    assertThatThrownBy(() -> Descriptor.parse("[]", "d.json"))
        .isInstanceOf(UsageException.class)
        .hasMessage("the descriptor d.json is not a JSON object");
  }

  @Test
  void helpOfTheNewCommands_rendersAndExitsZero() {
    for (List<String> args :
        List.of(
            List.of("call", "--help"),
            List.of("manifest", "--help"),
            List.of("manifest", "embed", "--help"),
            List.of("descriptor", "--help"),
            List.of("descriptor", "embed", "--help"))) {
      CliResult r = CliResult.terrarium(args.toArray(new String[0]));
      assertThat(r.status()).as("%s", args).isZero();
      assertThat(r.out()).as("%s", args).contains("Usage: terrarium " + args.get(0));
    }
    assertThat(CliResult.terrarium("call", "--help").out()).contains("--host-module=NAME=FILE").contains("$error");
  }
}
