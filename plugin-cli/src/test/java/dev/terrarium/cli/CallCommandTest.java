package dev.terrarium.cli;

import static dev.terrarium.cli.CliResult.terrarium;
import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.samples.SamplePlugins;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code terrarium call}: typed calls into the real Greeter plugins (C and Rust) with the descriptors the annotation
 * processor wrote for {@code Greeter} and {@code KeyValueStore}, the host module {@code kv} answered from canned JSON.
 */
class CallCommandTest {
  @TempDir Path dir;

  private Path greeter;
  private Path kv;

  static String descriptorText(String simpleName) {
    String resource = "META-INF/terrarium/dev.terrarium.samples.abi." + simpleName + ".json";
    try (InputStream in = SamplePlugins.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("no " + resource + " in the sample-plugins jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @BeforeEach
  void descriptors() throws IOException {
    greeter = Files.writeString(dir.resolve("Greeter.json"), descriptorText("Greeter"));
    kv = Files.writeString(dir.resolve("KeyValueStore.json"), descriptorText("KeyValueStore"));
  }

  private Path answers(String json) throws IOException {
    return Files.writeString(dir.resolve("kv.json"), json);
  }

  /** {@code terrarium call --descriptor Greeter.json --descriptor KeyValueStore.json --host-module kv=ANSWERS ...}. */
  private CliResult call(String plugin, String answers, String... rest) throws IOException {
    return callWith(List.of(), plugin, answers, rest);
  }

  private CliResult callWith(List<String> options, String plugin, String answers, String... rest) throws IOException {
    List<String> args = new ArrayList<>(List.of("call"));
    args.addAll(options);
    args.addAll(
            List.of(
                "--descriptor", greeter.toString(), "--descriptor", kv.toString(), "--host-module",
                "kv=" + answers(answers)));
    args.add(SamplePlugins.copyTo(plugin, dir).toString());
    args.addAll(List.of(rest));
    return terrarium(args.toArray(new String[0]));
  }

  @ParameterizedTest
  @ValueSource(strings = {"greeter-c.wasm", "greeter-rust.wasm"})
  void call_greet_passesAStringAndPrintsTheResultAsJson(String plugin) throws IOException {
    CliResult r = call(plugin, "{}", "greet", "\"Ana\"");

    assertThat(r.err()).isEmpty();
    assertThat(r.status()).isZero();
    assertThat(r.out()).isEqualTo("\"Hello, Ana!\"\n");
  }

  @ParameterizedTest
  @ValueSource(strings = {"greeter-c.wasm", "greeter-rust.wasm"})
  void call_summarize_passesBytesAndARecord_andPrintsANestedRecord(String plugin) throws IOException {
    String document = "The quick brown fox.\nThe lazy dog; the END\r\n\n\u00c9t\u00e9 \u00e9t\u00e9 42 42\nthe";
    String base64 = Base64.getEncoder().encodeToString(document.getBytes(StandardCharsets.UTF_8));

    CliResult r =
        call(plugin, "{}", "summarize", "\"" + base64 + "\"",
            "{\"caseSensitive\": false, \"maxWords\": 3, \"mode\": \"WORDS\"}");

    assertThat(r.err()).isEmpty();
    assertThat(r.out())
        .isEqualTo(
            "{\"words\":14,\"lines\":5,\"bytes\":66,\"topWords\":[\"the\",\"42\",\"brown\"],"
                + "\"stats\":{\"averageWordLength\":3.5,\"uniqueRatio\":0.71428573}}\n");
  }

  @Test
  void call_aGuestError_isPrintedAsJson_withItsOwnExitStatus() throws IOException {
    CliResult r =
        call("greeter-c.wasm", "{}", "summarize", "\"\"",
            "{\"caseSensitive\": true, \"maxWords\": 0, \"mode\": \"LINES\", \"language\": \"en\"}");

    assertThat(r.status()).isEqualTo(ExitCodes.GUEST_ERROR);
    assertThat(r.out()).isEqualTo("{\"$error\":{\"code\":22,\"message\":\"the document is empty\"}}\n");
  }

  @Test
  void call_echoSample_roundTripsEveryNumberKind() throws IOException {
    String sample =
        "{\"id\":-7,\"timestamp\":9007199254740993,\"score\":2.5,\"active\":true,\"label\":\"\u00e9t\u00e9 \u2603\"}";

    CliResult r = call("greeter-rust.wasm", "{}", "echoSample", sample);

    assertThat(r.err()).isEmpty();
    assertThat(r.out()).isEqualTo(sample + "\n");
  }

  @Test
  void call_echoBytes_takesAndPrintsBase64() throws IOException {
    CliResult r = call("greeter-c.wasm", "{}", "echo_bytes", "\"AAEC/w==\"");

    assertThat(r.out()).isEqualTo("\"AAEC/w==\"\n");
  }

  @Test
  void call_noop_printsNothing() throws IOException {
    CliResult r = call("greeter-c.wasm", "{}", "noop");

    assertThat(r.status()).isZero();
    assertThat(r.out()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"greeter-c.wasm", "greeter-rust.wasm"})
  void call_collect_answersKvScanWithACannedListOfRecords(String plugin) throws IOException {
    CliResult r =
        call(plugin,
            "{\"scan\": [{\"key\": \"a1\", \"value\": \"red\", \"version\": 3}, {\"key\": \"a2\", \"value\": \"x\","
                + " \"version\": 4}]}",
            "collect", "\"a\"");

    assertThat(r.err()).isEmpty();
    assertThat(r.out())
        .isEqualTo(
            "[{\"key\":\"a1\",\"value\":\"RED\",\"version\":3},{\"key\":\"a2\",\"value\":\"X\",\"version\":4}]\n");
  }

  @Test
  void call_lookup_answersKvGetWithAValueOrAbsent() throws IOException {
    assertThat(call("greeter-c.wasm", "{\"get\": \"blue\"}", "lookup", "\"color\"").out()).isEqualTo("\"blue\"\n");
    assertThat(call("greeter-c.wasm", "{\"get\": null}", "lookup", "\"color\"").out()).isEqualTo("null\n");
  }

  @Test
  void call_store_aCannedHostErrorComesBackAsTheGuestsError() throws IOException {
    CliResult r =
        call("greeter-rust.wasm", "{\"put\": {\"$error\": {\"code\": 5, \"message\": \"read-only\"}}}", "store",
            "\"k\"", "\"v\"");

    assertThat(r.status()).isEqualTo(ExitCodes.GUEST_ERROR);
    assertThat(r.out()).isEqualTo("{\"$error\":{\"code\":5,\"message\":\"read-only\"}}\n");
  }

  @Test
  void call_store_succeedsWithACannedNull() throws IOException {
    CliResult r = call("greeter-c.wasm", "{\"put\": null}", "store", "\"k\"", "\"v\"");

    assertThat(r.status()).isZero();
    assertThat(r.out()).isEmpty();
  }

  @Test
  void call_count_passesNumbers() throws IOException {
    CliResult r = call("greeter-c.wasm", "{\"add\": 7}", "count", "2", "3");

    assertThat(r.out()).isEqualTo("7\n");
  }

  @Test
  void call_everythingAfterTheModuleIsFunctionAndArguments_evenWhenItLooksLikeAnOption() throws IOException {
    CliResult r = call("greeter-c.wasm", "{\"add\": -9}", "count", "-1", "1");

    assertThat(r.err()).isEmpty();
    assertThat(r.out()).isEqualTo("-9\n");
  }

  @Test
  void call_verbose_tracesHostCallsWithTheirArguments() throws IOException {
    CliResult r = callWith(List.of("-v"), "greeter-c.wasm", "{\"get\": \"blue\"}", "lookup", "\"color\"");

    assertThat(r.out()).isEqualTo("\"blue\"\n");
    assertThat(r.err()).contains("terrarium: host call kv.get(\"color\")");
  }

  @Test
  void call_aHostImportWithoutCannedAnswer_stopsNamingIt() throws IOException {
    CliResult r = call("greeter-c.wasm", "{\"get\": \"x\"}", "collect", "\"a\"");

    assertThat(r.status()).isEqualTo(ExitCodes.PLUGIN_FAILURE);
    assertThat(r.out()).isEmpty();
    assertThat(r.err())
        .contains("the plugin called kv.scan, which")
        .contains("has no canned answer for; add \"scan\": <List<Entry>> to it");
    // the same module and answers still serve a call that needs only kv.get
    assertThat(call("greeter-c.wasm", "{\"get\": \"x\"}", "lookup", "\"a\"").out()).isEqualTo("\"x\"\n");
  }

  @Test
  void call_withoutHostModule_namesTheImportsToAnswer() {
    CliResult r =
        terrarium("call", "--descriptor", greeter.toString(), SamplePlugins.copyTo("greeter-c.wasm", dir).toString(),
            "greet", "\"Ana\"");

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err())
        .contains("imports from host module kv (kv.scan, kv.get, kv.put, kv.add)")
        .contains("--host-module kv=kv.json");
  }

  @Test
  void call_withoutDescriptor_saysWhereToGetOne() {
    CliResult r = terrarium("call", SamplePlugins.copyTo("greeter-c.wasm", dir).toString(), "greet", "\"Ana\"");

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("no @PluginExports descriptor for greeter-c.wasm").contains("--descriptor FILE");
  }

  @Test
  void call_anEmbeddedDescriptor_needsNoDescriptorOption() throws IOException {
    Path module = SamplePlugins.copyTo("greeter-c.wasm", dir);
    byte[] bytes = Files.readAllBytes(module);
    bytes = CustomSections.append(bytes, Descriptor.CUSTOM_SECTION, descriptorText("Greeter").getBytes(StandardCharsets.UTF_8));
    bytes = CustomSections.append(bytes, Descriptor.CUSTOM_SECTION, descriptorText("KeyValueStore").getBytes(StandardCharsets.UTF_8));
    Files.write(module, bytes);

    CliResult r =
        terrarium("call", "--host-module", "kv=" + answers("{\"add\": 40}"), module.toString(), "count", "1", "1");

    assertThat(r.err()).isEmpty();
    assertThat(r.out()).isEqualTo("40\n");
  }

  @Test
  void call_anArgumentThatIsNotJson_hintsAtQuotes() throws IOException {
    CliResult r = call("greeter-c.wasm", "{}", "greet", "Ana");

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("argument name of greet is not JSON").contains("'\"Ana\"'");
  }

  @Test
  void call_anArgumentOfTheWrongType_isAUsageError() throws IOException {
    CliResult r = call("greeter-c.wasm", "{}", "count", "\"two\"", "3");

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("argument delta of count is an int: give a whole number");
  }

  @Test
  void call_aRecordMissingAComponent_namesTheComponents() throws IOException {
    CliResult r = call("greeter-c.wasm", "{}", "summarize", "\"\"", "{\"caseSensitive\": true}");

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("argument options of summarize (record Options) lacks \"maxWords\"");
  }

  @Test
  void call_anUnknownEnumConstant_listsTheConstants() throws IOException {
    CliResult r =
        call("greeter-c.wasm", "{}", "summarize", "\"\"", "{\"caseSensitive\": true, \"maxWords\": 1, \"mode\": \"X\"}");

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("is the enum Mode: give one of \"WORDS\", \"LINES\", \"BYTES\"");
  }

  @Test
  void call_theWrongNumberOfArguments_showsTheSignature() throws IOException {
    CliResult r = call("greeter-c.wasm", "{}", "greet");

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("greet takes 1 argument but 0 were given: greet(name: String) -> String");
  }

  @Test
  void call_anUnknownFunction_listsTheFunctions() throws IOException {
    CliResult r = call("greeter-c.wasm", "{}", "shout", "\"x\"");

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("no function shout in Greeter").contains("greet(name: String) -> String");
  }

  @Test
  void call_aCannedAnswerOfTheWrongType_isRefusedBeforeRunning() throws IOException {
    CliResult r = call("greeter-c.wasm", "{\"get\": 5}", "greet", "\"Ana\"");

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("the canned answer for kv.get in").contains("is a String, not 5");
  }

  @Test
  void call_aCannedAnswerForAnUnknownFunction_isRefused() throws IOException {
    CliResult r = call("greeter-c.wasm", "{\"gte\": \"x\"}", "greet", "\"Ana\"");

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("answers \"gte\", which KeyValueStore does not have");
  }

  @Test
  void call_aCannedErrorForAFunctionWithoutErrorChannel_isRefused() throws IOException {
    CliResult r =
        call("greeter-c.wasm", "{\"get\": {\"$error\": {\"code\": 1, \"message\": \"no\"}}}", "greet", "\"Ana\"");

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("cannot report one");
  }

  @Test
  void call_aFunctionTheModuleDoesNotExport_isNamed() throws IOException {
    Path hostile = Files.writeString(dir.resolve("Hostile.json"), descriptorText("Hostile"));

    CliResult r =
        terrarium("call", "--descriptor", hostile.toString(), "--descriptor", kv.toString(), "--host-module",
            "kv=" + answers("{}"), SamplePlugins.copyTo("greeter-c.wasm", dir).toString(), "badBoolean");

    assertThat(r.status()).isEqualTo(ExitCodes.PLUGIN_FAILURE);
    assertThat(r.err()).contains("[Terrarium/CALL_BAD_EXPORT]").contains("greeter-c.wasm does not export bad_boolean");
  }

  @Test
  void call_aDescriptorWhoseSignatureDiffers_isRefusedNamingBoth() throws IOException {
    com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode root =
        (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(descriptorText("Greeter"));
    for (com.fasterxml.jackson.databind.JsonNode f : root.get("functions")) {
      if (f.get("wasmName").asText().equals("greet")) {
        ((com.fasterxml.jackson.databind.node.ObjectNode) f).put("result", "int");
        ((com.fasterxml.jackson.databind.node.ObjectNode) f).putArray("wasmResults").add("i32");
      }
    }
    Files.writeString(greeter, mapper.writeValueAsString(root));

    CliResult r = call("greeter-c.wasm", "{}", "greet", "\"Ana\"");

    assertThat(r.status()).isEqualTo(ExitCodes.PLUGIN_FAILURE);
    assertThat(r.err())
        .contains("the descriptor expects (i32, i32) -> (i32) but the module exports (i32, i32) -> (i64)");
  }

  @Test
  void call_aDescriptorThatContradictsItself_isRefused() throws IOException {
    Files.writeString(greeter, descriptorText("Greeter").replaceFirst("\"wasmResults\": \\[\"i64\"\\]", "\"wasmResults\": [\"f32\"]"));

    CliResult r = call("greeter-c.wasm", "{}", "greet", "\"Ana\"");

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("says greet has wasmResults [f32] but its types make [i64]");
  }

  @Test
  void call_anOptionalFunctionThePluginPredates_saysTheHostWouldRunTheDefault() throws IOException {
    com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode root =
        (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(descriptorText("Greeter"));
    root.put("interfaceVersion", 2);
    com.fasterxml.jackson.databind.node.ObjectNode farewell =
        ((com.fasterxml.jackson.databind.node.ArrayNode) root.get("functions")).addObject();
    farewell.put("javaName", "farewell").put("wasmName", "farewell").put("result", "String").put("optional", true);
    farewell.putArray("params").addObject().put("name", "name").put("type", "String");
    Files.writeString(greeter, mapper.writeValueAsString(root));

    CliResult r = call("greeter-c.wasm", "{}", "farewell", "\"Ana\"");

    assertThat(r.status()).isEqualTo(ExitCodes.PLUGIN_FAILURE);
    assertThat(r.err())
        .contains("greeter-c.wasm does not export farewell, an optional function of its interface: a host calling it"
            + " gets the interface's default method");
    assertThat(call("greeter-c.wasm", "{}", "greet", "\"Ana\"").out()).isEqualTo("\"Hello, Ana!\"\n");
  }

  @Test
  void call_theExamplesOfTheDocs() throws IOException {
    String kvJson =
        "{\"get\": \"blue\", \"scan\": [{\"key\": \"a1\", \"value\": \"red\", \"version\": 3}], \"put\":"
            + " {\"$error\": {\"code\": 5, \"message\": \"read-only\"}}}";
    String document = Base64.getEncoder().encodeToString("to be or not".getBytes(StandardCharsets.UTF_8));

    CliResult summarize =
        call("greeter-c.wasm", kvJson, "summarize", "\"" + document + "\"", "{\"caseSensitive\": false, \"maxWords\": 2, \"mode\": \"WORDS\"}");
    CliResult collect = call("greeter-c.wasm", kvJson, "collect", "\"a\"");
    CliResult store = call("greeter-c.wasm", kvJson, "store", "\"k\"", "\"v\"");

    assertThat(summarize.out())
        .isEqualTo(
            "{\"words\":4,\"lines\":1,\"bytes\":12,\"topWords\":[\"be\",\"not\"],\"stats\":{\"averageWordLength\":2.25,"
                + "\"uniqueRatio\":1.0}}\n");
    assertThat(collect.out()).isEqualTo("[{\"key\":\"a1\",\"value\":\"RED\",\"version\":3}]\n");
    assertThat(store.out()).isEqualTo("{\"$error\":{\"code\":5,\"message\":\"read-only\"}}\n");
    assertThat(store.status()).isEqualTo(4);
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource(
      delimiter = '|',
      value = {
        "badPointer | outside the guest's 65536 bytes of memory",
        "invalidUtf8 | are not valid UTF-8",
        "absentWhereRequired | is required but the guest passed the absent value",
        "badBoolean | is a boolean but the guest passed 2",
        "badEnum | is an enum with 3 constants but the guest passed ordinal",
        "amplification | the guest is handing the host the same memory many times over"
      })
  void call_aGuestBreakingTheAbi_failsWithAViolation_andAGoodCallStillWorks(String function, String message)
      throws IOException {
    Path hostile = Files.writeString(dir.resolve("Hostile.json"), descriptorText("Hostile"));
    Path module = SamplePlugins.copyTo("fixtures/hostile-exports.wasm", dir);

    CliResult bad = terrarium("call", "--descriptor", hostile.toString(), module.toString(), function);
    CliResult good = terrarium("call", "--descriptor", hostile.toString(), module.toString(), "echo", "\"ok\"");

    assertThat(bad.status()).isEqualTo(ExitCodes.PLUGIN_FAILURE);
    assertThat(bad.out()).isEmpty();
    assertThat(bad.errLines()).hasSize(1);
    assertThat(bad.err()).startsWith("terrarium: [Terrarium/CALL_ABI_VIOLATION]").contains(message);
    assertThat(good.err()).isEmpty();
    assertThat(good.out()).isEqualTo("\"ok\"\n");
  }

  @Test
  void call_floatsKeepNaNAndInfinity() throws IOException {
    CliResult r =
        call("greeter-c.wasm", "{}", "echo_sample",
            "{\"id\":1,\"timestamp\":2,\"score\":\"NaN\",\"active\":false,\"label\":\"\"}");
    CliResult inf =
        call("greeter-c.wasm", "{}", "echo_sample",
            "{\"id\":1,\"timestamp\":2,\"score\":\"-Infinity\",\"active\":false,\"label\":\"\"}");

    assertThat(r.out()).isEqualTo("{\"id\":1,\"timestamp\":2,\"score\":\"NaN\",\"active\":false,\"label\":\"\"}\n");
    assertThat(inf.out()).contains("\"score\":\"-Infinity\"");
  }
}
