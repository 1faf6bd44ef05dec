package dev.terrarium.abi.guest;

import dev.terrarium.abi.model.EnumModel;
import dev.terrarium.abi.model.FieldModel;
import dev.terrarium.abi.model.FunctionModel;
import dev.terrarium.abi.model.InterfaceModel;
import dev.terrarium.abi.model.ParamModel;
import dev.terrarium.abi.model.RecordModel;
import dev.terrarium.api.WasmType;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the JSON descriptor of an interface model ({@code META-INF/terrarium/<qualifiedName>.json}): everything a
 * tool or another language's binding generator needs to call or implement the interface under the Terrarium ABI
 * (see {@code docs/abi.md}). The output is deterministic (model order, fixed key order), pretty-printed with two
 * spaces and ends with a newline.
 *
 * <p>Types are written as in Java with simple names ({@code int}, {@code String}, {@code byte[]}, {@code
 * List<Entry>}, {@code Optional<String>}, {@code Mode}, {@code void}); records and enums are listed with their
 * qualified names under {@code records} and {@code enums}.
 */
public final class DescriptorWriter {
  private DescriptorWriter() {}

  /** The ABI version the descriptors describe. */
  public static final int ABI_VERSION = 1;

  /** Returns the file's text. */
  public static String write(InterfaceModel model) {
    Json j = new Json();
    j.open('{');
    j.field("terrariumAbi").value(ABI_VERSION);
    j.field("interface").value(model.qualifiedName());
    j.field("simpleName").value(model.simpleName());
    j.field("kind").value(model.kind().name());
    j.field("interfaceVersion").value(model.version());
    j.field("module").value(model.wasmModule());
    j.field("prefix").value(model.prefix() == null ? "" : model.prefix());
    j.field("needsMemory").value(model.needsMemory());
    j.field("guestFileName").value(model.guestFileName());
    j.field("generatedJavaName").value(model.generatedJavaName());

    j.field("functions").open('[');
    for (FunctionModel f : model.functions()) {
      j.element().open('{');
      j.field("javaName").value(f.javaName());
      j.field("wasmName").value(f.wasmName());
      j.field("params").open('[');
      for (ParamModel p : f.params()) {
        j.element().open('{');
        j.field("name").value(p.name());
        j.field("wasmName").value(p.wasmName());
        j.field("type").value(p.type().describe());
        j.field("wasm").inline(wasmNames(p.type().wasmParams()));
        j.close('}');
      }
      j.close(']');
      j.field("result").value(f.result().describe());
      j.field("fallible").value(f.fallible());
      j.field("optional").value(f.optional());
      j.field("wasmParams").inline(wasmNames(f.wasmParams()));
      j.field("wasmResults").inline(wasmNames(f.wasmResults()));
      j.close('}');
    }
    j.close(']');

    j.field("records").open('[');
    for (RecordModel r : model.records()) {
      j.element().open('{');
      j.field("name").value(r.qualifiedName());
      j.field("simpleName").value(r.simpleName());
      j.field("size").value(r.size());
      j.field("align").value(r.align());
      j.field("fields").open('[');
      for (FieldModel fm : r.fields()) {
        j.element().open('{');
        j.field("name").value(fm.name());
        j.field("wasmName").value(fm.wasmName());
        j.field("type").value(fm.type().describe());
        j.field("offset").value(fm.offset());
        j.field("size").value(fm.type().size());
        j.field("align").value(fm.type().align());
        j.close('}');
      }
      j.close(']');
      j.close('}');
    }
    j.close(']');

    j.field("enums").open('[');
    for (EnumModel e : model.enums()) {
      j.element().open('{');
      j.field("name").value(e.qualifiedName());
      j.field("simpleName").value(e.simpleName());
      List<String> quoted = new ArrayList<>();
      for (String c : e.constants()) {
        quoted.add(Json.quote(c));
      }
      j.field("constants").inline(quoted);
      j.close('}');
    }
    j.close(']');
    j.close('}');
    return j.text() + "\n";
  }

  private static List<String> wasmNames(List<WasmType> types) {
    List<String> out = new ArrayList<>();
    for (WasmType t : types) {
      out.add(Json.quote(t.wasmName()));
    }
    return out;
  }

  /** A tiny pretty-printing JSON emitter: containers on their own lines, short arrays inline. */
  static final class Json {
    private final StringBuilder out = new StringBuilder();
    private int depth;
    private final List<Boolean> first = new ArrayList<>();

    String text() {
      return out.toString();
    }

    private void newline() {
      out.append('\n');
      out.append("  ".repeat(depth));
    }

    /** Starts a new member of the current object. */
    Json field(String name) {
      element();
      out.append(quote(name)).append(": ");
      return this;
    }

    /** Starts a new element of the current container. */
    Json element() {
      if (!first.isEmpty()) {
        int last = first.size() - 1;
        if (!first.get(last)) {
          out.append(',');
        }
        first.set(last, false);
        newline();
      }
      return this;
    }

    Json open(char bracket) {
      out.append(bracket);
      depth++;
      first.add(true);
      return this;
    }

    Json close(char bracket) {
      depth--;
      boolean empty = first.remove(first.size() - 1);
      if (!empty) {
        newline();
      }
      out.append(bracket);
      return this;
    }

    Json value(String s) {
      out.append(s == null ? "null" : quote(s));
      return this;
    }

    Json value(int n) {
      out.append(n);
      return this;
    }

    Json value(boolean b) {
      out.append(b);
      return this;
    }

    /** An array of already-encoded values on one line. */
    Json inline(List<String> encoded) {
      out.append('[').append(String.join(", ", encoded)).append(']');
      return this;
    }

    static String quote(String s) {
      StringBuilder b = new StringBuilder("\"");
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        switch (c) {
          case '"' -> b.append("\\\"");
          case '\\' -> b.append("\\\\");
          case '\n' -> b.append("\\n");
          case '\r' -> b.append("\\r");
          case '\t' -> b.append("\\t");
          case '\b' -> b.append("\\b");
          case '\f' -> b.append("\\f");
          default -> {
            if (c < 0x20 || c == 0x2028 || c == 0x2029) {
              b.append(String.format("\\u%04x", (int) c));
            } else {
              b.append(c);
            }
          }
        }
      }
      return b.append('"').toString();
    }
  }
}
