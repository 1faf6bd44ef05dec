package dev.terrarium.abi.guest;

import dev.terrarium.abi.model.AbiType;
import dev.terrarium.abi.model.EnumModel;
import dev.terrarium.abi.model.FunctionModel;
import dev.terrarium.abi.model.InterfaceModel;
import dev.terrarium.abi.model.InterfaceModel.Kind;
import dev.terrarium.abi.model.Names;
import dev.terrarium.abi.model.ParamModel;
import dev.terrarium.abi.model.RecordModel;
import dev.terrarium.abi.model.RecordModel.Component;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Interface models built by hand, as the processor would build them: the samples' {@code Greeter} and {@code
 * KeyValueStore}, and two "kitchen sink" interfaces (exports and imports) that use every ABI type in every position.
 */
final class GuestModels {
  private GuestModels() {}

  static final String SAMPLES = "dev.terrarium.samples.abi";
  static final String SINK = "com.example.sink";

  // --- types ---------------------------------------------------------------------------------

  static final AbiType INT = new AbiType.Primitive(AbiType.PrimitiveKind.INT);
  static final AbiType LONG = new AbiType.Primitive(AbiType.PrimitiveKind.LONG);
  static final AbiType FLOAT = new AbiType.Primitive(AbiType.PrimitiveKind.FLOAT);
  static final AbiType DOUBLE = new AbiType.Primitive(AbiType.PrimitiveKind.DOUBLE);
  static final AbiType BOOLEAN = new AbiType.Primitive(AbiType.PrimitiveKind.BOOLEAN);
  static final AbiType STRING = new AbiType.Str();
  static final AbiType BYTES = new AbiType.Bytes();
  static final AbiType VOID = new AbiType.Void();

  static AbiType list(AbiType element) {
    return new AbiType.ListType(element);
  }

  static AbiType optional(AbiType inner) {
    return new AbiType.OptionalType(inner);
  }

  static AbiType of(RecordModel r) {
    return new AbiType.RecordType(r);
  }

  static AbiType of(EnumModel e) {
    return new AbiType.EnumType(e);
  }

  static Component c(String name, AbiType type) {
    return new Component(name, type);
  }

  static RecordModel record(String pkg, String name, Component... components) {
    return RecordModel.layout(pkg + "." + name, name, List.of(components));
  }

  static ParamModel p(String name, AbiType type) {
    return new ParamModel(name, Names.snakeCase(name), type);
  }

  static FunctionModel fn(String prefix, String name, AbiType result, ParamModel... params) {
    return new FunctionModel(name, prefix + Names.snakeCase(name), List.of(params), result, false);
  }

  static FunctionModel fallible(String prefix, String name, AbiType result, ParamModel... params) {
    return new FunctionModel(name, prefix + Names.snakeCase(name), List.of(params), result, true);
  }

  // --- the samples ------------------------------------------------------------------------------

  static final EnumModel MODE = new EnumModel(SAMPLES + ".Mode", "Mode", List.of("WORDS", "LINES", "BYTES"));
  static final RecordModel ENTRY =
      record(SAMPLES, "Entry", c("key", STRING), c("value", STRING), c("version", LONG));
  static final RecordModel OPTIONS =
      record(
          SAMPLES,
          "Options",
          c("caseSensitive", BOOLEAN),
          c("maxWords", INT),
          c("mode", of(MODE)),
          c("language", optional(STRING)));
  static final RecordModel STATS = record(SAMPLES, "Stats", c("averageWordLength", DOUBLE), c("uniqueRatio", FLOAT));
  static final RecordModel SUMMARY =
      record(
          SAMPLES,
          "Summary",
          c("words", INT),
          c("lines", INT),
          c("bytes", LONG),
          c("topWords", list(STRING)),
          c("stats", of(STATS)));
  static final RecordModel SAMPLE =
      record(
          SAMPLES,
          "Sample",
          c("id", INT),
          c("timestamp", LONG),
          c("score", DOUBLE),
          c("active", BOOLEAN),
          c("label", STRING));

