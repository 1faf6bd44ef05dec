package dev.terrarium.host.fuzz;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Test support: seeded mutations of WebAssembly binaries. Each strategy aims at a different layer of the loader:
 * raw byte edits at the decoder, LEB128 edits at number decoding, section edits at the module structure, and
 * splices between modules at the cross-references (type, function and memory indices) that validation checks.
 */
final class ModuleMutator {
  /** The kinds of mutation, chosen uniformly. */
  enum Kind {
    BYTES,
    LEB,
    DROP_SECTION,
    DUPLICATE_SECTION,
    SWAP_SECTIONS,
    TRUNCATE_SECTION,
    RESIZE_SECTION,
    SPLICE
  }

  private static final byte[] INTERESTING = {0x00, 0x01, 0x02, 0x7f, (byte) 0x80, (byte) 0xff, 0x40, 0x41, 0x0b, 0x6f, 0x70, 0x7b, (byte) 0xfd, (byte) 0xfc};

  private final Random random;

  ModuleMutator(Random random) {
    this.random = random;
  }

  /** A section of a binary module: its id byte and the bounds of its whole encoding and of its contents. */
  record Section(int id, int start, int contentStart, int end) {}

  /** Splits a binary module into sections; stops at the first one that does not decode. */
  static List<Section> sections(byte[] module) {
    List<Section> out = new ArrayList<>();
    int pos = 8;
    while (pos < module.length) {
      int start = pos;
      int id = module[pos++] & 0xff;
      long size = 0;
      int shift = 0;
      while (true) {
        if (pos >= module.length || shift > 28) {
          return out;
        }
        int b = module[pos++] & 0xff;
        size |= (long) (b & 0x7f) << shift;
        shift += 7;
        if ((b & 0x80) == 0) {
          break;
        }
      }
      if (size > module.length - pos) {
        return out;
      }
      out.add(new Section(id, start, pos, pos + (int) size));
      pos += (int) size;
    }
    return out;
  }

  /** Returns a mutation of {@code module} of the given kind; {@code other} is the partner of a splice. */
  byte[] mutate(byte[] module, byte[] other, Kind kind) {
    List<Section> sections = sections(module);
    if (sections.isEmpty() && kind != Kind.BYTES && kind != Kind.LEB) {
      kind = Kind.BYTES;
    }
    return switch (kind) {
      case BYTES -> bytes(module);
      case LEB -> leb(module);
      case DROP_SECTION -> {
        Section s = pick(sections);
        yield concat(slice(module, 0, s.start()), slice(module, s.end(), module.length));
      }
      case DUPLICATE_SECTION -> {
        Section s = pick(sections);
        yield concat(slice(module, 0, s.end()), slice(module, s.start(), module.length));
      }
      case SWAP_SECTIONS -> swap(module, sections);
      case TRUNCATE_SECTION -> {
        Section s = pick(sections);
        int keep = random.nextInt(s.end() - s.contentStart() + 1);
        yield concat(
            slice(module, 0, s.start()),
            section(s.id(), slice(module, s.contentStart(), s.contentStart() + keep)),
            slice(module, s.end(), module.length));
      }
      case RESIZE_SECTION -> {
        // Keep the contents, lie about their size.
        Section s = pick(sections);
        int size = Math.max(0, s.end() - s.contentStart() + random.nextInt(17) - 8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(s.id());
        writeU32(out, size);
        yield concat(slice(module, 0, s.start()), out.toByteArray(), slice(module, s.contentStart(), module.length));
      }
      case SPLICE -> splice(module, sections, other);
    };
  }

  private byte[] bytes(byte[] module) {
    byte[] out = module.clone();
    int edits = 1 + random.nextInt(8);
    for (int i = 0; i < edits; i++) {
      int at = 8 + random.nextInt(Math.max(1, out.length - 8));
      if (at >= out.length) {
        break;
      }
      switch (random.nextInt(5)) {
        case 0 -> out[at] ^= (byte) (1 << random.nextInt(8));
        case 1 -> out[at] = INTERESTING[random.nextInt(INTERESTING.length)];
        case 2 -> out = concat(slice(out, 0, at), randomBytes(1 + random.nextInt(8)), slice(out, at, out.length));
        case 3 -> out = concat(slice(out, 0, at), slice(out, Math.min(out.length, at + 1 + random.nextInt(16)), out.length));
        default -> {
          int len = Math.min(out.length - at, 1 + random.nextInt(32));
          out = concat(slice(out, 0, at + len), slice(out, at, at + len), slice(out, at + len, out.length));
        }
      }
    }
    return out;
  }

  /** Writes an extreme or overlong LEB128 number over a random position. */
  private byte[] leb(byte[] module) {
    int at = 8 + random.nextInt(Math.max(1, module.length - 8));
    if (at >= module.length) {
      return module.clone();
    }
    byte[] number =
        switch (random.nextInt(5)) {
          case 0 -> new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f}; // 2^32 - 1
          case 1 -> new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x00}; // too long
          case 2 -> new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f}; // unused bits set
          case 3 -> new byte[] {(byte) 0x80, 0x00}; // overlong zero
          default -> new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07}; // 2^24 - 1
        };
    int replaced = Math.min(module.length - at, random.nextInt(3));
    return concat(slice(module, 0, at), number, slice(module, at + replaced, module.length));
  }

  private byte[] swap(byte[] module, List<Section> sections) {
    if (sections.size() < 2) {
      return bytes(module);
    }
    int i = random.nextInt(sections.size() - 1);
    Section a = sections.get(i);
    Section b = sections.get(i + 1);
    return concat(
        slice(module, 0, a.start()),
        slice(module, b.start(), b.end()),
        slice(module, a.start(), a.end()),
        slice(module, b.end(), module.length));
  }

  /** Replaces a section of {@code module} with the same-id section of {@code other}, or inserts one it lacks. */
  private byte[] splice(byte[] module, List<Section> sections, byte[] other) {
    List<Section> theirs = sections(other);
    if (theirs.isEmpty()) {
      return bytes(module);
    }
    Section donor = pick(theirs);
    byte[] piece = slice(other, donor.start(), donor.end());
    for (Section s : sections) {
      if (s.id() == donor.id() && donor.id() != 0) {
        return concat(slice(module, 0, s.start()), piece, slice(module, s.end(), module.length));
      }
    }
    Section before = pick(sections);
    return concat(slice(module, 0, before.end()), piece, slice(module, before.end(), module.length));
  }

  private Section pick(List<Section> sections) {
    return sections.get(random.nextInt(sections.size()));
  }

  private byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private static byte[] section(int id, byte[] contents) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(id);
    writeU32(out, contents.length);
    out.writeBytes(contents);
    return out.toByteArray();
  }

  private static void writeU32(ByteArrayOutputStream out, int value) {
    long v = value & 0xffffffffL;
    do {
      int b = (int) (v & 0x7f);
      v >>>= 7;
      out.write(v == 0 ? b : b | 0x80);
    } while (v != 0);
  }

  private static byte[] slice(byte[] b, int from, int to) {
    return java.util.Arrays.copyOfRange(b, from, to);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
