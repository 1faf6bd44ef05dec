package dev.terrarium.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Test support: real modules from WebAssembly text (wabt's {@code wat2wasm}) and random ones (binaryen's {@code wasm-opt -ttf}). */
public final class Wat {
  private Wat() {}

  /** Compiles {@code source} with {@code wat2wasm} and the given flags (e.g. {@code --no-check}). */
  public static byte[] compile(String source, String... flags) {
    return run("wat2wasm", source.getBytes(StandardCharsets.UTF_8), List.of(flags));
  }

  /** The text of {@code module}, from wabt's {@code wasm2wat}. */
  public static String text(byte[] module) {
    return new String(run("wasm2wat", module, List.of()), StandardCharsets.UTF_8);
  }

  /**
   * A random valid module from binaryen's {@code wasm-opt -ttf} ("translate to fuzz"), made from {@code input}
   * (random bytes) with the given feature flags (e.g. {@code --enable-bulk-memory}).
   */
  public static byte[] randomModule(byte[] input, List<String> features) {
    return run("wasm-opt", input, concat(List.of("-ttf"), features));
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  /** Runs {@code tool} on {@code input} written to a temporary file, with {@code flags}, and returns its output. */
  private static byte[] run(String tool, byte[] input, List<String> flags) {
    try {
      Path dir = Files.createTempDirectory("terrarium-wat");
      try {
        Path in = dir.resolve("m.in");
        Path out = dir.resolve("m.wasm");
        Files.write(in, input);
        List<String> cmd = new ArrayList<>(List.of(tool));
        if (tool.equals("wasm-opt")) {
          cmd.addAll(List.of(flags.get(0), in.toString()));
          cmd.addAll(flags.subList(1, flags.size()));
        } else {
          cmd.addAll(flags);
          cmd.add(in.toString());
        }
        cmd.addAll(List.of("-o", out.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
          throw new IllegalStateException(tool + " failed: " + log);
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
