package dev.terrarium.samples;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Access to the sample WebAssembly plugins and test fixtures packed into this jar.
 *
 * <p>The modules are built from source (WAT, Rust and C) by {@code scripts/build-sample-plugins.sh}
 * and stored as classpath resources under {@code dev/terrarium/samples/}. They are addressed by
 * their path relative to that directory, for example {@code "hello.wasm"},
 * {@code "echo-shell.wasm"}, {@code "sizer.wasm"} or {@code "fixtures/loop.wasm"}; see
 * {@link #names()} for the full list.
 */
public final class SamplePlugins {

  /** Directory of the resources, relative to the classpath root. */
  private static final String BASE = "dev/terrarium/samples/";

  /** Resource listing every module name, one a line, written by the build script. */
  private static final String INDEX = "index.txt";

  private SamplePlugins() {}

  /**
   * Returns the bytes of a sample module.
   *
   * @param name the module's path relative to {@code dev/terrarium/samples/}, e.g. {@code
   *     "hello.wasm"} or {@code "fixtures/loop.wasm"}
   * @return a fresh copy of the module's bytes
   * @throws IllegalArgumentException if there is no such resource; the message names the missing
   *     resource and the available ones
   * @throws UncheckedIOException if the resource cannot be read
   */
  public static byte[] bytes(String name) {
    checkName(name);
    byte[] bytes = readResource(name);
    if (bytes == null) {
      throw new IllegalArgumentException(
          "no sample plugin resource "
              + BASE
              + name
              + "; available: "
              + String.join(", ", availableNames()));
    }
    return bytes;
  }

  /**
   * Writes a sample module into a directory, as a file named after the last segment of {@code
   * name} (so {@code "fixtures/loop.wasm"} becomes {@code dir/loop.wasm}). The directory is
   * created if needed; an existing file of that name is replaced.
   *
   * @param name the module's path relative to {@code dev/terrarium/samples/}
   * @param dir the target directory
   * @return the path of the written file
   * @throws IllegalArgumentException if there is no such resource
   * @throws UncheckedIOException if the file cannot be written
   */
  public static Path copyTo(String name, Path dir) {
    byte[] bytes = bytes(name);
    String fileName = name.substring(name.lastIndexOf('/') + 1);
    try {
      Files.createDirectories(dir);
      Path target = dir.resolve(fileName);
      Files.write(target, bytes);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + name + " to " + dir, e);
    }
  }

  /**
   * Lists the names of all sample modules in this jar (plugins first, then fixtures), as
   * accepted by {@link #bytes(String)}.
   *
   * @return the module names, sorted
   * @throws IllegalStateException if the jar was built without its index
   */
  public static List<String> names() {
    byte[] index = readResource(INDEX);
    if (index == null) {
      throw new IllegalStateException(
          "resource " + BASE + INDEX + " is missing; was sample-plugins built?");
    }
    return new String(index, StandardCharsets.UTF_8)
        .lines()
        .map(String::strip)
        .filter(line -> !line.isEmpty())
        .toList();
  }

  private static List<String> availableNames() {
    try {
      return names();
    } catch (IllegalStateException e) {
      return List.of("(unknown: " + BASE + INDEX + " is missing)");
    }
  }

  private static void checkName(String name) {
    if (name == null) {
      throw new NullPointerException("name");
    }
    if (name.isEmpty()
        || name.startsWith("/")
        || name.endsWith("/")
        || name.contains("\\")
        || List.of(name.split("/")).contains("..")) {
      throw new IllegalArgumentException(
          "invalid sample plugin name '"
              + name
              + "': expected a path relative to "
              + BASE
              + " such as hello.wasm or fixtures/loop.wasm");
    }
  }

  /** Returns the resource's bytes, or {@code null} if it does not exist. */
  private static byte[] readResource(String name) {
    try (InputStream in = SamplePlugins.class.getResourceAsStream(name)) {
      return in == null ? null : in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read resource " + BASE + name, e);
    }
  }
}
