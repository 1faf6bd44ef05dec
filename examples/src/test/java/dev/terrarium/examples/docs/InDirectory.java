package dev.terrarium.examples.docs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a snippet class's {@code main} in a child JVM whose working directory is {@code dir}, for snippets that
 * name relative paths ({@code Path.of("plugins/hello.wasm")}): the test's own working directory is the module's.
 */
final class InDirectory {
  private InDirectory() {}

  /** What the child printed (stdout and stderr together) and its exit status. */
  record Outcome(int exitCode, String output) {}

  static Outcome run(Path dir, Class<?> mainClass, String... args) throws IOException, InterruptedException {
    return run(dir, Map.of(), mainClass, args);
  }

  /** As {@link #run(Path, Class, String...)}, with {@code environment} added to the child's environment. */
  static Outcome run(Path dir, Map<String, String> environment, Class<?> mainClass, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path")));
    // The test run's logging configuration (the console shows SEVERE only): the child's output is the snippet's.
    String logging = System.getProperty("java.util.logging.config.file");
    if (logging != null) {
      command.add("-Djava.util.logging.config.file=" + logging);
    }
    command.add(mainClass.getName());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    builder.environment().putAll(environment);
    Process process = builder.start();
    process.getOutputStream().close();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException(mainClass.getName() + " did not end within 120 s: " + output);
    }
    return new Outcome(process.exitValue(), output);
  }
}
