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

  /** Returns the class files of an Endive class jar. */
  static java.util.List<byte[]> classes(byte[] jar) {
    java.util.List<byte[]> classes = new java.util.ArrayList<>();
    try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar))) {
      for (JarEntry e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
        if (e.getName().endsWith(".class")) {
          classes.add(in.readAllBytes());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return classes;
  }
}
