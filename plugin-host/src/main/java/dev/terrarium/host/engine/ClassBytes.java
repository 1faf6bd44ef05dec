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

  /** Returns the summed (uncompressed) size of the class files in an Endive class jar. */
  static long size(byte[] jar) {
    long total = 0;
    try (JarInputStream in = new JarInputStream(new ByteArrayInputStream(jar))) {
      for (JarEntry e = in.getNextJarEntry(); e != null; e = in.getNextJarEntry()) {
        if (e.getName().endsWith(".class")) {
          total += in.transferTo(java.io.OutputStream.nullOutputStream());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return total;
  }
}
