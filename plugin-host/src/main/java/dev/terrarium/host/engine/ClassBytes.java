package dev.terrarium.host.engine;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;

/**
 * Measures the classes Endive's compiler generated for a module, in its compiled-class cache jar format, so that the
 * compiled-module cache can weigh them: a loaded class costs metaspace in proportion to its class file.
 */
final class ClassBytes {
  private ClassBytes() {}

  /** Returns the summed size of {@code classes}. */
  static long size(Iterable<byte[]> classes) {
    long total = 0;
    for (byte[] c : classes) {
      total += c.length;
    }
    return total;
  }

  /**
   * Returns {@code classes} (by binary name) in the jar format of Endive's compiled-class cache (which {@link
   * StoredClasses} loads back): an entry {@code wasm-module.properties} naming the main class ({@code mainClass}),
   * and one entry per class file.
   */
  static byte[] jar(String mainClass, java.util.Map<String, byte[]> classes) {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(bytes)) {
      java.util.Properties properties = new java.util.Properties();
      properties.setProperty("mainClass", mainClass);
      out.putNextEntry(new JarEntry("wasm-module.properties"));
      properties.store(out, null);
      out.closeEntry();
      for (var c : new java.util.TreeMap<>(classes).entrySet()) {
        out.putNextEntry(new JarEntry(c.getKey().replace('.', '/') + ".class"));
        out.write(c.getValue());
        out.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** An Endive class jar's contents: its main class (or {@code null}) and its class files by binary name. */
  record Jar(String mainClass, java.util.Map<String, byte[]> classes) {}

  /** Reads an Endive class jar ({@link #jar}'s format). */
  static Jar read(byte[] jar) {
    String mainClass = null;
    java.util.Map<String, byte[]> classes = new java.util.HashMap<>();
    try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar))) {
      for (JarEntry e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
        String name = e.getName();
        if (name.equals("wasm-module.properties")) {
          java.util.Properties properties = new java.util.Properties();
          properties.load(in);
          mainClass = properties.getProperty("mainClass");
        } else if (name.endsWith(".class")) {
          classes.put(name.substring(0, name.length() - ".class".length()).replace('/', '.'), in.readAllBytes());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Jar(mainClass, classes);
  }

  /** Returns the class files of an Endive class jar. */
  static java.util.List<byte[]> classes(byte[] jar) {
    return new java.util.ArrayList<>(read(jar).classes().values());
  }
}
