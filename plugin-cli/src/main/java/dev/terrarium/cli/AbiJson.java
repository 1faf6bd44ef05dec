package dev.terrarium.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.terrarium.api.WasmType;
import dev.terrarium.api.abi.AbiReader;
import dev.terrarium.api.abi.AbiWriter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Terrarium ABI (docs/abi.md) driven by a JSON descriptor instead of generated code: converts JSON to ABI
 * values and writes them into guest memory, and reads ABI values from guest memory as JSON. Memory access, bounds
 * checks, allocation and ownership are {@link AbiWriter}'s and {@link AbiReader}'s, the runtime layer generated
 * bindings call; this class only walks the types.
 *
 * <p>JSON forms: numbers for {@code int}, {@code long}, {@code float}, {@code double} (also {@code "NaN"}, {@code
 * "Infinity"}, {@code "-Infinity"}); {@code true}/{@code false}; an enum constant's name as a string; strings;
 * {@code byte[]} as a base64 string; lists as arrays; records as objects with the record's component names;
 * {@code null} for an absent {@code Optional} (an absent optional component may also be left out).
 */
final class AbiJson {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private AbiJson() {}

  /** A type as the ABI sees it, resolved from a descriptor's type names. */
  sealed interface Type permits Num, EnumType, Str, Bytes, ListType, Record, Opt, Void {
    /** Size inside a struct or list. */
    int size();

    /** Alignment inside a struct or list. */
    int align();

    /** The descriptor's name of the type, e.g. {@code List<Entry>}. */
    String describe();

    /** The wasm parameters the type flattens to. */
    default List<WasmType> wasmParams() {
      if (this instanceof Num n) {
        return List.of(n.wasm());
      } else if (this instanceof EnumType || this instanceof Record) {
        return List.of(WasmType.I32);
      } else if (this instanceof Opt o) {
        return o.inner().wasmParams();
      } else if (this instanceof Void) {
        return List.of();
      }
      return List.of(WasmType.I32, WasmType.I32);
    }

    /** The wasm results the type returns as. */
    default List<WasmType> wasmResults() {
      if (this instanceof Num n) {
        return List.of(n.wasm());
      } else if (this instanceof EnumType) {
        return List.of(WasmType.I32);
      } else if (this instanceof Void) {
        return List.of();
      }
      return List.of(WasmType.I64);
    }
  }

  /** The number kinds. */
  enum NumKind {
    INT("int", WasmType.I32, 4),
    LONG("long", WasmType.I64, 8),
    FLOAT("float", WasmType.F32, 4),
    DOUBLE("double", WasmType.F64, 8),
    BOOLEAN("boolean", WasmType.I32, 4);

    final String javaName;
    final WasmType wasm;
    final int size;

    NumKind(String javaName, WasmType wasm, int size) {
      this.javaName = javaName;
      this.wasm = wasm;
      this.size = size;
    }
  }

  record Num(NumKind kind) implements Type {
    WasmType wasm() {
      return kind.wasm;
    }

    @Override
    public int size() {
      return kind.size;
    }

    @Override
    public int align() {
      return kind.size;
    }

    @Override
    public String describe() {
      return kind.javaName;
    }
  }

  record EnumType(String name, List<String> constants) implements Type {
    EnumType {
      constants = List.copyOf(constants);
    }

    @Override
    public int size() {
      return 4;
    }

    @Override
    public int align() {
      return 4;
    }

    @Override
    public String describe() {
      return name;
    }
  }

  record Str() implements Type {
    @Override
    public int size() {
      return 8;
    }

    @Override
    public int align() {
      return 4;
    }

    @Override
    public String describe() {
      return "String";
    }
  }

  record Bytes() implements Type {
    @Override
    public int size() {
      return 8;
    }

    @Override
    public int align() {
      return 4;
    }

    @Override
    public String describe() {
      return "byte[]";
    }
  }

  record ListType(Type element) implements Type {
    @Override
    public int size() {
      return 8;
    }

    @Override
    public int align() {
      return 4;
    }

    @Override
    public String describe() {
      return "List<" + element.describe() + ">";
    }
  }

  /** A record component at its offset in the struct. */
  record Field(String name, Type type, int offset) {}

  record Record(String name, List<Field> fields, int size, int align) implements Type {
    Record {
      fields = List.copyOf(fields);
    }

    @Override
    public String describe() {
      return name;
    }
  }

  /** {@code Optional<T>}: pairs use the absent value {@code (0, 0xFFFFFFFF)}; a record is a pointer, 0 absent. */
  record Opt(Type inner) implements Type {
    @Override
    public int size() {
      return inner instanceof Record ? 4 : inner.size();
    }

    @Override
    public int align() {
      return 4;
    }

