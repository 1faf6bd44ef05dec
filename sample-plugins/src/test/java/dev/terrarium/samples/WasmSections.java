package dev.terrarium.samples;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A minimal reader of a wasm binary's section table, enough for the tests: it checks that the
 * sections exactly cover the file and decodes custom sections, imports and exports.
 */
final class WasmSections {

  static final byte[] MAGIC = {0x00, 0x61, 0x73, 0x6d};
  static final byte[] VERSION_1 = {0x01, 0x00, 0x00, 0x00};

  private static final int CUSTOM = 0;
  private static final int IMPORT = 2;
  private static final int EXPORT = 7;

  /** One section: its id and the bounds of its content. */
  record Section(int id, int start, int end) {}

  private final byte[] bytes;
  private final List<Section> sections;

  private WasmSections(byte[] bytes, List<Section> sections) {
    this.bytes = bytes;
    this.sections = sections;
  }

  /** Parses the section table; throws IllegalArgumentException if it does not fit the bytes. */
  static WasmSections parse(byte[] bytes) {
    if (!hasMagic(bytes) || !Arrays.equals(bytes, 4, 8, VERSION_1, 0, 4)) {
      throw new IllegalArgumentException("not a wasm 1.0 binary");
    }
    List<Section> sections = new ArrayList<>();
    Reader r = new Reader(bytes, 8);
    while (r.pos < bytes.length) {
      int id = r.u8();
      int size = r.u32();
      int start = r.pos;
      int end = start + size;
      if (size < 0 || end > bytes.length) {
        throw new IllegalArgumentException("section " + id + " at " + start + " runs past the end");
      }
      sections.add(new Section(id, start, end));
      r.pos = end;
    }
    return new WasmSections(bytes, sections);
  }

  static boolean hasMagic(byte[] bytes) {
    return bytes.length >= 4 && Arrays.equals(bytes, 0, 4, MAGIC, 0, 4);
  }

  List<Section> sections() {
    return sections;
  }

  /** Custom sections by name, in file order; the value is the content after the name. */
  Map<String, byte[]> customSections() {
    Map<String, byte[]> result = new LinkedHashMap<>();
    for (Section s : sections) {
      if (s.id() == CUSTOM) {
        Reader r = new Reader(bytes, s.start());
        String name = r.name();
        result.put(name, Arrays.copyOfRange(bytes, r.pos, s.end()));
      }
    }
    return result;
  }

  /** Imports as "module.field" strings, in order (descriptors are skipped). */
  List<String> imports() {
    List<String> result = new ArrayList<>();
    for (Section s : sections) {
      if (s.id() == IMPORT) {
        Reader r = new Reader(bytes, s.start());
        int count = r.u32();
        for (int i = 0; i < count; i++) {
          String module = r.name();
          String field = r.name();
          result.add(module + "." + field);
          r.skipImportDescriptor();
        }
      }
    }
    return result;
  }

  /** Export names, in order. */
  List<String> exports() {
    List<String> result = new ArrayList<>();
    for (Section s : sections) {
      if (s.id() == EXPORT) {
        Reader r = new Reader(bytes, s.start());
        int count = r.u32();
        for (int i = 0; i < count; i++) {
          result.add(r.name());
          r.u8(); // kind
          r.u32(); // index
        }
      }
    }
    return result;
  }

  /** Cursor over the bytes with LEB128 decoding. */
  private static final class Reader {
    private final byte[] bytes;
    private int pos;

    Reader(byte[] bytes, int pos) {
      this.bytes = bytes;
      this.pos = pos;
    }

    int u8() {
      if (pos >= bytes.length) {
        throw new IllegalArgumentException("unexpected end of module at " + pos);
      }
      return bytes[pos++] & 0xff;
    }

    /** Unsigned LEB128, at most 5 bytes (a u32). */
    int u32() {
      long result = 0;
      for (int shift = 0; shift < 35; shift += 7) {
        int b = u8();
        result |= (long) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
          if (result > 0xffff_ffffL) {
            throw new IllegalArgumentException("u32 out of range at " + pos);
          }
          return (int) result;
        }
      }
      throw new IllegalArgumentException("LEB128 too long at " + pos);
    }

    String name() {
      int length = u32();
      if (length < 0 || pos + length > bytes.length) {
        throw new IllegalArgumentException("name runs past the end at " + pos);
      }
      String name = new String(bytes, pos, length, StandardCharsets.UTF_8);
      pos += length;
      return name;
    }

    void skipImportDescriptor() {
      int kind = u8();
      switch (kind) {
        case 0 -> u32(); // function: type index
        case 1 -> { // table: reftype, limits
          u8();
          skipLimits();
        }
        case 2 -> skipLimits(); // memory
        case 3 -> { // global: valtype, mutability
          u8();
          u8();
        }
        default -> throw new IllegalArgumentException("unknown import kind " + kind);
      }
    }

    private void skipLimits() {
      int flags = u8();
      u32();
      if ((flags & 1) != 0) {
        u32();
      }
    }
  }
}
