package dev.terrarium.abi.guest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.abi.model.InterfaceModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** Golden files and external tools for the guest writer tests. */
final class GuestFiles {
  private GuestFiles() {}

  /**
   * With {@code -Dterrarium.updateGoldens=true} the tests rewrite the golden files under {@code
   * src/test/resources/guest/} instead of comparing (then review the diff).
   */
  static final boolean UPDATE = Boolean.getBoolean("terrarium.updateGoldens");

  static void assertGolden(String file, String actual) throws IOException {
    if (UPDATE) {
      Path target = Paths.get("src/test/resources/guest").resolve(file);
      Files.createDirectories(target.getParent());
      Files.writeString(target, actual, StandardCharsets.UTF_8);
      return;
    }
    String expected = resource("/guest/" + file);
    assertThat(actual)
        .as("generated %s (rerun with -Dterrarium.updateGoldens=true to accept a change, then review it)", file)
        .isEqualTo(expected);
  }

  static String resource(String name) throws IOException {
    try (InputStream in = GuestFiles.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("missing test resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** Writes every model's file (by golden base name + extension) into dir. */
  static void writeAll(Path dir, String extension, Function<InterfaceModel, String> writer) throws IOException {
    for (var e : GuestModels.all().entrySet()) {
      assertThat(e.getValue().guestFileName()).isEqualTo(e.getKey());
      Files.writeString(dir.resolve(e.getKey() + extension), writer.apply(e.getValue()), StandardCharsets.UTF_8);
    }
  }

  /** The result of running a tool. */
  record Run(int exitCode, String output) {}

  static Run run(Path dir, List<String> command, String... env) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).directory(dir.toFile()).redirectErrorStream(true);
    for (int i = 0; i + 1 < env.length; i += 2) {
      pb.environment().put(env[i], env[i + 1]);
    }
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("timed out: " + command);
    }
    return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  static boolean executable(String path) {
    return Files.isExecutable(Paths.get(path));
  }
}