    @Override
    public String describe() {
      return "Optional<" + inner.describe() + ">";
    }
  }

  record Void() implements Type {
    @Override
    public int size() {
      return 0;
    }

    @Override
    public int align() {
      return 1;
    }

    @Override
    public String describe() {
      return "void";
    }
  }

  /** A JSON value that does not fit its type: says where and what was expected. */
  static final class BadValueException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadValueException(String message) {
      super(message);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // JSON -> checked Java values (no guest involved): numbers as Long/Double raw bits, enums as Integer ordinals,
  // String, byte[], List<Object>, Map<String, Object> in field order, null for absent.

  /** Checks {@code json} against {@code type} and converts it; {@code what} names it in messages. */
  static Object convert(Type type, JsonNode json, String what) {
    if (json == null || json.isMissingNode()) {
      throw bad(what, type, "nothing");
    }
    if (json.isNull() && !(type instanceof Opt) && !(type instanceof Void)) {
      throw new BadValueException(what + " is a " + type.describe() + ", which cannot be null (only Optional values can)");
    }
    if (type instanceof Num n) {
      return number(n.kind(), json, what);
    } else if (type instanceof EnumType e) {
      if (!json.isTextual() || !e.constants().contains(json.asText())) {
        throw new BadValueException(
            what + " is the enum " + e.name() + ": give one of " + quoted(e.constants()) + ", not " + json);
      }
      return e.constants().indexOf(json.asText());
    } else if (type instanceof Str) {
      if (!json.isTextual()) {
        throw bad(what, type, json.toString());
      }
      return json.asText();
    } else if (type instanceof Bytes) {
      if (!json.isTextual()) {
        throw new BadValueException(what + " is a byte[]: give it as a base64 string, not " + json);
      }
      try {
        return Base64.getDecoder().decode(json.asText());
      } catch (IllegalArgumentException ex) {
        throw new BadValueException(what + " is a byte[] but " + json + " is not base64: " + ex.getMessage());
      }
    } else if (type instanceof ListType l) {
      if (!json.isArray()) {
        throw bad(what, type, json.toString());
      }
      List<Object> out = new ArrayList<>(json.size());
      for (int i = 0; i < json.size(); i++) {
        out.add(convert(l.element(), json.get(i), what + "[" + i + "]"));
      }
      return out;
    } else if (type instanceof Record r) {
      return record(r, json, what);
    } else if (type instanceof Opt o) {
      return json.isNull() ? null : convert(o.inner(), json, what);
    }
    if (!json.isNull()) {
      throw new BadValueException(what + " is void: give null, not " + json);
    }
    return null;
  }

