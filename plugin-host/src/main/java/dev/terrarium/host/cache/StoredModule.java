package dev.terrarium.host.cache;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * A compiled module as the persistent cache keeps it: what is needed to rebuild it without generating bytecode.
 * The module is parsed again from its bytes, without the function bodies its classes replace (all but {@code
 * interpreted}), and its classes are loaded from {@code classJar}.
 *
 * @param key the text of the cache key it was compiled under (checked on reading: an entry answers one key only)
 * @param rewritten the bytes that were compiled when the host rewrote the module (metering, float fixes), or
 *     {@code null} when it compiled the module's own bytes
 * @param metered whether those bytes are the fuel-metered rewrite (the counter is their last global)
 * @param fuelInMachine whether the counter is a field of the compiled machine
 * @param classBytes the summed size of the class files (the artifact's weight)
 * @param classJar the generated classes in Endive's class-jar format
 * @param interpreted the defined functions (positions in the code section) those classes leave to Endive's
 *     interpreter, ascending: the only bodies a load needs to parse ({@code Engine#parseWithoutBodies}); {@code
 *     null} when the load needs every body
 */
public record StoredModule(
    String key,
    byte[] rewritten,
    boolean metered,
    boolean fuelInMachine,
    long classBytes,
    byte[] classJar,
    int[] interpreted) {
  /** Version 2 added {@code interpreted}; an entry of version 1 is not read (and is compiled again). */
  private static final String FORMAT = "terrarium-compiled-module-2";

  public StoredModule {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(classJar, "classJar");
    for (int i = 0; interpreted != null && i < interpreted.length; i++) {
      if (interpreted[i] < 0 || (i > 0 && interpreted[i] <= interpreted[i - 1])) {
        throw new IllegalArgumentException("interpreted must be ascending function positions, was "
            + java.util.Arrays.toString(interpreted));
      }
    }
    if (classBytes < 0) {
      throw new IllegalArgumentException("classBytes must not be negative, was " + classBytes);
    }
    if (fuelInMachine && !metered) {
      throw new IllegalArgumentException("an unmetered module has no fuel counter to keep in its machine");
    }
  }

  /** Returns the encoded form, which {@link #decode} reads back. */
  public byte[] encode() {
    ByteArrayOutputStream bytes =
        new ByteArrayOutputStream(classJar.length + (rewritten == null ? 0 : rewritten.length) + 256);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeUTF(FORMAT);
      out.writeUTF(key);
      out.writeBoolean(rewritten != null);
      if (rewritten != null) {
        out.writeInt(rewritten.length);
        out.write(rewritten);
      }
      out.writeBoolean(metered);
      out.writeBoolean(fuelInMachine);
      out.writeLong(classBytes);
      out.writeInt(classJar.length);
      out.write(classJar);
      out.writeInt(interpreted == null ? -1 : interpreted.length);
      for (int f : interpreted == null ? new int[0] : interpreted) {
        out.writeInt(f);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /**
   * Reads an encoded module.
   *
   * @throws IllegalArgumentException when {@code encoded} is not one, in whole
   */
  public static StoredModule decode(byte[] encoded) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(encoded))) {
      String format = in.readUTF();
      if (!format.equals(FORMAT)) {
        throw new IllegalArgumentException("the format is '" + format + "', not " + FORMAT);
      }
      String key = in.readUTF();
      byte[] rewritten = in.readBoolean() ? readBlock(in, encoded.length) : null;
      boolean metered = in.readBoolean();
      boolean fuelInMachine = in.readBoolean();
      long classBytes = in.readLong();
      byte[] jar = readBlock(in, encoded.length);
      int count = in.readInt();
      if (count < -1 || count > encoded.length / 4) {
        throw new IllegalArgumentException("it claims " + count + " interpreted functions");
      }
      int[] interpreted = count < 0 ? null : new int[count];
      for (int i = 0; i < count; i++) {
        interpreted[i] = in.readInt();
      }
      if (in.read() != -1) {
        throw new IllegalArgumentException("there are bytes after its end");
      }
      return new StoredModule(key, rewritten, metered, fuelInMachine, classBytes, jar, interpreted);
    } catch (EOFException e) {
      throw new IllegalArgumentException("it is truncated", e);
    } catch (IOException e) {
      throw new IllegalArgumentException("it cannot be read: " + e, e);
    }
  }

  private static byte[] readBlock(DataInputStream in, int total) throws IOException {
    int length = in.readInt();
    if (length < 0 || length > total) {
      throw new IllegalArgumentException("a block claims " + length + " bytes of " + total);
    }
    byte[] block = in.readNBytes(length);
    if (block.length != length) {
      throw new EOFException();
    }
    return block;
  }
}
