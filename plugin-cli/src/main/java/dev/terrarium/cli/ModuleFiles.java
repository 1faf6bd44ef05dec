package dev.terrarium.cli;

import dev.terrarium.api.ErrorCode;
import dev.terrarium.api.ModuleTooLargeException;
import dev.terrarium.api.PluginLoadException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Reads module files, failing the way the library does ({@code [Terrarium/LOAD_IO]}, {@code LOAD_TOO_LARGE}). */
final class ModuleFiles {
  private ModuleFiles() {}

  /**
   * Reads a module file of at most {@code maxBytes} bytes ({@code null}: no limit).
   *
   * @throws PluginLoadException when the file is missing, not a file, unreadable or too large
   */
  static byte[] read(Path module, Long maxBytes) {
    if (Files.isDirectory(module)) {
      throw new PluginLoadException(
          ErrorCode.LOAD_IO, null, "the module file " + module + " is a directory. Give the path of a .wasm file.", null);
    }
    try {
      long size = Files.size(module);
      if (maxBytes != null && size > maxBytes) {
        throw new ModuleTooLargeException(null, size, maxBytes);
      }
      return Files.readAllBytes(module);
    } catch (NoSuchFileException e) {
      throw new PluginLoadException(ErrorCode.LOAD_IO, null, "the module file " + module + " does not exist.", e);
    } catch (IOException e) {
      throw new PluginLoadException(
          ErrorCode.LOAD_IO, null, "the module file " + module + " could not be read: " + e + ".", e);
    }
  }

  /** Returns the file name of {@code module}, or throws a usage error when the path has none (e.g. {@code /}). */
  static String fileName(Path module) {
    Path name = module.getFileName();
    if (name == null) {
      throw new UsageException("MODULE '" + module + "' is not a file path");
    }
    return name.toString();
  }

  /**
   * Writes {@code bytes} to {@code out} through a temporary file in the same directory that is then moved over it,
   * so that a reader never sees half of it and a failure leaves {@code out} as it was.
   */
  static void writeAtomically(Path out, byte[] bytes) {
    Path dir = out.toAbsolutePath().getParent();
    try {
      Path temp = Files.createTempFile(dir, ".terrarium-write.", ".tmp");
      try {
        Files.write(temp, bytes);
        Files.move(temp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(temp);
      }
    } catch (IOException e) {
      throw new UsageException("cannot write " + out + ": " + e.getMessage());
    }
  }
}
