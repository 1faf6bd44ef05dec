package dev.terrarium.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.api.MountMode;
import dev.terrarium.api.PluginManifest;
import dev.terrarium.api.WasiCapability;
import dev.terrarium.samples.SamplePlugins;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The load's warm-up: the manifest it parses, and when a run has it parse one. */
class LoadWarmupTest {
  @Test
  void theWarmUpManifestIsValid_andUsesEveryKindOfField() {
    // A warm-up that failed would be silently ignored, and would then warm up nothing.
    PluginManifest m = LoadWarmup.warmUp();

    assertThat(m.id()).isEqualTo("warm-up");
    assertThat(m.capabilities().wasi()).containsExactly(WasiCapability.STDIO);
    assertThat(m.capabilities().mounts()).singleElement().satisfies(r -> assertThat(r.mode()).isEqualTo(MountMode.READ_ONLY));
    assertThat(m.limits().callTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(m.limits().maxMemoryPages()).isEqualTo(1);
  }

  @Test
  void aModuleWithAnEmbeddedManifest_isSeen_oneWithoutIsNot() {
    assertThat(LoadWarmup.mayEmbedManifest(SamplePlugins.bytes("sizer.wasm"))).isTrue();
    assertThat(LoadWarmup.mayEmbedManifest(SamplePlugins.bytes("fixtures/add.wasm"))).isFalse();

    byte[] add = SamplePlugins.bytes("fixtures/add.wasm");
    byte[] withManifest =
        CustomSections.replace(
            add, PluginManifest.CUSTOM_SECTION, "{\"id\":\"add\",\"version\":\"1\"}".getBytes(StandardCharsets.UTF_8));
    assertThat(LoadWarmup.mayEmbedManifest(withManifest)).isTrue();
    // The name must follow its length, as in a custom section: the bare name in data is not enough.
    byte[] bare = PluginManifest.CUSTOM_SECTION.getBytes(StandardCharsets.UTF_8);
    assertThat(LoadWarmup.mayEmbedManifest(bare)).isFalse();
    assertThat(LoadWarmup.mayEmbedManifest(new byte[0])).isFalse();
  }
}
