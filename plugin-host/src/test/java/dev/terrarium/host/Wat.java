package dev.terrarium.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Test support: real modules from WebAssembly text, through wabt's {@code wat2wasm}. */
public final class Wat {
  private Wat() {}

  /** Compiles {@code source} with {@code wat2wasm} and the given flags (e.g. {@code --no-check}). */
  public static byte[] compile(String source, String... flags) {
    try {
      Path dir = Files.createTempDirectory("terrarium-wat");
      try {
        Path in = dir.resolve("m.wat");
        Path out = dir.resolve("m.wasm");
        Files.writeString(in, source);
        List<String> cmd = new ArrayList<>(List.of("wat2wasm"));
        cmd.addAll(Arrays.asList(flags));
        cmd.addAll(List.of(in.toString(), "-o", out.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
          throw new IllegalStateException("wat2wasm failed: " + log);
        }
        return Files.readAllBytes(out);
      } finally {
        try (var files = Files.list(dir)) {
          for (Path f : files.toList()) {
            Files.deleteIfExists(f);
          }
        }
        Files.deleteIfExists(dir);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
