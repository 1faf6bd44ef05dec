package dev.terrarium.host.engine;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.jar.JarEntry;
import java.util.jar.JarInputStream;
import run.endive.compiler.Cache;

/**
 * Catches the classes Endive's compiler generates for a module, in its compiled-class {@link Cache} jar format, so
 * that the compiled-module cache can weigh them: a loaded class costs metaspace in proportion to its class file.
 */
final class ClassBytes implements Cache {
  private byte[] jar;

  /** Misses always: the module is compiled, and its classes handed to {@link #putIfAbsent}. */
  @Override
  public byte[] get(String key) {
    return null;
  }

  @Override
  public void putIfAbsent(String key, byte[] data) {
    jar = data;
  }

  /** Returns the summed size of the caught class files, or -1 when the compiler handed over none. */
  long size() {
    return jar == null ? -1 : size(jar);
  }

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
