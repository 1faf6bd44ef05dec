package dev.terrarium.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.MalformedModuleException;
import dev.terrarium.host.ModuleDescription;
import dev.terrarium.host.PluginHost;
import dev.terrarium.samples.SamplePlugins;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The custom-section editor over the wasm binary format. */
class CustomSectionsTest {
  private static final String NAME = "terrarium.manifest";

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s);
  }

  @Test
  void section_encodesIdSizeNameAndContent() {
    assertThat(CustomSections.section("ab", utf8("xyz"))).containsExactly(0, 6, 2, 'a', 'b', 'x', 'y', 'z');
  }

  @Test
  void section_usesMultiByteLeb128ForLargePayloads() {
    byte[] content = new byte[200];
    byte[] s = CustomSections.section("n", content);
    // payload 1 + 1 + 200 = 202 = 0xCA 0x01 in LEB128
    assertThat(Arrays.copyOf(s, 3)).containsExactly(0, 0xCA - 256, 0x01);
    assertThat(s).hasSize(3 + 202);
  }

  @Test
  void replace_appendsToAModuleWithoutTheSection_andTheEngineReadsIt() {
    byte[] add = SamplePlugins.bytes("fixtures/add.wasm");

    byte[] edited = CustomSections.replace(add, NAME, utf8("{\"id\":\"add\",\"version\":\"1\"}"));

    assertThat(Arrays.copyOf(edited, add.length)).isEqualTo(add);
    ModuleDescription d = PluginHost.inspect(edited);
    assertThat(d.embeddedManifest()).contains("{\"id\":\"add\",\"version\":\"1\"}");
    assertThat(d.exports()).extracting(e -> e.name()).contains("add", "add64");
  }

  @Test
  void replace_replacesInPlace_andRemovesDuplicates() {
    byte[] add = SamplePlugins.bytes("fixtures/add.wasm");
    byte[] twice =
        CustomSections.append(CustomSections.append(add, NAME, utf8("{\"id\":\"a\",\"version\":\"1\"}")), NAME,
            utf8("{\"id\":\"b\",\"version\":\"1\"}"));
    assertThat(CustomSections.findAll(twice, NAME)).hasSize(2);

    byte[] edited = CustomSections.replace(twice, NAME, utf8("{\"id\":\"c\",\"version\":\"2\"}"));

    assertThat(CustomSections.findAll(edited, NAME)).hasSize(1);
    assertThat(new String(CustomSections.find(edited, NAME).orElseThrow(), StandardCharsets.UTF_8))
        .isEqualTo("{\"id\":\"c\",\"version\":\"2\"}");
    assertThat(edited).isEqualTo(CustomSections.append(add, NAME, utf8("{\"id\":\"c\",\"version\":\"2\"}")));
  }

  @Test
  void replace_keepsTheSectionWhereItWas() {
    byte[] hello = SamplePlugins.bytes("hello.wasm"); // the manifest section is the last one
    byte[] moved = CustomSections.remove(hello, NAME);
    // put the manifest first, before the type section
    byte[] section = CustomSections.section(NAME, utf8("{\"id\":\"x\",\"version\":\"1\"}"));
    byte[] first = new byte[moved.length + section.length];
    System.arraycopy(moved, 0, first, 0, 8);
    System.arraycopy(section, 0, first, 8, section.length);
    System.arraycopy(moved, 8, first, 8 + section.length, moved.length - 8);

    byte[] edited = CustomSections.replace(first, NAME, utf8("{\"id\":\"y\",\"version\":\"1\"}"));

    assertThat(CustomSections.sections(edited).get(0).name()).isEqualTo(NAME);
    assertThat(PluginHost.inspect(edited).embeddedManifest()).contains("{\"id\":\"y\",\"version\":\"1\"}");
  }

  @Test
  void remove_dropsEverySectionOfThatName_andKeepsOthers() {
    byte[] hello = SamplePlugins.bytes("hello.wasm");
    byte[] withOther = CustomSections.append(hello, "other", utf8("keep me"));

    byte[] stripped = CustomSections.remove(withOther, NAME);

    assertThat(CustomSections.find(stripped, NAME)).isEmpty();
    assertThat(CustomSections.find(stripped, "other")).hasValueSatisfying(
        b -> assertThat(new String(b, StandardCharsets.UTF_8)).isEqualTo("keep me"));
    assertThat(PluginHost.inspect(stripped).embeddedManifest()).isEmpty();
    assertThat(stripped.length).isLessThan(withOther.length);
  }

  @Test
  void remove_returnsTheSameBytesWhenThereIsNoSuchSection() {
    byte[] add = SamplePlugins.bytes("fixtures/add.wasm");

    assertThat(CustomSections.remove(add, NAME)).isEqualTo(add);
  }

  @Test
  void sections_refusesGarbage() {
    assertThatThrownBy(() -> CustomSections.sections(SamplePlugins.bytes("fixtures/garbage.wasm")))
        .isInstanceOf(MalformedModuleException.class)
        .hasMessageContaining("does not start with the WebAssembly magic bytes");
  }

  @Test
  void sections_refusesATruncatedModule_sayingWhere() {
    assertThatThrownBy(() -> CustomSections.sections(SamplePlugins.bytes("fixtures/truncated.wasm")))
        .isInstanceOf(MalformedModuleException.class)
        .hasMessageContaining("truncated")
        .hasMessageContaining("[Terrarium/LOAD_MALFORMED]");
  }

  @Test
  void sections_refusesATruncatedHeader() {
    assertThatThrownBy(() -> CustomSections.sections(hex("0061736d0100")))
        .isInstanceOf(MalformedModuleException.class)
        .hasMessageContaining("truncated inside its 8-byte header");
  }

  @Test
  void sections_refusesAComponentOrOtherVersion() {
    assertThatThrownBy(() -> CustomSections.sections(hex("0061736d0d000100")))
        .isInstanceOf(MalformedModuleException.class)
        .hasMessageContaining("binary version is 65549, not 1");
  }

  @Test
  void sections_refusesASizeCutOffByTheEnd() {
    assertThatThrownBy(() -> CustomSections.sections(hex("0061736d01000000" + "0080")))
        .isInstanceOf(MalformedModuleException.class)
        .hasMessageContaining("the size of the section at byte 8 is cut off by the end of the file");
  }

  @Test
  void sections_refusesASectionLongerThanTheFile() {
    assertThatThrownBy(() -> CustomSections.sections(hex("0061736d01000000" + "0005016100")))
        .isInstanceOf(MalformedModuleException.class)
        .hasMessageContaining("the section at byte 8 claims 5 bytes but only 3 remain");
  }

  @Test
  void sections_refusesALeb128WiderThan32Bits() {
    assertThatThrownBy(() -> CustomSections.sections(hex("0061736d01000000" + "00ffffffff7f")))
        .isInstanceOf(MalformedModuleException.class)
        .hasMessageContaining("larger than 32 bits");
    assertThatThrownBy(() -> CustomSections.sections(hex("0061736d01000000" + "00808080808000")))
        .isInstanceOf(MalformedModuleException.class)
        .hasMessageContaining("longer than 5 bytes");
  }

  @Test
  void sections_refusesANameLongerThanItsSection() {
    assertThatThrownBy(() -> CustomSections.sections(hex("0061736d01000000" + "000205616263")))
        .isInstanceOf(MalformedModuleException.class)
        .hasMessageContaining("has a name longer than the section");
  }

  @Test
  void sections_refusesANameThatIsNotUtf8() {
    assertThatThrownBy(() -> CustomSections.sections(hex("0061736d01000000" + "000201ff")))
        .isInstanceOf(MalformedModuleException.class)
        .hasMessageContaining("is not valid UTF-8");
  }

  @Test
  void sections_refusesAnUnknownSectionId() {
    assertThatThrownBy(() -> CustomSections.sections(hex("0061736d01000000" + "2000")))
        .isInstanceOf(MalformedModuleException.class)
        .hasMessageContaining("section with id 32, which does not exist");
  }

  @Test
  void sections_acceptsAnEmptyModule() {
    assertThat(CustomSections.sections(hex("0061736d01000000"))).isEmpty();
    assertThat(CustomSections.replace(hex("0061736d01000000"), "n", new byte[0]))
        .isEqualTo(hex("0061736d01000000" + "0002016e"));
  }
}