  static InterfaceModel greeter() {
    String x = "";
    return new InterfaceModel(
        Kind.PLUGIN_EXPORTS,
        SAMPLES,
        "Greeter",
        "Greeter",
        SAMPLES + ".Greeter",
        null,
        "",
        List.of(
            fn(x, "greet", STRING, p("name", STRING)),
            fallible(x, "summarize", of(SUMMARY), p("document", BYTES), p("options", of(OPTIONS))),
            fn(x, "echo", STRING, p("text", STRING)),
            fn(x, "echoBytes", BYTES, p("data", BYTES)),
            fn(x, "echoSample", of(SAMPLE), p("sample", of(SAMPLE))),
            fn(x, "noop", VOID),
            fn(x, "collect", list(of(ENTRY)), p("prefix", STRING)),
            fn(x, "lookup", optional(STRING), p("key", STRING)),
            fallible(x, "store", VOID, p("key", STRING), p("value", STRING)),
            fn(x, "count", LONG, p("delta", INT), p("times", INT))),
        List.of(STATS, SUMMARY, OPTIONS, SAMPLE, ENTRY),
        List.of(MODE));
  }

  static InterfaceModel keyValueStore() {
    String x = "";
    return new InterfaceModel(
        Kind.HOST_IMPORTS,
        SAMPLES,
        "KeyValueStore",
        "KeyValueStore",
        SAMPLES + ".KeyValueStore",
        "kv",
        "",
        List.of(
            fn(x, "get", optional(STRING), p("key", STRING)),
            fallible(x, "put", VOID, p("key", STRING), p("value", STRING)),
            fn(x, "scan", list(of(ENTRY)), p("prefix", STRING)),
            fn(x, "add", LONG, p("delta", INT))),
        List.of(ENTRY),
        List.of());
  }

  // --- the kitchen sink ---------------------------------------------------------------------------

  static final EnumModel COLOR = new EnumModel(SINK + ".Color", "Color", List.of("RED", "GREEN", "BLUE"));
  static final EnumModel SHAPE_KIND =
      new EnumModel(SINK + ".Shape.Kind", "Kind", List.of("NONE", "BIG_BOX", "smallBox", "Self"));
  static final RecordModel POINT = record(SINK, "Point", c("x", FLOAT), c("y", FLOAT));
  static final RecordModel EMPTY = record(SINK, "Empty");
  /** Named like Rust's prelude type, to check that the Rust module then qualifies std's names. */
  static final RecordModel RESULT = record(SINK, "Result", c("code", INT), c("ok", BOOLEAN));
  static final RecordModel NODE = node();
  static final RecordModel SHAPE =
      record(
          SINK,
          "Shape",
          c("kind", of(SHAPE_KIND)),
          c("origin", of(POINT)),
          c("points", list(of(POINT))),
          c("tags", list(optional(STRING))),
          c("grid", list(list(STRING))),
          c("colors", list(of(COLOR))),
          c("flags", list(BOOLEAN)),
          c("center", optional(of(POINT))),
          c("chunks", list(BYTES)),
          c("maybePoints", list(optional(of(POINT)))),
          c("longs", list(LONG)),
          c("doubles", list(DOUBLE)),
          c("floats", list(FLOAT)),
          c("ints", list(INT)),
          c("label", optional(STRING)),
          c("blob", optional(BYTES)),
          c("maybeInts", optional(list(INT))),
          c("empty", of(EMPTY)),
          c("match", BOOLEAN),
          c("struct", DOUBLE));

  /** A record with optional and list-of record fields (the processor rejects recursive records). */
  private static RecordModel node() {
    return record(
        SINK,
        "Node",
        c("name", STRING),
        c("next", optional(of(POINT))),
        c("children", list(of(RESULT))),
        c("parent", optional(of(RESULT))));
  }

