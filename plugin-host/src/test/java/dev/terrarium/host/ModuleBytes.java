package dev.terrarium.host;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Builds WebAssembly binaries byte by byte, for modules that no toolchain will write: malformed and invalid ones. */
final class ModuleBytes {
  static final int I32 = 0x7F;
  static final int I64 = 0x7E;
  static final int F64 = 0x7C;
  static final int V128 = 0x7B;

  private ModuleBytes() {}

  /** The header followed by {@code sections}. */
  static byte[] module(byte[]... sections) {
    return concat(bytes(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00), concat(sections));
  }

  /** A section: its id, its size and its contents. */
  static byte[] section(int id, byte[]... contents) {
    byte[] body = concat(contents);
    return concat(bytes(id), u32(body.length), body);
  }

  /** A vector: its length and its items. */
  static byte[] vec(byte[]... items) {
    return concat(u32(items.length), concat(items));
  }

  /** A function type {@code params -> results}. */
  static byte[] funcType(int[] params, int[] results) {
    byte[] p = new byte[params.length];
    byte[] r = new byte[results.length];
    for (int i = 0; i < params.length; i++) {
      p[i] = (byte) params[i];
    }
    for (int i = 0; i < results.length; i++) {
      r[i] = (byte) results[i];
    }
    return concat(bytes(0x60), u32(params.length), p, u32(results.length), r);
  }

  /** A code-section entry: its size, no locals, then {@code code} (which ends with 0x0B). */
  static byte[] body(int... code) {
    return bodyWithLocals(bytes(0x00), code);
  }

  /** A code-section entry with the given encoded local declarations. */
  static byte[] bodyWithLocals(byte[] locals, int... code) {
    byte[] content = concat(locals, bytes(code));
    return concat(u32(content.length), content);
  }

  static byte[] name(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    return concat(u32(b.length), b);
  }

  static byte[] u32(long value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    long v = value;
    do {
      int b = (int) (v & 0x7f);
      v >>>= 7;
      out.write(v != 0 ? b | 0x80 : b);
    } while (v != 0);
    return out.toByteArray();
  }

  static byte[] bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return b;
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
