package dev.terrarium.host.metering;

import dev.terrarium.api.ErrorCode;
import java.nio.charset.StandardCharsets;

/** Decodes the WebAssembly binary format from a byte range; malformed input throws {@link MeteringException}. */
final class Reader {
  final byte[] b;
  int pos;
  final int end;

  Reader(byte[] b, int pos, int end) {
    this.b = b;
    this.pos = pos;
    this.end = end;
  }

  int u8() {
    if (pos >= end) {
      throw new MeteringException(ErrorCode.LOAD_MALFORMED, "unexpected end of data at byte offset " + pos);
    }
    return b[pos++] & 0xFF;
  }

  /** The length of a vector: a u32 no larger than the bytes left (every element takes at least one). */
  int count() {
    int at = pos;
    int n = u32();
    if (n < 0 || n > end - pos) {
      throw new MeteringException(ErrorCode.LOAD_MALFORMED, "vector length " + n + " too long at byte offset " + at);
    }
    return n;
  }

  /** An unsigned LEB128 of at most 32 bits, returned as a (possibly negative) int. */
  int u32() {
    long v = leb(5, false);
    if (v < 0 || v > 0xFFFFFFFFL) {
      throw new MeteringException(ErrorCode.LOAD_MALFORMED, "u32 out of range at byte offset " + pos);
    }
    return (int) v;
  }

  long u64() {
    return leb(10, false);
  }

  long s32() {
    return (int) leb(5, true);
  }

  long s33() {
    return leb(5, true);
  }

  long s64() {
    return leb(10, true);
  }

  long leb(int maxBytes, boolean signed) {
    long result = 0;
    int shift = 0;
    int start = pos;
    while (true) {
      if (pos - start >= maxBytes) {
        throw new MeteringException(ErrorCode.LOAD_MALFORMED, "LEB128 too long at byte offset " + start);
      }
      int x = u8();
      if (shift < 64) {
        result |= (long) (x & 0x7F) << shift;
      }
      shift += 7;
      if ((x & 0x80) == 0) {
        if (signed && shift < 64 && (x & 0x40) != 0) {
          result |= -1L << shift;
        }
        return result;
      }
    }
  }

  /** Skips a table's or memory's limits: a flags byte, the minimum and, when the flags say so, the maximum. */
  void skipLimits() {
    int flags = u8();
    u64();
    if ((flags & 1) != 0) {
      u64();
    }
  }

  /**
   * For the loop analyses ({@link CountedLoop}, {@link BoundedLoop}): when {@code op}, just read, is a plain
   * instruction with immediates (a memory access, {@code global.get/set}, {@code memory.size}, an {@code i64},
   * {@code f32} or {@code f64} constant, a saturating truncation), skips them and returns 1; returns -1 for a form
   * they refuse (another memory's {@code memory.size}, a {@code 0xFC} instruction with a dynamic cost); 0 otherwise.
   */
  int skipPlain(int op) {
    if (op >= 0x28 && op <= 0x3E) {
      skipMemarg();
      return 1;
    }
    switch (op) {
      case 0x23, 0x24 -> u32();
      case 0x3F -> {
        if (u32() != 0) {
          return -1;
        }
      }
      case 0x42 -> s64();
      case 0x43 -> pos += 4;
      case 0x44 -> pos += 8;
      case 0xFC -> {
        if (u32() > 7) {
          return -1; // bulk memory and tables: dynamic costs
        }
      }
      default -> {
        return 0;
      }
    }
    return 1;
  }

  /** Skips a memory instruction's immediate: alignment (with a memory index when its bit 6 is set) and offset. */
  void skipMemarg() {
    int align = u32();
    if ((align & 0x40) != 0) {
      u32(); // memory index (multi-memory)
    }
    u64();
  }

  /** Skips the immediates of SIMD instruction {@code 0xFD sub}: a memarg, a lane index, both, or 16 bytes. */
  void skipSimdImmediates(int sub) {
    if (sub <= 11 || sub == 92 || sub == 93) {
      skipMemarg();
    } else if (sub == 12 || sub == 13) {
      pos += 16;
    } else if (sub >= 21 && sub <= 34) {
      u8();
    } else if (sub >= 84 && sub <= 91) {
      skipMemarg();
      u8();
    }
  }

  String name() {
    int n = u32();
    if (n < 0 || n > end - pos) {
      throw new MeteringException(ErrorCode.LOAD_MALFORMED, "name longer than its section at byte offset " + pos);
    }
    String s = new String(b, pos, n, StandardCharsets.UTF_8);
    pos += n;
    return s;
  }
}
