package dev.terrarium.host.metering;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Encodes the WebAssembly binary format (LEB128 integers, names) into a growing byte array. */
final class Out extends ByteArrayOutputStream {
  void u32(long v) {
    do {
      int x = (int) (v & 0x7F);
      v >>>= 7;
      write(v != 0 ? x | 0x80 : x);
    } while (v != 0);
  }

  void u64(long v) {
    u32(v);
  }

  void s64(long v) {
    while (true) {
      int x = (int) (v & 0x7F);
      v >>= 7;
      boolean done = (v == 0 && (x & 0x40) == 0) || (v == -1 && (x & 0x40) != 0);
      write(done ? x : x | 0x80);
      if (done) {
        return;
      }
    }
  }

  /** Writes {@code v} (at least 0, below 2^62) as a signed LEB128 of ten bytes, the most an {@code i64} takes. */
  void s64Padded(long v) {
    for (int i = 0; i < 9; i++) {
      write((int) ((v >>> (7 * i)) & 0x7F) | 0x80);
    }
    write((int) ((v >>> 63) & 0x7F));
  }

  /** Overwrites the ten bytes at {@code at} with {@code v} as {@link #s64Padded} writes it. */
  void patchS64Padded(int at, long v) {
    for (int i = 0; i < 9; i++) {
      buf[at + i] = (byte) (((v >>> (7 * i)) & 0x7F) | 0x80);
    }
    buf[at + 9] = (byte) ((v >>> 63) & 0x7F);
  }

  void name(String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    u32(bytes.length);
    write(bytes, 0, bytes.length);
  }
}
