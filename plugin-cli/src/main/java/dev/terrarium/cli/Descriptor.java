package dev.terrarium.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.terrarium.api.WasmType;
import dev.terrarium.cli.AbiJson.Field;
import dev.terrarium.cli.AbiJson.NumKind;
import dev.terrarium.cli.AbiJson.Type;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An interface's JSON descriptor, as the annotation processor writes it ({@code META-INF/terrarium/<interface>.json},
 * see docs/abi.md), with its type names resolved. {@code terrarium call} reads descriptors from {@code --descriptor}
 * files and from the module's {@value #CUSTOM_SECTION} custom sections.
 *
 * @param source where it came from, for messages
 * @param interfaceVersion the interface's version (1 when the descriptor names none)
 */
record Descriptor(
    String source,
    String interfaceName,
    String simpleName,
    boolean exports,
    String module,
    int interfaceVersion,
    List<Function> functions) {

  /** The custom section that carries descriptors in a module: one descriptor (JSON object) per section. */
  static final String CUSTOM_SECTION = "terrarium.descriptor";

  /** The ABI version this CLI reads. */
  static final int ABI_VERSION = 1;


  Descriptor {
    functions = List.copyOf(functions);
  }

  /**
   * A function of the interface.
   *
   * @param optional whether plugins may lack it (a {@code default} method of a {@code @PluginExports} interface)
   */
  record Function(
      String javaName, String wasmName, List<Param> params, Type result, boolean fallible, boolean optional) {
    Function {
      params = List.copyOf(params);
    }

    /** The flattened wasm parameters, the error slot last when fallible. */
    List<WasmType> wasmParams() {
      List<WasmType> out = new ArrayList<>();
      for (Param p : params) {
        out.addAll(p.type().wasmParams());
      }
      if (fallible) {
        out.add(WasmType.I32);
      }
      return out;
    }

    List<WasmType> wasmResults() {
      return result.wasmResults();
    }

    /** Whether a call passes anything through guest memory (and so needs memory, alloc and dealloc). */
    boolean needsMemory() {
      return fallible || inMemory(result) || params.stream().anyMatch(p -> inMemory(p.type()));
    }

    private static boolean inMemory(Type t) {
      return !(t instanceof AbiJson.Num || t instanceof AbiJson.EnumType || t instanceof AbiJson.Void);
    }

    /** E.g. {@code greet(name: String) -> String}. */
    String signature() {
      List<String> ps = new ArrayList<>();
      for (Param p : params) {
        ps.add(p.name() + ": " + p.type().describe());
      }
      return wasmName + "(" + String.join(", ", ps) + ") -> " + result.describe() + (fallible ? " throws PluginError" : "")
          + (optional ? " (optional)" : "");
    }
  }

  record Param(String name, Type type) {}

  /** Finds a function by its wasm name or Java name. */
  java.util.Optional<Function> function(String name) {
    for (Function f : functions) {
      if (f.wasmName().equals(name) || f.javaName().equals(name)) {
        return java.util.Optional.of(f);
      }
    }
    return java.util.Optional.empty();
  }

  /** Reads a descriptor file. */
  static Descriptor read(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new UsageException("the descriptor file " + file + " does not exist");
    } catch (IOException e) {
      throw new UsageException("cannot read the descriptor file " + file + ": " + e.getMessage());
    }
    return parse(text, file.toString());
  }

  /** Parses a descriptor's JSON text; {@code source} names it in messages. */
  static Descriptor parse(String text, String source) {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new UsageException("the descriptor " + source + " is not JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new UsageException("the descriptor " + source + " is not a JSON object");
    }
    return new Parser(root, source).descriptor();
  }

  /** Resolves the types of one descriptor. */
  private static final class Parser {
    private final JsonNode root;
    private final String source;
    private final Map<String, JsonNode> recordNodes = new HashMap<>();
    private final Map<String, AbiJson.Record> records = new HashMap<>();
    private final Map<String, AbiJson.EnumType> enums = new HashMap<>();
    private final Set<String> resolving = new HashSet<>();

    Parser(JsonNode root, String source) {
      this.root = root;
      this.source = source;
    }

    private UsageException bad(String message) {
      return new UsageException(
          "the descriptor " + source + " " + message
              + "; give the file the Terrarium annotation processor wrote (META-INF/terrarium/<interface>.json)");
    }

    private String text(JsonNode node, String field) {
      JsonNode v = node.get(field);
      if (v == null || !v.isTextual()) {
        throw bad("lacks the text field \"" + field + "\"");
      }
      return v.asText();
    }

    Descriptor descriptor() {
      JsonNode abi = root.get("terrariumAbi");
      if (abi == null || !abi.isInt()) {
        throw bad("lacks \"terrariumAbi\"");
      }
      if (abi.asInt() != ABI_VERSION) {
        throw new UsageException(
            "the descriptor " + source + " is for Terrarium ABI version " + abi.asInt() + ", but this terrarium"
                + " speaks version " + ABI_VERSION);
      }
      String kind = text(root, "kind");
      if (!kind.equals("PLUGIN_EXPORTS") && !kind.equals("HOST_IMPORTS")) {
        throw bad("has kind \"" + kind + "\", not PLUGIN_EXPORTS or HOST_IMPORTS");
      }
      for (JsonNode e : array(root, "enums")) {
        List<String> constants = new ArrayList<>();
        for (JsonNode c : array(e, "constants")) {
          constants.add(c.asText());
        }
        String name = text(e, "simpleName");
        enums.put(name, new AbiJson.EnumType(name, constants));
      }
      for (JsonNode r : array(root, "records")) {
        recordNodes.put(text(r, "simpleName"), r);
      }
      List<Function> functions = new ArrayList<>();
      for (JsonNode f : array(root, "functions")) {
        String wasmName = text(f, "wasmName");
        List<Param> params = new ArrayList<>();
        for (JsonNode p : array(f, "params")) {
          params.add(new Param(text(p, "name"), type(text(p, "type"), "a parameter of " + wasmName)));
        }
        Type result = type(text(f, "result"), "the result of " + wasmName);
        Function function =
            new Function(
                text(f, "javaName"),
                wasmName,
                params,
                result,
                f.path("fallible").asBoolean(false),
                f.path("optional").asBoolean(false));
        check(f, "wasmParams", function.wasmParams(), wasmName);
        check(f, "wasmResults", function.wasmResults(), wasmName);
        functions.add(function);
      }
      boolean exports = kind.equals("PLUGIN_EXPORTS");
      String module = exports ? null : text(root, "module");
      return new Descriptor(
          source,
          text(root, "interface"),
          text(root, "simpleName"),
          exports,
          module,
          root.path("interfaceVersion").asInt(1),
          functions);
    }

    private void check(JsonNode f, String field, List<WasmType> computed, String function) {
      JsonNode given = f.get(field);
      if (given == null) {
        return;
      }
      List<String> names = new ArrayList<>();
      given.forEach(n -> names.add(n.asText()));
      List<String> expected = computed.stream().map(WasmType::wasmName).toList();
      if (!names.equals(expected)) {
        throw bad("says " + function + " has " + field + " " + names + " but its types make " + expected);
      }
    }

    private Iterable<JsonNode> array(JsonNode node, String field) {
      JsonNode v = node.get(field);
      if (v == null) {
        return List.of();
      }
      if (!v.isArray()) {
        throw bad("has \"" + field + "\" that is not an array");
      }
      return v;
    }

    Type type(String name, String where) {
      String n = name.strip();
      switch (n) {
        case "int", "Integer":
          return new AbiJson.Num(NumKind.INT);
        case "long", "Long":
          return new AbiJson.Num(NumKind.LONG);
        case "float", "Float":
          return new AbiJson.Num(NumKind.FLOAT);
        case "double", "Double":
          return new AbiJson.Num(NumKind.DOUBLE);
        case "boolean", "Boolean":
          return new AbiJson.Num(NumKind.BOOLEAN);
        case "String":
          return new AbiJson.Str();
        case "byte[]":
          return new AbiJson.Bytes();
        case "void":
          return new AbiJson.Void();
        default:
          break;
      }
      if (n.startsWith("List<") && n.endsWith(">")) {
        return new AbiJson.ListType(type(n.substring(5, n.length() - 1), where));
      }
      if (n.startsWith("Optional<") && n.endsWith(">")) {
        return new AbiJson.Opt(type(n.substring(9, n.length() - 1), where));
      }
      AbiJson.EnumType e = enums.get(n);
      if (e != null) {
        return e;
      }
      return record(n, where);
    }

    private AbiJson.Record record(String name, String where) {
      AbiJson.Record done = records.get(name);
      if (done != null) {
        return done;
      }
      JsonNode node = recordNodes.get(name);
      if (node == null) {
        throw bad("names the type " + name + " (" + where + "), which it neither lists as a record or enum nor is"
            + " an ABI type");
      }
      if (!resolving.add(name)) {
        throw bad("has a record " + name + " that contains itself");
      }
      List<Field> fields = new ArrayList<>();
      for (JsonNode f : array(node, "fields")) {
        JsonNode offset = f.get("offset");
        if (offset == null || !offset.isInt() || offset.asInt() < 0) {
          throw bad("lacks the offset of " + name + "." + f.path("name").asText());
        }
        fields.add(new Field(text(f, "name"), type(text(f, "type"), "a component of " + name), offset.asInt()));
      }
      int size = node.path("size").asInt(-1);
      int align = node.path("align").asInt(-1);
      if (size < 0 || align < 1) {
        throw bad("lacks the size or alignment of record " + name);
      }
      for (Field f : fields) {
        if (f.offset() + f.type().size() > size) {
          throw bad("puts " + name + "." + f.name() + " past the end of its " + size + "-byte struct");
        }
      }
      AbiJson.Record r = new AbiJson.Record(name, fields, size, align);
      resolving.remove(name);
      records.put(name, r);
      return r;
    }
  }
}