  static InterfaceModel sinkExports() {
    String x = "ks_";
    return new InterfaceModel(
        Kind.PLUGIN_EXPORTS,
        SINK,
        "KitchenSink",
        "Outer_KitchenSink",
        SINK + ".Outer.KitchenSink",
        null,
        x,
        List.of(
            fn(x, "addInts", INT, p("a", INT), p("b", INT)),
            fn(x, "addLongs", LONG, p("a", LONG), p("b", LONG)),
            fn(x, "half", FLOAT, p("x", FLOAT)),
            fn(x, "twice", DOUBLE, p("x", DOUBLE)),
            fn(x, "not", BOOLEAN, p("b", BOOLEAN)),
            fn(x, "next", of(COLOR), p("c", of(COLOR))),
            fn(x, "concat", STRING, p("a", STRING), p("b", optional(STRING))),
            fn(x, "reverse", BYTES, p("data", BYTES)),
            fn(x, "maybeBytes", optional(BYTES), p("data", optional(BYTES))),
            fallible(x, "transform", of(SHAPE), p("shape", of(SHAPE)), p("offset", optional(of(POINT)))),
            fn(x, "find", optional(of(NODE)), p("root", of(NODE)), p("name", STRING)),
            fn(x, "flatten", list(of(NODE)), p("root", optional(of(NODE)))),
            fn(x, "empty", of(EMPTY), p("e", of(EMPTY))),
            fallible(x, "fail", VOID, p("code", INT)),
            fn(x, "weird", DOUBLE, p("match", BOOLEAN), p("err", INT), p("out", STRING), p("struct", LONG)),
            fn(x, "results", list(of(RESULT)), p("ids", list(LONG))),
            fallible(x, "maybeFloat", FLOAT, p("p", optional(of(POINT)))),
            fn(x, "lists", list(list(optional(STRING))), p("grid", list(list(optional(STRING))))),
            fn(x, "colors", list(of(COLOR)), p("colors", list(of(COLOR))), p("flags", list(BOOLEAN)))),
        List.of(POINT, EMPTY, SHAPE, NODE, RESULT),
        List.of(COLOR, SHAPE_KIND));
  }

  static InterfaceModel sinkImports() {
    String x = "";
    return new InterfaceModel(
        Kind.HOST_IMPORTS,
        SINK,
        "Sink",
        "Sink",
        SINK + ".Sink",
        "sink",
        "",
        List.of(
            fn(x, "ping", VOID),
            fn(x, "log", VOID, p("message", STRING)),
            fn(x, "get", optional(STRING), p("key", STRING)),
            fallible(x, "roundTrip", of(SHAPE), p("shape", of(SHAPE))),
            fn(x, "find", optional(of(NODE)), p("root", of(NODE)), p("name", optional(STRING))),
            fn(x, "children", list(of(NODE)), p("nodes", list(of(NODE))), p("parent", optional(of(NODE)))),
            fn(x, "bytes", BYTES, p("b", BYTES), p("extra", optional(BYTES))),
            fn(x, "flag", BOOLEAN, p("b", BOOLEAN), p("c", of(COLOR))),
            fn(x, "color", of(COLOR), p("cs", list(of(COLOR)))),
            fn(
                x,
                "sum",
                DOUBLE,
                p("xs", list(LONG)),
                p("ys", list(INT)),
                p("fs", list(FLOAT)),
                p("ds", list(DOUBLE)),
                p("bs", list(BOOLEAN))),
            fallible(x, "half", FLOAT, p("x", FLOAT)),
            fallible(x, "fail", VOID, p("code", INT)),
            fn(x, "empty", of(EMPTY), p("e", optional(of(EMPTY)))),
            fn(x, "result", optional(of(RESULT)), p("grid", list(list(STRING))), p("blobs", list(optional(BYTES)))),
            fn(x, "wide", LONG, p("a", INT), p("b", LONG), p("c", FLOAT), p("d", DOUBLE), p("e", BOOLEAN)),
            fn(x, "shadow", INT, p("s", of(POINT)), p("x0", list(of(POINT))), p("trRaw", optional(of(POINT))))),
        List.of(POINT, EMPTY, SHAPE, NODE, RESULT),
        List.of(COLOR, SHAPE_KIND));
  }

  /** Every model, by the base name of its golden files. */
  static Map<String, InterfaceModel> all() {
    java.util.LinkedHashMap<String, InterfaceModel> m = new java.util.LinkedHashMap<>();
    m.put("greeter", greeter());
    m.put("key_value_store", keyValueStore());
    m.put("outer_kitchen_sink", sinkExports());
    m.put("sink", sinkImports());
    return m;
  }

  static List<String> names() {
    return new ArrayList<>(all().keySet());
  }
}
