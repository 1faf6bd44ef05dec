package dev.terrarium.host;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Compiled modules on disk are keyed by the build's identity, which the Maven build writes into the host's jar. */
class BuildFingerprintTest {
  @Test
  void theFingerprint_isThisBuildsVersionAndTime_notAFallback() throws Exception {
    java.util.Properties p = new java.util.Properties();
    try (var in = PluginHost.class.getResourceAsStream("version.properties")) {
      p.load(in);
    }
    assertThat(p.getProperty("build")).matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?@\\d{8}T\\d{6}\\.\\d{3}");
    assertThat(BuildFingerprint.VALUE).isEqualTo(p.getProperty("build"));
  }

  @Test
  void theFingerprint_isPartOfEveryDiskKey() {
    ModuleCache.Key key =
        new ModuleCache.Key("ab", "terrarium-x", "endive-1", ExecutionMode.COMPILER, "unmetered", false, false);
    assertThat(ModuleCache.keyText(key)).contains("build=" + BuildFingerprint.VALUE);
  }
}
