package dev.terrarium.host.validation;

import java.nio.charset.StandardCharsets;

/**
 * Reads the WebAssembly binary encoding with strict LEB128 limits and UTF-8 checks, and knows where it is: every
 * fault it reports, and every fault reported through {@link #malformed}, {@link #invalid} or {@link #unsupported},
 * names the byte offset (and the function being read, when there is one).
 */
final class WasmReader {
  private final byte[] bytes;
  private int pos;
  private int limit;
  /** The index of the function whose body is being read, or -1. */
  private int function = -1;

  WasmReader(byte[] bytes, int start) {
    this.bytes = bytes;
    this.pos = start;
    this.limit = bytes.length;
  }

  int pos() {
    return pos;
  }

  void seek(int newPos) {
    pos = newPos;
  }

  int limit() {
    return limit;
  }

  /** Sets the end of the region being read (a section or a function body) and returns the previous end. */
  int limitTo(int newLimit) {
    int old = limit;
    limit = newLimit;
    return old;
  }

  boolean atLimit() {
    return pos >= limit;
  }

  void inFunction(int index) {
    function = index;
  }

  Rejection malformed(int at, String rule) {
    return new Rejection(Rejection.Kind.MALFORMED, at, rule, where());
  }

  Rejection invalid(int at, String rule) {
    return new Rejection(Rejection.Kind.INVALID, at, rule, where());
  }

  Rejection unsupported(int at, String rule) {
    return new Rejection(Rejection.Kind.UNSUPPORTED, at, rule, where());
  }

  private String where() {
    return function < 0 ? "" : " in function " + function;
  }

  private Rejection unexpectedEnd() {
    String what = limit < bytes.length ? "unexpected end of section or function" : "unexpected end of the module";
    return malformed(pos, what);
  }

  int u8() {
    if (pos >= limit) {
      throw unexpectedEnd();
    }
    return bytes[pos++] & 0xff;
  }

  int peek() {
    if (pos >= limit) {
      throw unexpectedEnd();
    }
    return bytes[pos] & 0xff;
  }

  void skip(int n) {
    if (n < 0 || n > limit - pos) {
      throw unexpectedEnd();
    }
    pos += n;
  }

  /** Reads an unsigned 32-bit LEB128; the result is to be read as unsigned. */
  int u32() {
    int start = pos;
    int result = 0;
    for (int shift = 0; ; shift += 7) {
      int b = u8();
      if (shift == 28) {
        if ((b & 0x80) != 0) {
          throw malformed(start, "integer representation too long (more than 5 bytes for a u32)");
        }
        if ((b & 0x70) != 0) {
          throw malformed(start, "integer too large (u32 out of range)");
        }
        return result | (b << 28);
      }
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return result;
      }
    }
  }

  /** Reads a u32 used as a count or length and checks it is not larger than the bytes left to hold it. */
  int count(String what) {
    int start = pos;
    int n = u32();
    if (n < 0 || n > limit - pos) {
      throw malformed(start, what + " count " + Integer.toUnsignedString(n) + " is larger than the bytes left (length out of bounds)");
    }
    return n;
  }

  /** Reads a signed LEB128 of {@code bits} (32, 33 or 64) bits and returns it as a long. */
  long signed(int bits) {
    int start = pos;
    long result = 0;
    int maxBytes = (bits + 6) / 7;
    for (int i = 0, shift = 0; ; i++, shift += 7) {
      int b = u8();
      if (i == maxBytes - 1) {
        if ((b & 0x80) != 0) {
          throw malformed(start, "integer representation too long (more than " + maxBytes + " bytes for an s" + bits + ")");
        }
        // The unused high bits of the last byte must all equal the sign bit.
        int used = bits - shift; // bits of the value in this byte, the sign bit included
        int high = b >> (used - 1); // the sign bit and the bits above it
        int allSet = 0x7f >> (used - 1);
        if (high != 0 && high != allSet) {
          throw malformed(start, "integer too large (s" + bits + " out of range)");
        }
        result |= (long) (b & 0x7f) << shift;
        return shift + 7 < 64 ? result << (64 - shift - 7) >> (64 - shift - 7) : result;
      }
      result |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        shift += 7;
        return shift < 64 ? result << (64 - shift) >> (64 - shift) : result;
      }
    }
  }

  /** Reads a name (a length-prefixed UTF-8 string), checking the encoding; returns its start offset. */
  int name() {
    int length = count("name byte");
    int start = pos;
    checkUtf8(start, length);
    pos += length;
    return start;
  }

  /** Reads a name and returns it as a String. */
  String nameString() {
    int length = count("name byte");
    int start = pos;
    checkUtf8(start, length);
    pos += length;
    return new String(bytes, start, length, StandardCharsets.UTF_8);
  }

  private void checkUtf8(int start, int length) {
    int i = start;
    int end = start + length;
    while (i < end) {
      int b = bytes[i] & 0xff;
      if (b < 0x80) {
        i++;
        continue;
      }
      int need;
      int min;
      int cp;
      if (b >= 0xc2 && b <= 0xdf) {
        need = 1;
        min = 0x80;
        cp = b & 0x1f;
      } else if (b >= 0xe0 && b <= 0xef) {
        need = 2;
        min = 0x800;
        cp = b & 0x0f;
      } else if (b >= 0xf0 && b <= 0xf4) {
        need = 3;
        min = 0x10000;
        cp = b & 0x07;
      } else {
        throw malformed(i, "malformed UTF-8 encoding in a name");
      }
      if (end - i <= need) {
        throw malformed(i, "malformed UTF-8 encoding in a name (truncated sequence)");
      }
      for (int k = 1; k <= need; k++) {
        int c = bytes[i + k] & 0xff;
        if ((c & 0xc0) != 0x80) {
          throw malformed(i, "malformed UTF-8 encoding in a name");
        }
        cp = cp << 6 | (c & 0x3f);
      }
      if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        throw malformed(i, "malformed UTF-8 encoding in a name (overlong, surrogate or out of range)");
      }
      i += need + 1;
    }
  }

  byte[] bytes() {
    return bytes;
  }
}
