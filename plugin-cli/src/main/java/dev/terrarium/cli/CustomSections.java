package dev.terrarium.cli;

import dev.terrarium.api.MalformedModuleException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads, replaces and removes custom sections of a WebAssembly binary (section id 0: a LEB128 name length, the
 * UTF-8 name, then the content), leaving every other byte as it was. Only the section framing is checked (the
 * header, each section's id and LEB128 size, each custom section's name); the rest of the module is not decoded.
 * A framing error is a {@link MalformedModuleException} saying where it is.
 */
final class CustomSections {
  private static final byte[] HEADER = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};

  private CustomSections() {}

  /**
   * A section of the module: {@code [start, end)} spans the id byte, the size and the payload.
   *
   * @param name the custom section's name, or {@code null} for a section that is not custom
   * @param contentStart where a custom section's content starts (after its name)
   */
  record Section(int id, int start, int end, String name, int contentStart) {}

  /** Returns the module's sections in order, checking the header and the framing of every section. */
  static List<Section> sections(byte[] module) {
    if (module.length < 4 || !startsWith(module, HEADER, 4)) {
      throw malformed("it does not start with the WebAssembly magic bytes \\0asm");
    }
    if (module.length < 8) {
      throw malformed("it is truncated inside its 8-byte header (" + module.length + " bytes)");
    }
    if (!startsWith(module, HEADER, 8)) {
      throw malformed(
          "its binary version is " + Integer.toUnsignedString(ByteBuffer.wrap(module, 4, 4).order(
              java.nio.ByteOrder.LITTLE_ENDIAN).getInt()) + ", not 1 (only core WebAssembly modules can be edited)");
    }
    List<Section> sections = new ArrayList<>();
    int at = 8;
    while (at < module.length) {
      int start = at;
      int id = module[at++] & 0xff;
      if (id > 13) {
        throw malformed("byte " + start + " starts a section with id " + id + ", which does not exist");
      }
      long[] size = leb(module, at, "the size of the section at byte " + start);
      at = (int) size[1];
      long end = at + size[0];
      if (end > module.length) {
        throw malformed(
            "the section at byte " + start + " claims " + size[0] + " bytes but only " + (module.length - at)
                + " remain: the file is truncated");
      }
      String name = null;
      int contentStart = at;
      if (id == 0) {
        long[] length = leb(module, at, "the name length of the custom section at byte " + start);
        long nameEnd = length[1] + length[0];
        if (nameEnd > end) {
          throw malformed("the custom section at byte " + start + " has a name longer than the section");
        }
        name = utf8(module, (int) length[1], (int) length[0], start);
        contentStart = (int) nameEnd;
      }
      sections.add(new Section(id, start, (int) end, name, contentStart));
      at = (int) end;
    }
    return sections;
  }

  /**
   * Returns the content of the first custom section named {@code name}, if any.
   *
   * @throws MalformedModuleException when the module's framing is broken
   */
  static Optional<byte[]> find(byte[] module, String name) {
    for (Section s : sections(module)) {
      if (name.equals(s.name())) {
        return Optional.of(java.util.Arrays.copyOfRange(module, s.contentStart(), s.end()));
      }
    }
    return Optional.empty();
  }

  /** Returns the contents of every custom section named {@code name}, in order. */
  static List<byte[]> findAll(byte[] module, String name) {
    List<byte[]> out = new ArrayList<>();
    for (Section s : sections(module)) {
      if (name.equals(s.name())) {
        out.add(java.util.Arrays.copyOfRange(module, s.contentStart(), s.end()));
      }
    }
    return out;
  }

  /** Returns the module without any custom section named {@code name} (the same bytes when it has none). */
  static byte[] remove(byte[] module, String name) {
    return rewrite(module, name, null);
  }

  /**
   * Returns the module with exactly one custom section named {@code name} holding {@code content}: in place of the
   * first such section, whose duplicates are removed, or else appended at the end.
   */
  static byte[] replace(byte[] module, String name, byte[] content) {
    return rewrite(module, name, section(name, content));
  }

  /** Returns the module with one more custom section named {@code name} at its end (existing ones stay). */
  static byte[] append(byte[] module, String name, byte[] content) {
    sections(module);
    ByteArrayOutputStream out = new ByteArrayOutputStream(module.length + content.length + name.length() + 12);
    out.writeBytes(module);
    out.writeBytes(section(name, content));
    return out.toByteArray();
  }

  private static byte[] rewrite(byte[] module, String name, byte[] replacement) {
    List<Section> sections = sections(module);
    ByteArrayOutputStream out = new ByteArrayOutputStream(module.length + (replacement == null ? 0 : replacement.length));
    out.write(module, 0, 8);
    boolean placed = false;
    for (Section s : sections) {
      if (name.equals(s.name())) {
        if (replacement != null && !placed) {
          out.writeBytes(replacement);
          placed = true;
        }
        continue;
      }
      out.write(module, s.start(), s.end() - s.start());
    }
    if (replacement != null && !placed) {
      out.writeBytes(replacement);
    }
    return out.toByteArray();
  }

  /** Encodes a whole custom section: id 0, payload size, name length, name, content. */
  static byte[] section(String name, byte[] content) {
    byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream payload = new ByteArrayOutputStream();
    writeLeb(payload, nameBytes.length);
    payload.writeBytes(nameBytes);
    payload.writeBytes(content);
    long size = payload.size();
    if (size > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("a custom section of " + size + " bytes does not fit a wasm section");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(payload.size() + 6);
    out.write(0);
    writeLeb(out, size);
    out.writeBytes(payload.toByteArray());
    return out.toByteArray();
  }

  private static void writeLeb(ByteArrayOutputStream out, long value) {
    long v = value;
    do {
      int b = (int) (v & 0x7f);
      v >>>= 7;
      out.write(v == 0 ? b : b | 0x80);
    } while (v != 0);
  }

  /** Decodes an unsigned LEB128 u32 at {@code at}; returns {value, the offset after it}. */
  private static long[] leb(byte[] bytes, int at, String what) {
    long value = 0;
    for (int i = 0; i < 5; i++) {
      if (at + i >= bytes.length) {
        throw malformed(what + " is cut off by the end of the file: the file is truncated");
      }
      int b = bytes[at + i] & 0xff;
      value |= (long) (b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) {
        if (i == 4 && (b & 0x70) != 0) {
          throw malformed(what + " (at byte " + at + ") is a LEB128 number larger than 32 bits");
        }
        return new long[] {value, at + i + 1};
      }
    }
    throw malformed(what + " (at byte " + at + ") is a LEB128 number longer than 5 bytes");
  }

  private static String utf8(byte[] bytes, int at, int length, int sectionStart) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes, at, length))
          .toString();
    } catch (CharacterCodingException e) {
      throw malformed("the name of the custom section at byte " + sectionStart + " is not valid UTF-8");
    }
  }

  private static boolean startsWith(byte[] bytes, byte[] prefix, int length) {
    for (int i = 0; i < length; i++) {
      if (bytes[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static MalformedModuleException malformed(String reason) {
    return new MalformedModuleException(null, reason, null);
  }
}
