package dev.terrarium.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.terrarium.api.Capabilities;
import dev.terrarium.api.ManifestException;
import dev.terrarium.api.MountMode;
import dev.terrarium.api.MountRequest;
import dev.terrarium.api.PluginLimits;
import dev.terrarium.api.PluginManifest;
import dev.terrarium.api.WasiCapability;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The manifest's JSON as {@link Manifests} reads it ({@link ManifestReader}): every field, and every way it can be wrong. */
class ManifestReaderTest {
  private static PluginManifest parse(String json) {
    return Manifests.parse(json, "test.json");
  }

  @Test
  void readsEveryField() {
    PluginManifest m =
        parse(
            """
            {
              "id": "sizer", "version": "1.2.0", "sha256": "%s",
              "capabilities": {
                "hostModules": ["kv", "log"], "wasi": ["args", "stdio", "files"],
                "mounts": [ { "guestPath": "/data", "mode": "rw" }, { "guestPath": ".", "mode": "ro" }, { "guestPath": "/t" } ]
              },
              "limits": { "maxMemoryPages": 64, "callTimeout": "PT2.5S", "guestStackBytes": 1048576,
                          "maxModuleBytes": 1000000, "maxFuelPerCall": 5000000000, "maxFuelPerInstance": 7,
                          "maxTableElements": 100 }
            }
            """
                .formatted("AB".repeat(32)));
    assertThat(m)
        .isEqualTo(
            new PluginManifest(
                "sizer",
                "1.2.0",
                "ab".repeat(32),
                new Capabilities(
                    Set.of("kv", "log"),
                    Set.of(WasiCapability.ARGS, WasiCapability.STDIO, WasiCapability.FILES),
                    List.of(
                        new MountRequest("/data", MountMode.READ_WRITE),
                        new MountRequest(".", MountMode.READ_ONLY),
                        new MountRequest("/t", MountMode.READ_ONLY))),
                new PluginLimits(64, Duration.ofMillis(2500), 1_048_576L, 1_000_000L, 5_000_000_000L, 7L, 100)));
  }

  @Test
  void nullsAndMissingFieldsMeanNothingAsked() {
    PluginManifest m =
        parse(
            "{\"id\":\"x\",\"version\":\"1\",\"sha256\":null,\"capabilities\":{\"hostModules\":null,\"wasi\":null,"
                + "\"mounts\":null},\"limits\":{\"maxMemoryPages\":null,\"callTimeout\":null}}");
    assertThat(m).isEqualTo(PluginManifest.of("x", "1"));
    assertThat(parse("{\"id\":\"x\",\"version\":\"1\",\"capabilities\":null,\"limits\":null}"))
        .isEqualTo(PluginManifest.of("x", "1"));
    assertThat(m.capabilities()).isEqualTo(Capabilities.none());
    assertThat(m.limits()).isEqualTo(PluginLimits.none());
  }

  @Test
  void aDurationIsIsoOrSeconds() {
    assertThat(timeout("\"PT2S\"")).isEqualTo(Duration.ofSeconds(2));
    assertThat(timeout("\"PT0.25S\"")).isEqualTo(Duration.ofMillis(250));
    assertThat(timeout("3")).isEqualTo(Duration.ofSeconds(3));
    assertThat(timeout("0.5")).isEqualTo(Duration.ofMillis(500));
    assertThat(timeout("1e-3")).isEqualTo(Duration.ofMillis(1));
    assertThatThrownBy(() -> timeout("\"2s\""))
        .isInstanceOf(ManifestException.class)
        .hasMessageContaining("callTimeout must be an ISO-8601 duration such as \"PT2S\"")
        .hasMessageContaining("was \"2s\"");
    assertThatThrownBy(() -> timeout("1e30"))
        .isInstanceOf(ManifestException.class)
        .hasMessageContaining("callTimeout is out of range");
    assertThatThrownBy(() -> timeout("true"))
        .isInstanceOf(ManifestException.class)
        .hasMessageContaining("callTimeout must be an ISO-8601 duration such as \"PT2S\", was a boolean");
    assertThatThrownBy(() -> timeout("\"PT0S\""))
        .isInstanceOf(ManifestException.class)
        .hasMessageContaining("callTimeout must be positive");
  }

