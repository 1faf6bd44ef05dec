package dev.terrarium.cli;

import static dev.terrarium.cli.CliResult.terrarium;
import static dev.terrarium.cli.CliResult.terrariumWithEnv;
import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.host.ModuleCache;
import dev.terrarium.samples.SamplePlugins;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI's compiled-module cache: on by default in the per-user cache directory (which the build points at
 * target/test-home, so tests never touch the real one), {@code --cache-dir}, {@code TERRARIUM_CACHE_DIR}, {@code
 * --no-cache}.
 */
class CacheTest {
  @TempDir Path dir;

  private String module() {
    // a fresh copy with its own bytes, so that no other test's run has cached it
    byte[] bytes = SamplePlugins.bytes("sizer.wasm");
    byte[] name = ("t" + System.nanoTime()).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    out.writeBytes(bytes);
    out.write(0);
    out.write(1 + name.length);
    out.write(name.length);
    out.writeBytes(name);
    Path file = dir.resolve("sizer.wasm");
    try {
      Files.write(file, out.toByteArray());
      Files.createDirectories(dir.resolve("data"));
      Files.writeString(dir.resolve("data/a.txt"), "hello");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return file.toString();
  }

  private String data() {
    return dir.resolve("data") + "::/data";
  }

  private static long entries(Path cache) throws IOException {
    if (!Files.isDirectory(cache)) {
      return 0;
    }
    try (Stream<Path> files = Files.list(cache)) {
      return files.filter(p -> p.toString().endsWith(".entry")).count();
    }
  }

  @Test
  void theSecondRun_loadsTheModuleFromTheCacheDir_andPrintsTheSame() throws IOException {
    Path cache = dir.resolve("cache");
    String module = module();
    CliResult first = terrarium("run", "-v", "--cache-dir", cache.toString(), "--dir", data(), module, "/data");
    CliResult second = terrarium("run", "-v", "--cache-dir", cache.toString(), "--dir", data(), module, "/data");

    assertThat(first.status()).as(first.err()).isZero();
    assertThat(first.err()).contains("module: compiled, stored in the cache in " + cache);
    assertThat(second.status()).as(second.err()).isZero();
    assertThat(second.err()).contains("module: loaded from the cache in " + cache);
    assertThat(second.out()).isEqualTo(first.out()).isEqualTo("5\ta.txt\n");
    assertThat(entries(cache)).isEqualTo(1);
  }

  @Test
  void aMeteredRun_fromTheCache_chargesTheSameFuel() {
    Path cache = dir.resolve("cache");
    String module = module();
    CliResult first =
        terrarium("run", "-v", "--print-fuel", "--cache-dir", cache.toString(), "--dir", data(), module, "/data");
    CliResult second =
        terrarium("run", "-v", "--print-fuel", "--cache-dir", cache.toString(), "--dir", data(), module, "/data");
    assertThat(second.err()).contains("loaded from the cache");
    String fuel = first.errLines().stream().filter(l -> l.contains("fuel used:")).findFirst().orElseThrow();
    assertThat(second.errLines()).contains(fuel);
    assertThat(second.out()).isEqualTo(first.out());
  }

  @Test
  void theEnvironmentVariable_namesTheCacheDir_andTheFlagWins() throws IOException {
    Path fromEnv = dir.resolve("env-cache");
    Path fromFlag = dir.resolve("flag-cache");
    Map<String, String> env = Map.of(CacheOptions.ENV, fromEnv.toString());
    String module = module();
    assertThat(terrariumWithEnv(env, "run", "--dir", data(), module, "/data").status()).isZero();
    assertThat(entries(fromEnv)).isEqualTo(1);
    CliResult flagged = terrariumWithEnv(env, "run", "-v", "--cache-dir", fromFlag.toString(), "--dir", data(), module,
        "/data");
    assertThat(flagged.err()).contains("stored in the cache in " + fromFlag);
    assertThat(entries(fromFlag)).isEqualTo(1);
  }

  @Test
  void byDefault_theCacheIsThePerUserOne_whichTheTestsMoveIntoTheBuildDirectory() throws IOException {
    Path userCache = ModuleCache.userCacheDirectory();
    assertThat(userCache.toString())
        .as("tests never write the real home cache (surefire sets XDG_CACHE_HOME)")
        .contains("target" + java.io.File.separator + "test-home");
    assertThat(ModuleCache.userKeyFile().toString()).contains("test-home");
    long before = entries(userCache);
    CliResult r = terrariumWithEnv(Map.of(), "run", "-v", "--dir", data(), module(), "/data");
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.err()).contains("stored in the cache in " + userCache);
    assertThat(entries(userCache)).isEqualTo(before + 1);
  }

  @Test
  void noCache_neitherReadsNorWritesADirectory() throws IOException {
    Path cache = dir.resolve("cache");
    Map<String, String> env = Map.of(CacheOptions.ENV, cache.toString());
    CliResult r = terrariumWithEnv(env, "run", "-v", "--no-cache", "--dir", data(), module(), "/data");
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.err()).contains("module: compiled (in memory only)");
    assertThat(Files.exists(cache)).isFalse();
  }

  @Test
  void noCacheWithCacheDir_isAUsageError() {
    CliResult r = terrarium("run", "--no-cache", "--cache-dir", dir.toString(), module());
    assertThat(r.status()).isEqualTo(ExitCodes.USAGE);
    assertThat(r.err()).contains("--no-cache and --cache-dir").contains("contradict");
  }

  @Test
  void aCacheDirOthersCanWrite_isNotUsed_andTheRunGoesOn() throws IOException {
    Path cache = Files.createDirectory(dir.resolve("open"));
    Files.setPosixFilePermissions(cache, PosixFilePermissions.fromString("rwxrwxrwx"));
    CliResult r = terrarium("run", "--cache-dir", cache.toString(), "--dir", data(), module(), "/data");
    assertThat(r.status()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("5\ta.txt\n");
    assertThat(r.err()).startsWith("terrarium: warning: not using the compiled-module cache in " + cache)
        .contains("chmod 700");
    assertThat(entries(cache)).isZero();
  }
}
