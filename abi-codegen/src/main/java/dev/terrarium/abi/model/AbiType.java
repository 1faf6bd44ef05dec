package dev.terrarium.abi.model;

import dev.terrarium.api.WasmType;
import java.util.List;

/**
 * A Java type as the ABI sees it (see {@code docs/abi.md}). Each knows its wasm parameter and result types and
 * its layout inside a struct or list.
 */
public sealed interface AbiType
    permits AbiType.Primitive,
        AbiType.EnumType,
        AbiType.Pair,
        AbiType.RecordType,
        AbiType.OptionalType,
        AbiType.Void {

  /** The wasm parameters this type flattens to. */
  List<WasmType> wasmParams();

  /** The wasm results this type returns as: none for void, one value otherwise. */
  List<WasmType> wasmResults();

  /** Size in bytes inside a struct or list. */
  int size();

  /** Alignment in bytes inside a struct or list. */
  int align();

  /** Whether the value lives in guest memory (needs alloc/dealloc), directly or inside. */
  boolean inMemory();

  /** A short description for messages and descriptors, e.g. {@code List<Entry>}. */
  String describe();

  /** The number types. */
  enum PrimitiveKind {
    INT(WasmType.I32, 4),
    LONG(WasmType.I64, 8),
    FLOAT(WasmType.F32, 4),
    DOUBLE(WasmType.F64, 8),
    BOOLEAN(WasmType.I32, 4);

    final WasmType wasm;
    final int size;

    PrimitiveKind(WasmType wasm, int size) {
      this.wasm = wasm;
      this.size = size;
    }

    public WasmType wasm() {
      return wasm;
    }
  }

  /** {@code int}, {@code long}, {@code float}, {@code double}, {@code boolean}. */
  record Primitive(PrimitiveKind kind) implements AbiType {
    @Override
    public List<WasmType> wasmParams() {
      return List.of(kind.wasm);
    }

    @Override
    public List<WasmType> wasmResults() {
      return List.of(kind.wasm);
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
    public boolean inMemory() {
      return false;
    }

    @Override
    public String describe() {
      return kind.name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** An enum, passed as its ordinal. */
  record EnumType(EnumModel model) implements AbiType {
    @Override
    public List<WasmType> wasmParams() {
      return List.of(WasmType.I32);
    }

    @Override
    public List<WasmType> wasmResults() {
      return List.of(WasmType.I32);
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
    public boolean inMemory() {
      return false;
    }

    @Override
    public String describe() {
      return model.simpleName();
    }
  }

  /** Values passed as {@code (ptr, len)} and returned packed in an {@code i64}. */
  sealed interface Pair extends AbiType permits Str, Bytes, ListType {
    @Override
    default List<WasmType> wasmParams() {
      return List.of(WasmType.I32, WasmType.I32);
    }

    @Override
    default List<WasmType> wasmResults() {
      return List.of(WasmType.I64);
    }

    @Override
    default int size() {
      return 8;
    }

    @Override
    default int align() {
      return 4;
    }

    @Override
    default boolean inMemory() {
      return true;
    }
  }

  /** {@code String}, as UTF-8. */
  record Str() implements Pair {
    @Override
    public String describe() {
      return "String";
    }
  }

  /** {@code byte[]}. */
  record Bytes() implements Pair {
    @Override
    public String describe() {
      return "byte[]";
    }
  }

  /** {@code List<T>}: {@code (ptr, count)} of an array of T's element layout. */
  record ListType(AbiType element) implements Pair {
    @Override
    public String describe() {
      return "List<" + element.describe() + ">";
    }
  }

  /** A record: a pointer to a struct as a parameter, packed {@code (ptr, size)} as a result, inline in structs. */
  record RecordType(RecordModel model) implements AbiType {
    @Override
    public List<WasmType> wasmParams() {
      return List.of(WasmType.I32);
    }

    @Override
    public List<WasmType> wasmResults() {
      return List.of(WasmType.I64);
    }

    @Override
    public int size() {
      return model.size();
    }

    @Override
    public int align() {
      return model.align();
    }

    @Override
    public boolean inMemory() {
      return true;
    }

    @Override
    public String describe() {
      return model.simpleName();
    }
  }

  /**
   * {@code Optional<T>} of a string, byte array, list or record. Pairs use the absent marker {@code (0,
   * 0xFFFFFFFF)}; an optional record is a pointer ({@code 0} when absent), also inside structs (4 bytes).
   */
  record OptionalType(AbiType inner) implements AbiType {
    @Override
    public List<WasmType> wasmParams() {
      return inner.wasmParams();
    }

    @Override
    public List<WasmType> wasmResults() {
      return inner.wasmResults();
    }

    @Override
    public int size() {
      return inner instanceof RecordType ? 4 : inner.size();
    }

    @Override
    public int align() {
      return 4;
    }

    @Override
    public boolean inMemory() {
      return true;
    }

    @Override
    public String describe() {
      return "Optional<" + inner.describe() + ">";
    }
  }

  /** {@code void}, only as a result. */
  record Void() implements AbiType {
    @Override
    public List<WasmType> wasmParams() {
      return List.of();
    }

    @Override
    public List<WasmType> wasmResults() {
      return List.of();
    }

    @Override
    public int size() {
      return 0;
    }

    @Override
    public int align() {
      return 1;
    }

    @Override
    public boolean inMemory() {
      return false;
    }

    @Override
    public String describe() {
      return "void";
    }
  }
}
