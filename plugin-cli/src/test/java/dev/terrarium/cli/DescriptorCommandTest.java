package dev.terrarium.cli;

import static dev.terrarium.cli.CallCommandTest.descriptorText;
import static dev.terrarium.cli.CliResult.terrarium;
import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.host.PluginHost;
import dev.terrarium.samples.SamplePlugins;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code terrarium descriptor embed|show|strip}, and {@code terrarium call} on what they embed. */
class DescriptorCommandTest {
  @TempDir Path dir;

  private Path file(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text);
  }

  @Test
  void embed_thenCall_needsNoDescriptorOption_andTheHostStillLoadsTheModule() throws IOException {
    Path module = SamplePlugins.copyTo("greeter-rust.wasm", dir);
    Path greeter = file("Greeter.json", descriptorText("Greeter"));
    Path kv = file("KeyValueStore.json", descriptorText("KeyValueStore"));

    CliResult embed = terrarium("descriptor", "embed", module.toString(), greeter.toString(), kv.toString());
    CliResult call =
        terrarium("call", "--host-module", "kv=" + file("kv.json", "{\"get\": \"blue\"}"), module.toString(),
            "lookup", "\"color\"");

    assertThat(embed.status()).isZero();
    assertThat(embed.out())
        .startsWith("embedded Greeter (exports, version 1), KeyValueStore (host module kv, version 1) in " + module);
    assertThat(call.err()).isEmpty();
    assertThat(call.out()).isEqualTo("\"blue\"\n");
    assertThat(PluginHost.inspect(Files.readAllBytes(module)).embeddedManifest()).isPresent();
  }

  @Test
  void embed_replacesTheDescriptorOfTheSameInterface_andKeepsTheOthers() throws IOException {
    Path module = SamplePlugins.copyTo("greeter-c.wasm", dir);
    Path greeter = file("Greeter.json", descriptorText("Greeter"));
    Path kv = file("KeyValueStore.json", descriptorText("KeyValueStore"));
    assertThat(terrarium("descriptor", "embed", module.toString(), greeter.toString(), kv.toString()).status()).isZero();
    com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode root =
        (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(descriptorText("Greeter"));
    root.put("interfaceVersion", 2);
    Path v2 = file("Greeter2.json", mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root));

    CliResult r = terrarium("descriptor", "embed", module.toString(), v2.toString());
    CliResult show = terrarium("descriptor", "show", module.toString());

    assertThat(r.out()).startsWith("embedded Greeter (exports, version 2)");
    assertThat(CustomSections.findAll(Files.readAllBytes(module), Descriptor.CUSTOM_SECTION)).hasSize(2);
    assertThat(show.status()).isZero();
    assertThat(show.out()).contains("\"module\": \"kv\"").contains("\"interfaceVersion\" : 2");
    assertThat(terrarium("inspect", module.toString()).out())
        .contains("descriptors (custom sections terrarium.descriptor): 2\n")
        .contains("  dev.terrarium.samples.abi.KeyValueStore (host module kv, version 1, 4 functions)\n")
        .contains("  dev.terrarium.samples.abi.Greeter (exports, version 2, 10 functions)\n");
  }

  @Test
  void embed_refusesADescriptorThatIsNotOne_andLeavesTheModuleAlone() throws IOException {
    Path module = SamplePlugins.copyTo("greeter-c.wasm", dir);
    byte[] before = Files.readAllBytes(module);

    CliResult r = terrarium("descriptor", "embed", module.toString(), file("x.json", "{\"id\": \"a\"}").toString());

    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("the descriptor").contains("x.json lacks \"terrariumAbi\"");
    assertThat(Files.readAllBytes(module)).isEqualTo(before);
  }

  @Test
  void show_saysNone_andStripRemovesThemAll() throws IOException {
    Path module = SamplePlugins.copyTo("greeter-c.wasm", dir);
    byte[] before = Files.readAllBytes(module);
    assertThat(terrarium("descriptor", "show", module.toString()).status()).isEqualTo(ExitCodes.ABSENT);
    terrarium("descriptor", "embed", module.toString(), file("G.json", descriptorText("Greeter")).toString());

    CliResult strip = terrarium("descriptor", "strip", module.toString());

    assertThat(strip.status()).isZero();
    assertThat(strip.out()).startsWith("removed 1 descriptor; wrote");
    assertThat(Files.readAllBytes(module)).isEqualTo(before);
  }
}
