package dev.terrarium.abi.support;

import dev.terrarium.abi.fixtures.Color;
import dev.terrarium.abi.fixtures.Item;
import dev.terrarium.abi.fixtures.Point;
import dev.terrarium.api.abi.AbiWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The guest's view of the fixture structs, written out by hand from {@code docs/abi.md} (independently of the
 * generated code): {@code Point} is 8 bytes, {@code Item} 72.
 */
public final class Structs {
  public static final int POINT_SIZE = 8;
  public static final int ITEM_SIZE = 72;

  private Structs() {}

  public static int writePoint(Sandbox s, Point p) {
    int at = s.alloc(POINT_SIZE);
    writePointAt(s, at, p);
    return at;
  }

  public static void writePointAt(Sandbox s, int at, Point p) {
    s.memory.writeInt(at, p.x());
    s.memory.writeInt(at + 4, p.y());
  }

  public static Point readPointAt(Sandbox s, int at) {
    return new Point(s.memory.readInt(at), s.memory.readInt(at + 4));
  }

  /** Writes an item into a new allocation, with its strings, list and optional point allocated separately. */
  public static int writeItem(Sandbox s, Item item) {
    int at = s.alloc(ITEM_SIZE);
    writeItemAt(s, at, item);
    return at;
  }

  public static void writeItemAt(Sandbox s, int at, Item item) {
    s.pair(at, s.putString(item.name()));
    s.memory.writeLong(at + 8, item.id());
    s.memory.writeFloat(at + 16, item.weight());
    s.memory.writeDouble(at + 24, item.price());
    s.memory.writeInt(at + 32, item.available() ? 1 : 0);
    s.memory.writeInt(at + 36, item.color().ordinal());
    writePointAt(s, at + 40, item.position());
    s.pair(at + 48, item.note().map(s::putString).orElse(AbiWriter.ABSENT));
    s.pair(at + 56, writeStrings(s, item.tags()));
    s.memory.writeInt(at + 64, item.origin().map(p -> writePoint(s, p)).orElse(0));
  }

  public static Item readItemAt(Sandbox s, int at) {
    long note = s.pairAt(at + 48);
    int origin = s.memory.readInt(at + 64);
    return new Item(
        s.stringAt(at),
        s.memory.readLong(at + 8),
        s.memory.readFloat(at + 16),
        s.memory.readDouble(at + 24),
        s.memory.readInt(at + 32) == 1,
        Color.values()[s.memory.readInt(at + 36)],
        readPointAt(s, at + 40),
        note == AbiWriter.ABSENT ? Optional.empty() : Optional.of(s.string(note)),
        readStrings(s, s.pairAt(at + 56)),
        origin == 0 ? Optional.empty() : Optional.of(readPointAt(s, origin)));
  }

  /** Writes a list of strings: an array of {@code (ptr, len)} pairs. Returns it packed {@code (ptr, count)}. */
  public static long writeStrings(Sandbox s, List<String> strings) {
    if (strings.isEmpty()) {
      return 0;
    }
    int array = s.alloc(8 * strings.size());
    for (int i = 0; i < strings.size(); i++) {
      s.pair(array + 8 * i, s.putString(strings.get(i)));
    }
    return AbiWriter.pack(array, strings.size());
  }

  public static List<String> readStrings(Sandbox s, long packed) {
    int array = (int) (packed >>> 32);
    int count = (int) packed;
    List<String> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(s.stringAt(array + 8 * i));
    }
    return out;
  }
}
