package dev.terrarium.host.engine;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Finds the methods of a compiled module that HotSpot will not JIT-compile, and says so once, when the module is
 * compiled. HotSpot leaves a method of more than {@value #LIMIT} bytes of bytecode to its bytecode interpreter
 * unless the JVM runs with {@code -XX:-DontCompileHugeMethods}; Endive compiles each WebAssembly function to one
 * method, and a large function (an allocator's {@code malloc}, say; more so with fuel metering, which adds a charge
 * at every branch target) can cross that line and then run many times slower than the rest of the module.
 */
final class HugeMethods {
  /** HotSpot's {@code HugeMethodLimit} (a flag that product builds cannot change). */
  static final int LIMIT = 8000;

  private static final System.Logger LOG = System.getLogger("dev.terrarium.host");
  private static final String FLAG = "-XX:-DontCompileHugeMethods";
  /** Whether this JVM compiles huge methods (read once: JVM options do not change). */
  private static final boolean COMPILES_HUGE_METHODS = compilesHugeMethods();

  private HugeMethods() {}

  /** A method of a class file and the length of its bytecode. */
  record Method(String name, int codeLength) {}

  /**
   * Logs a warning naming the methods of {@code classFiles} above the limit, unless the JVM compiles huge methods.
   * Never throws: a class file it cannot read is skipped.
   */
  static void warnIfAny(String pluginId, Iterable<byte[]> classFiles) {
    if (COMPILES_HUGE_METHODS) {
      return; // nothing to warn about: skip reading the classes
    }
    List<Method> huge = new ArrayList<>();
    for (byte[] classFile : classFiles) {
      try {
        for (Method m : methods(classFile)) {
          if (m.codeLength() > LIMIT && m.name().startsWith("func_")) {
            huge.add(m);
          }
        }
      } catch (IOException | RuntimeException e) {
        // not a class file we can read: nothing to say about it
      }
    }
    if (huge.isEmpty()) {
      return;
    }
    huge.sort(Comparator.comparingInt(Method::codeLength).reversed());
    Method largest = huge.get(0);
    LOG.log(
        System.Logger.Level.WARNING,
        "plugin ''{0}'': {1} of its functions compiled to JVM methods larger than HotSpot''s limit of "
            + "{2,number,#} bytes of bytecode (the largest, {3}, has {4,number,#}); HotSpot does not JIT-compile "
            + "such methods, so they run many times slower than the rest of the plugin. Start the JVM with {5} to "
            + "compile them (docs/performance.md, \"Large functions\").",
        pluginId,
        huge.size(),
        LIMIT,
        largest.name(),
        largest.codeLength(),
        FLAG);
  }

  /** Returns whether this JVM was started with {@code -XX:-DontCompileHugeMethods}. */
  static boolean compilesHugeMethods() {
    try {
      boolean compiles = false;
      for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
        if (arg.equals(FLAG)) {
          compiles = true;
        } else if (arg.equals("-XX:+DontCompileHugeMethods")) {
          compiles = false;
        }
      }
      return compiles;
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  /** Returns the methods of a class file that have code, with their bytecode lengths. */
  static List<Method> methods(byte[] classFile) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(classFile));
    if (in.readInt() != 0xCAFEBABE) {
      throw new IOException("not a class file");
    }
    in.readUnsignedShort(); // minor
    in.readUnsignedShort(); // major
    int count = in.readUnsignedShort();
    String[] utf8 = new String[count];
    for (int i = 1; i < count; i++) {
      int tag = in.readUnsignedByte();
      switch (tag) {
        case 1 -> utf8[i] = in.readUTF();
        case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
        case 5, 6 -> {
          in.skipNBytes(8);
          i++; // takes two entries
        }
        case 7, 8, 16, 19, 20 -> in.skipNBytes(2);
        case 15 -> in.skipNBytes(3);
        default -> throw new IOException("unknown constant pool tag " + tag);
      }
    }
    in.skipNBytes(6); // access, this, super
    in.skipNBytes(2L * in.readUnsignedShort()); // interfaces
    int fields = in.readUnsignedShort();
    for (int i = 0; i < fields; i++) {
      in.skipNBytes(6);
      skipAttributes(in);
    }
    int methods = in.readUnsignedShort();
    List<Method> result = new ArrayList<>(methods);
    for (int i = 0; i < methods; i++) {
      in.skipNBytes(2); // access
      String name = utf8[in.readUnsignedShort()];
      in.skipNBytes(2); // descriptor
      int attributes = in.readUnsignedShort();
      for (int a = 0; a < attributes; a++) {
        String attribute = utf8[in.readUnsignedShort()];
        int length = in.readInt();
        if ("Code".equals(attribute)) {
          in.skipNBytes(4); // max stack, max locals
          int codeLength = in.readInt();
          result.add(new Method(name, codeLength));
          in.skipNBytes(length - 8L);
        } else {
          in.skipNBytes(length & 0xFFFFFFFFL);
        }
      }
    }
    return result;
  }

  private static void skipAttributes(DataInputStream in) throws IOException {
    int attributes = in.readUnsignedShort();
    for (int a = 0; a < attributes; a++) {
      in.skipNBytes(2);
      in.skipNBytes(in.readInt() & 0xFFFFFFFFL);
    }
  }
}