  private static Map<String, Object> record(Record r, JsonNode json, String what) {
    if (!json.isObject()) {
      throw new BadValueException(
          what + " is the record " + r.name() + ": give an object with " + fieldList(r) + ", not " + json);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    for (Field f : r.fields()) {
      JsonNode v = json.get(f.name());
      if (v == null) {
        if (!(f.type() instanceof Opt)) {
          throw new BadValueException(
              what + " (record " + r.name() + ") lacks \"" + f.name() + "\": give " + fieldList(r));
        }
        v = NODES.nullNode();
      }
      out.put(f.name(), convert(f.type(), v, what + "." + f.name()));
    }
    for (Iterator<String> names = json.fieldNames(); names.hasNext(); ) {
      String name = names.next();
      if (r.fields().stream().noneMatch(f -> f.name().equals(name))) {
        throw new BadValueException(
            what + " (record " + r.name() + ") has no component \"" + name + "\"; it has " + fieldList(r));
      }
    }
    return out;
  }

  private static Object number(NumKind kind, JsonNode json, String what) {
    switch (kind) {
      case BOOLEAN -> {
        if (!json.isBoolean()) {
          throw new BadValueException(what + " is a boolean: give true or false, not " + json);
        }
        return json.asBoolean() ? 1L : 0L;
      }
      case INT, LONG -> {
        if (!json.isIntegralNumber()
            || (kind == NumKind.INT ? !json.canConvertToInt() : !json.canConvertToLong())) {
          throw new BadValueException(
              what + " is an " + kind.javaName + ": give a whole number "
                  + (kind == NumKind.INT ? "from -2147483648 to 2147483647" : "that fits 64 bits") + ", not " + json);
        }
        return kind == NumKind.INT ? (long) json.intValue() : json.longValue();
      }
      default -> {
        double d;
        if (json.isNumber()) {
          d = json.doubleValue();
        } else if (json.isTextual() && List.of("NaN", "Infinity", "-Infinity").contains(json.asText())) {
          d = Double.parseDouble(json.asText());
        } else {
          throw new BadValueException(
              what + " is a " + kind.javaName + ": give a number (or \"NaN\", \"Infinity\", \"-Infinity\"), not "
                  + json);
        }
        return kind == NumKind.FLOAT
            ? WasmType.F32.encode((float) d)
            : WasmType.F64.encode(d);
      }
    }
  }

  private static BadValueException bad(String what, Type type, String actual) {
    return new BadValueException(what + " is a " + type.describe() + ", not " + actual);
  }

  private static String fieldList(Record r) {
    List<String> names = new ArrayList<>();
    for (Field f : r.fields()) {
      names.add("\"" + f.name() + "\" (" + f.type().describe() + ")");
    }
    return String.join(", ", names);
  }

  private static String quoted(List<String> names) {
    return String.join(", ", names.stream().map(n -> "\"" + n + "\"").toList());
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Checked values -> guest memory

  /** Appends the wasm arguments of a converted value passed as a parameter. */
  static void writeParam(AbiWriter w, Type type, Object value, String what, List<Long> args) {
    if (type instanceof Num) {
      args.add((Long) value);
    } else if (type instanceof EnumType) {
      args.add((long) (Integer) value);
    } else if (type instanceof Record r) {
      args.add((long) allocRecord(w, r, value, what));
    } else if (type instanceof Opt o && o.inner() instanceof Record r) {
      args.add(value == null ? 0L : (long) allocRecord(w, r, value, what));
    } else if (!(type instanceof Void)) {
      long packed = writePacked(w, type, value, what);
      args.add((long) AbiReader.pointer(packed));
      args.add((long) AbiReader.length(packed));
    }
  }

  /** Returns the wasm result of a converted value returned by a host import. */
  static long[] writeResult(AbiWriter w, Type type, Object value, String what) {
    if (type instanceof Void) {
      return new long[0];
    } else if (type instanceof Num) {
      return new long[] {(Long) value};
    } else if (type instanceof EnumType) {
      return new long[] {(long) (Integer) value};
    } else if (type instanceof Record r) {
      return new long[] {AbiWriter.pack(allocRecord(w, r, value, what), r.size())};
    } else if (type instanceof Opt o && o.inner() instanceof Record r) {
      return new long[] {value == null ? AbiWriter.ABSENT : AbiWriter.pack(allocRecord(w, r, value, what), r.size())};
    }
    return new long[] {writePacked(w, type, value, what)};
  }

  /** Writes a string, byte array, list or optional of them; returns it packed. */
  private static long writePacked(AbiWriter w, Type type, Object value, String what) {
    if (type instanceof Str) {
      return w.string((String) value, what);
    } else if (type instanceof Bytes) {
      return w.bytes((byte[]) value, what);
    } else if (type instanceof ListType l) {
      List<?> list = (List<?>) value;
      int size = l.element().size();
      int base = w.list(list.size(), size, what);
      for (int i = 0; i < list.size(); i++) {
        writeInline(w, l.element(), base + i * size, list.get(i), what + "[" + i + "]");
      }
      return AbiWriter.pack(base, list.size());
    } else if (type instanceof Opt o) {
      return value == null ? AbiWriter.ABSENT : writePacked(w, o.inner(), value, what);
    }
    throw new IllegalStateException(type.describe() + " is not passed as (ptr, len)");
  }

  private static int allocRecord(AbiWriter w, Record r, Object value, String what) {
    int pointer = w.record(r.size(), what);
    writeInline(w, r, pointer, value, what);
    return pointer;
  }

  /** Writes a converted value at {@code address} in its struct or list-element layout. */
  private static void writeInline(AbiWriter w, Type type, int address, Object value, String what) {
    if (type instanceof Num n) {
      long raw = (Long) value;
      if (n.size() == 8) {
        w.i64(address, raw);
      } else {
        w.i32(address, (int) raw);
      }
    } else if (type instanceof EnumType) {
      w.i32(address, (Integer) value);
    } else if (type instanceof Record r) {
      @SuppressWarnings("unchecked")
      Map<String, Object> fields = (Map<String, Object>) value;
      for (Field f : r.fields()) {
        writeInline(w, f.type(), address + f.offset(), fields.get(f.name()), what + "." + f.name());
      }
    } else if (type instanceof Opt o && o.inner() instanceof Record r) {
      w.i32(address, value == null ? 0 : allocRecord(w, r, value, what));
    } else if (!(type instanceof Void)) {
      w.pair(address, writePacked(w, type, value, what));
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Guest memory -> JSON

  /**
   * Reads a parameter from its wasm arguments starting at {@code args[index]} (a host import's arguments, borrowed);
   * returns the JSON and how many arguments it used.
   */
  static JsonNode readParam(AbiReader r, Type type, long[] args, int index, String what) {
    if (type instanceof Num n) {
      return fromRaw(r, n.kind(), args[index], what);
    } else if (type instanceof EnumType e) {
      return enumNode(r, e, (int) args[index], what);
    } else if (type instanceof Record rec) {
      return readInline(r, rec, r.record((int) args[index], rec.size(), what), what);
    } else if (type instanceof Opt o && o.inner() instanceof Record rec) {
      return (int) args[index] == 0
          ? NODES.nullNode()
          : readInline(r, rec, r.record((int) args[index], rec.size(), what), what);
    } else if (type instanceof Void) {
      return NODES.nullNode();
    }
    return readPair(r, type, (int) args[index], (int) args[index + 1], what);
  }

  /** Reads an export's result (owned by the host: the reader must be owning, and the caller frees it). */
  static JsonNode readResult(AbiReader r, Type type, long[] results, String what) {
    if (type instanceof Void) {
      return NODES.nullNode();
    } else if (type instanceof Num n) {
      return fromRaw(r, n.kind(), results[0], what);
    } else if (type instanceof EnumType e) {
      return enumNode(r, e, (int) results[0], what);
    } else if (type instanceof Record rec) {
      return readInline(r, rec, recordResult(r, results[0], rec, what), what);
    } else if (type instanceof Opt o && o.inner() instanceof Record rec) {
      return AbiReader.pointer(results[0]) == 0
          ? NODES.nullNode()
          : readInline(r, rec, recordResult(r, results[0], rec, what), what);
    }
    return readPair(r, type, AbiReader.pointer(results[0]), AbiReader.length(results[0]), what);
  }

  private static int recordResult(AbiReader r, long packed, Record rec, String what) {
    if (AbiReader.length(packed) != rec.size()) {
      throw r.violation(
          what + " is a struct of " + rec.size() + " bytes but the guest returned it with size "
              + Integer.toUnsignedString(AbiReader.length(packed)));
    }
    return r.record(AbiReader.pointer(packed), rec.size(), what);
  }

  private static JsonNode readPair(AbiReader r, Type type, int pointer, int length, String what) {
    if (type instanceof Str) {
      return NODES.textNode(r.string(pointer, length, what));
    } else if (type instanceof Bytes) {
      return NODES.textNode(Base64.getEncoder().encodeToString(r.bytes(pointer, length, what)));
    } else if (type instanceof ListType l) {
      int size = l.element().size();
      int base = r.list(pointer, length, size, what);
      ArrayNode array = NODES.arrayNode();
      for (int i = 0; i < length; i++) {
        array.add(readInline(r, l.element(), base + i * size, what + "[" + i + "]"));
      }
      return array;
    } else if (type instanceof Opt o) {
      return r.absent(pointer, length, what) ? NODES.nullNode() : readPair(r, o.inner(), pointer, length, what);
    }
    throw new IllegalStateException(type.describe() + " is not passed as (ptr, len)");
  }

  private static JsonNode readInline(AbiReader r, Type type, int address, String what) {
    if (type instanceof Num n) {
      return fromRaw(r, n.kind(), n.size() == 8 ? r.i64(address) : r.i32(address), what);
    } else if (type instanceof EnumType e) {
      return enumNode(r, e, r.i32(address), what);
    } else if (type instanceof Record rec) {
      ObjectNode object = NODES.objectNode();
      for (Field f : rec.fields()) {
        object.set(f.name(), readInline(r, f.type(), address + f.offset(), what + "." + f.name()));
      }
      return object;
    } else if (type instanceof Opt o && o.inner() instanceof Record rec) {
      int pointer = r.i32(address);
      return pointer == 0 ? NODES.nullNode() : readInline(r, rec, r.record(pointer, rec.size(), what), what);
    } else if (type instanceof Void) {
      return NODES.nullNode();
    }
    return readPair(r, type, r.i32(address), r.i32(address + 4), what);
  }

  private static JsonNode fromRaw(AbiReader r, NumKind kind, long raw, String what) {
    return switch (kind) {
      case INT -> NODES.numberNode((int) raw);
      case LONG -> NODES.numberNode(raw);
      case BOOLEAN -> NODES.booleanNode(r.bool((int) raw, what));
      case FLOAT -> floatNode(Float.intBitsToFloat((int) raw));
      case DOUBLE -> doubleNode(Double.longBitsToDouble(raw));
    };
  }

  private static JsonNode floatNode(float f) {
    return Float.isFinite(f) ? NODES.numberNode(f) : NODES.textNode(Float.toString(f));
  }

  private static JsonNode doubleNode(double d) {
    return Double.isFinite(d) ? NODES.numberNode(d) : NODES.textNode(Double.toString(d));
  }

  private static JsonNode enumNode(AbiReader r, EnumType e, int ordinal, String what) {
    return NODES.textNode(r.enumValue(e.constants().toArray(new String[0]), ordinal, what));
  }
}