  private static Duration timeout(String value) {
    return parse("{\"id\":\"x\",\"version\":\"1\",\"limits\":{\"callTimeout\":" + value + "}}").limits().callTimeout();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"id\":\"x\",\"version\":\"1\",\"nmae\":\"y\"}|unknown field \"nmae\" in the manifest",
        "{\"id\":\"x\",\"version\":\"1\",\"limits\":{\"maxMemoryPagez\":8}}|unknown field \"maxMemoryPagez\" in limits",
        "{\"id\":\"x\",\"version\":\"1\",\"capabilities\":{\"wasii\":[]}}|unknown field \"wasii\" in capabilities",
        "{\"id\":\"x\",\"version\":\"1\",\"capabilities\":{\"mounts\":[{\"guestPath\":\"/d\",\"mod\":\"rw\"}]}}"
            + "|unknown field \"mod\" in a mount",
      })
  void anUnknownFieldIsAnErrorThatListsTheFields(String json, String message) {
    assertThatThrownBy(() -> parse(json))
        .isInstanceOf(ManifestException.class)
        .hasMessageStartingWith("[Terrarium/LOAD_MANIFEST]")
        .hasMessageContaining("the manifest in test.json is not valid: " + message + " (line 1, column ")
        .hasMessageContaining("Expected fields: id, version, sha256, capabilities");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        // integers are JSON integers: no strings, no fractions, nothing out of range
        "\"limits\":{\"maxMemoryPages\":\"256\"}|maxMemoryPages must be an integer, was a string",
        "\"limits\":{\"maxMemoryPages\":256.0}|maxMemoryPages must be an integer, was a number",
        "\"limits\":{\"maxMemoryPages\":4294967296}|maxMemoryPages must be at most 2147483647, was 4294967296",
        "\"limits\":{\"maxFuelPerCall\":99999999999999999999}|maxFuelPerCall must be at most 9223372036854775807",
        "\"limits\":{\"guestStackBytes\":[1]}|guestStackBytes must be an integer, was an array",
        // the model's own checks, located at the object they are about
        "\"limits\":{\"maxMemoryPages\":0}|maxMemoryPages must be between 1 and 65536, was 0",
        "\"limits\":{\"maxFuelPerInstance\":-1}|maxFuelPerInstance must be at least 1, was -1",
        "\"limits\":7|limits must be a JSON object, was a number",
        "\"capabilities\":[]|capabilities must be a JSON object, was an array",
        "\"capabilities\":{\"wasi\":[\"sockets\"]}|unknown WASI capability 'sockets'",
        "\"capabilities\":{\"wasi\":\"stdio\"}|capabilities.wasi must be an array, was a string",
        "\"capabilities\":{\"wasi\":[null]}|capabilities.wasi must list names, not null",
        "\"capabilities\":{\"hostModules\":[1]}|capabilities.hostModules must be a string, was a number",
        "\"capabilities\":{\"hostModules\":[\" \"]}|host module names must not be blank",
        "\"capabilities\":{\"mounts\":[{\"guestPath\":\"/d\",\"mode\":\"rwx\"}]}|a mount's mode must be \"ro\" or \"rw\"",
        "\"capabilities\":{\"mounts\":[{\"mode\":\"ro\"}]}|guestPath",
        "\"capabilities\":{\"mounts\":[\"/d\"]}|each of capabilities.mounts must be a JSON object, was a string",
        "\"capabilities\":{\"mounts\":[{\"guestPath\":\"/d\"},{\"guestPath\":\"/d\"}]}|mount '/d' is requested twice",
        "\"sha256\":\"abc\"|manifest sha256 must be 64 hexadecimal digits",
        "\"sha256\":5|sha256 must be a string, was a number",
      })
  void aWrongValueNamesTheFieldAndWhereItIs(String fields, String message) {
    assertThatThrownBy(() -> parse("{\"id\":\"x\",\"version\":\"1\"," + fields + "}"))
        .isInstanceOf(ManifestException.class)
        .hasMessageStartingWith("[Terrarium/LOAD_MANIFEST]")
        .hasMessageContaining("the manifest in test.json is not valid: ")
        .hasMessageContaining(message)
        .hasMessageContaining("(line 1, column ")
        .hasMessageEndingWith("Fix the manifest.");
  }

  @Test
  void idAndVersionAreRequired() {
    assertThatThrownBy(() -> parse("{\"version\":\"1\"}"))
        .isInstanceOf(ManifestException.class)
        .hasMessageContaining("manifest id is missing (line 1, column 1)");
    assertThatThrownBy(() -> parse("{\"id\":\"x\",\n \"version\":null}"))
        .isInstanceOf(ManifestException.class)
        .hasMessageContaining("manifest version is missing");
    assertThatThrownBy(() -> parse("{\"id\":\"Bad Id\",\"version\":\"1\"}"))
        .isInstanceOf(ManifestException.class)
        .hasMessageContaining("manifest id 'Bad Id' is not valid");
  }

  @Test
  void aFieldGivenTwiceIsAnError() {
    // A reviewer reading the first "limits" must not be shown one thing while the host applies another.
    assertThatThrownBy(
            () ->
                parse(
                    "{\"id\":\"x\",\"version\":\"1\",\"limits\":{\"maxMemoryPages\":1},"
                        + "\"limits\":{\"maxMemoryPages\":65536}}"))
        .isInstanceOf(ManifestException.class)
        .hasMessageContaining("is not JSON")
        .hasMessageContaining("Duplicate field 'limits'");
    assertThatThrownBy(() -> parse("{\"id\":\"x\",\"id\":\"y\",\"version\":\"1\"}"))
        .isInstanceOf(ManifestException.class)
        .hasMessageContaining("Duplicate field 'id'");
  }

  @Test
  void textThatIsNotOneJsonObjectIsAnError() {
    assertThatThrownBy(() -> parse("{\"id\":\"x\",\"version\":\"1\"} {\"id\":\"y\"}"))
        .isInstanceOf(ManifestException.class)
        .hasMessageContaining("is not valid: there is more after the manifest object (line 1, column 26)");
    assertThatThrownBy(() -> parse("{\"id\": \"x\""))
        .isInstanceOf(ManifestException.class)
        .hasMessageContaining("the manifest in test.json is not JSON: ");
    assertThatThrownBy(() -> parse("  "))
        .isInstanceOf(ManifestException.class)
        .hasMessageContaining("the manifest in test.json is not JSON: it is empty.");
    assertThatThrownBy(() -> parse("null"))
        .isInstanceOf(ManifestException.class)
        .hasMessageContaining("the manifest in test.json is empty (null).");
    assertThatThrownBy(() -> parse("[]"))
        .isInstanceOf(ManifestException.class)
        .hasMessageContaining("the manifest must be a JSON object, was an array");
    assertThatThrownBy(() -> parse("{'id': 'x'}"))
        .isInstanceOf(ManifestException.class)
        .hasMessageContaining("is not JSON");
  }

  @Test
  void aManifestWrittenByToJsonReadsBackTheSame() {
    PluginManifest m =
        new PluginManifest(
            "round",
            "2.0",
            null,
            new Capabilities(
                Set.of("kv"),
                Set.of(WasiCapability.CLOCKS, WasiCapability.EXIT),
                List.of(new MountRequest("/w", MountMode.READ_WRITE))),
            new PluginLimits(8, Duration.ofMillis(1500), null, 4096L, 10L, null, 3));
    assertThat(Manifests.parse(Manifests.toJson(m), "toJson")).isEqualTo(m);
  }
}
