package dev.terrarium.host.engine;

import dev.terrarium.api.InvalidModuleException;
import dev.terrarium.api.MalformedModuleException;
import dev.terrarium.api.PluginException;
import dev.terrarium.api.PluginLoadException;
import dev.terrarium.api.WasmType;
import dev.terrarium.host.ExportDescription;
import dev.terrarium.host.ImportDescription;
import dev.terrarium.host.ModuleDescription;
import dev.terrarium.host.metering.CodeStubs;
import dev.terrarium.host.validation.ModuleValidator;
import dev.terrarium.host.validation.Rejection;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import run.endive.wasm.InvalidException;
import run.endive.wasm.MalformedException;
import run.endive.wasm.Parser;
import run.endive.wasm.Version;
import run.endive.wasm.WasmModule;
import run.endive.wasm.types.CustomSection;
import run.endive.wasm.types.Export;
import run.endive.wasm.types.ExternalType;
import run.endive.wasm.types.FunctionImport;
import run.endive.wasm.types.FunctionType;
import run.endive.wasm.types.GlobalImport;
import run.endive.wasm.types.Import;
import run.endive.wasm.types.MemoryImport;
import run.endive.wasm.types.MemoryLimits;
import run.endive.wasm.types.MutabilityType;
import run.endive.wasm.types.TableImport;
import run.endive.wasm.types.TableLimits;
import run.endive.wasm.types.UnknownCustomSection;
import run.endive.wasm.types.ValType;

/** The entry to the Endive engine: parsing, validation and description of modules. */
public final class Engine {
  private static final String VERSION = "endive-" + endiveVersion();

  private Engine() {}

  private static String endiveVersion() {
    try {
      String v = Version.version();
      return v == null || v.isBlank() ? "unknown" : v;
    } catch (RuntimeException e) {
      return "unknown";
    }
  }

  /** Returns the engine name and version, part of every compiled-module cache key. */
  public static String version() {
    return VERSION;
  }

  /**
   * Parses and validates a module.
   *
   * @throws MalformedModuleException when the bytes do not decode
   * @throws InvalidModuleException when the module does not validate
   */
  public static ParsedModule parse(String pluginId, byte[] bytes, String sha256) {
    checkHeader(pluginId, bytes);
    validate(pluginId, bytes);
    WasmModule module;
    try {
      module = Parser.parse(bytes);
    } catch (MalformedException e) {
      throw new MalformedModuleException(pluginId, reason(e), e);
    } catch (InvalidException e) {
      throw new InvalidModuleException(pluginId, reason(e), e);
    } catch (RuntimeException | StackOverflowError e) {
      // The parser reports some encoding faults as plain runtime exceptions (e.g. reading past the end).
      throw new MalformedModuleException(pluginId, reason(e), e);
    }
    return parsed(pluginId, module, bytes.length, sha256, true);
  }

  /** The parsed module with its description; describing it fails only with a {@link PluginException}. */
  private static ParsedModule parsed(String pluginId, WasmModule module, int size, String sha256, boolean bodies) {
    ModuleDescription description;
    try {
      description = describe(pluginId, module, size, sha256);
    } catch (RuntimeException e) {
      // The validator refuses what describing could trip over; this guards the promise that only
      // PluginExceptions escape should the two ever disagree.
      throw new InvalidModuleException(pluginId, "describing the module failed: " + reason(e), e);
    }
    return new ParsedModule(module, description, bodies);
  }

  /**
   * Parses a module whose code exists as compiled classes (an authenticated entry of the persistent cache, or a
   * precompiled plugin), without the bodies of its functions except those {@code keep} names by their position in
   * the code section ({@link CodeStubs}): the functions its classes leave to the interpreter. Nothing is validated;
   * the result only describes the module and restores its classes ({@link ParsedModule#restore}); it cannot be
   * compiled or interpreted.
   *
   * @throws PluginLoadException ({@code LOAD_MALFORMED}, a {@link MalformedModuleException} from the parser) when
   *     the bytes do not decode
   */
  public static ParsedModule parseWithoutBodies(
      String pluginId, byte[] bytes, String sha256, java.util.function.IntPredicate keep) {
    checkHeader(pluginId, bytes);
    byte[] stubbed;
    try {
      stubbed = CodeStubs.withoutBodies(bytes, keep);
    } catch (dev.terrarium.host.metering.MeteringException e) {
      throw e.forPlugin(pluginId); // LOAD_MALFORMED
    }
    WasmModule module;
    try {
      module = Parser.builder().withValidation(false).build().parse(() -> new java.io.ByteArrayInputStream(stubbed));
    } catch (RuntimeException | StackOverflowError e) {
      throw new MalformedModuleException(pluginId, reason(e), e);
    }
    return parsed(pluginId, module, bytes.length, sha256, false);
  }

  /** Runs Terrarium's own validation pass, which names the byte offset and the rule of every fault. */
  private static void validate(String pluginId, byte[] bytes) {
    try {
      ModuleValidator.validate(bytes);
    } catch (Rejection r) {
      throw switch (r.kind()) {
        case MALFORMED -> new MalformedModuleException(pluginId, r.getMessage(), null);
        case INVALID -> new InvalidModuleException(pluginId, r.getMessage(), null);
        case UNSUPPORTED -> new PluginLoadException(
            dev.terrarium.api.ErrorCode.LOAD_UNSUPPORTED,
            pluginId,
            r.getMessage() + ". The module cannot be loaded by this host.",
            null);
      };
    } catch (RuntimeException | StackOverflowError e) {
      throw new InvalidModuleException(pluginId, "the validator failed: " + reason(e), e);
    }
  }

  private static final byte[] MAGIC = {0x00, 0x61, 0x73, 0x6d};

  /** Reports the commonest mistake, a file that is not WebAssembly at all, in plain words. */
  private static void checkHeader(String pluginId, byte[] bytes) {
    if (bytes.length == 0) {
      throw new MalformedModuleException(pluginId, "the module is empty (0 bytes)", null);
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (i >= bytes.length || bytes[i] != MAGIC[i]) {
        throw new MalformedModuleException(
            pluginId,
            "the file does not start with the WebAssembly magic \\0asm (it starts with "
                + preview(bytes)
                + ")",
            null);
      }
    }
    if (bytes.length < 8) {
      throw new MalformedModuleException(
          pluginId, "the module ends after " + bytes.length + " bytes, inside its 8-byte header", null);
    }
    if (bytes[4] != 1 || bytes[5] != 0 || bytes[6] != 0 || bytes[7] != 0) {
      throw new MalformedModuleException(
          pluginId,
          "the binary format version is not 1 (a WebAssembly component or a future format?)",
          null);
    }
  }

  private static String preview(byte[] bytes) {
    StringBuilder text = new StringBuilder("'");
    StringBuilder hex = new StringBuilder();
    boolean printable = true;
    for (int i = 0; i < Math.min(4, bytes.length); i++) {
      int b = bytes[i] & 0xff;
      printable &= b >= 0x20 && b < 0x7f;
      text.append((char) b);
      hex.append(String.format("%02x", b));
    }
    return printable ? text.append("'").toString() : "0x" + hex;
  }

  private static String reason(Throwable e) {
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }

  private static ModuleDescription describe(String pluginId, WasmModule module, long size, String sha256) {
    List<ImportDescription> imports = new ArrayList<>();
    var importSection = module.importSection();
    for (int i = 0; i < importSection.importCount(); i++) {
      Import imp = importSection.getImport(i);
      String kind = kindName(imp.importType());
      if (imp instanceof FunctionImport fi) {
        FunctionType type = module.typeSection().getType(fi.typeIndex());
        List<WasmType> params = numeric(type.params());
        List<WasmType> results = numeric(type.returns());
        boolean numeric = params != null && results != null;
        imports.add(
            new ImportDescription(
                imp.module(),
                imp.name(),
                kind,
                numeric ? params : List.of(),
                numeric ? results : List.of(),
                signature(type)));
      } else {
        imports.add(describeImport(imp, kind));
      }
    }
    List<ExportDescription> exports = new ArrayList<>();
    var exportSection = module.exportSection();
    int importedFunctions = importSection.count(ExternalType.FUNCTION);
    for (int i = 0; i < exportSection.exportCount(); i++) {
      Export e = exportSection.getExport(i);
      String signature = "";
      if (e.exportType() == ExternalType.FUNCTION) {
        signature = signature(functionType(module, e.index(), importedFunctions));
      }
      exports.add(new ExportDescription(e.name(), kindName(e.exportType()), signature));
    }
    int initial = 0;
    Optional<Integer> maximum = Optional.empty();
    var memorySection = module.memorySection();
    MemoryLimits memory0 = importedMemory(module);
    if (memory0 == null && memorySection.isPresent() && memorySection.get().memoryCount() > 0) {
      memory0 = memorySection.get().getMemory(0).limits();
    }
    if (memory0 != null) {
      MemoryLimits limits = memory0;
      initial = limits.initialPages();
      if (limits.maximumPages() < MemoryLimits.MAX_PAGES) {
        maximum = Optional.of(limits.maximumPages());
      }
    }
    return new ModuleDescription(
        sha256, size, imports, exports, initial, maximum, embeddedManifest(pluginId, module));
  }

  /** Returns the limits of the module's first imported memory (its memory 0), or {@code null}. */
  static MemoryLimits importedMemory(WasmModule module) {
    var imports = module.importSection();
    for (int i = 0; i < imports.importCount(); i++) {
      if (imports.getImport(i) instanceof MemoryImport mi) {
        return mi.limits();
      }
    }
    return null;
  }

  /** Describes an import other than a function: its type, limits and text form. */
  private static ImportDescription describeImport(Import imp, String kind) {
    if (imp instanceof GlobalImport gi) {
      WasmType type = toWasmType(gi.type());
      boolean mutable = gi.mutabilityType() == MutabilityType.Var;
      String name = type == null ? gi.type().toString().toLowerCase(java.util.Locale.ROOT) : type.wasmName();
      return new ImportDescription(
          imp.module(), imp.name(), kind, List.of(), List.of(), mutable ? "(mut " + name + ")" : name, type,
          mutable, 0, -1, false);
    }
    if (imp instanceof MemoryImport mi) {
      MemoryLimits l = mi.limits();
      long max = l.maximumPages() < MemoryLimits.MAX_PAGES ? l.maximumPages() : -1;
      String text = l.initialPages() + ".." + (max < 0 ? "" : max) + (l.shared() ? " shared" : "");
      return new ImportDescription(
          imp.module(), imp.name(), kind, List.of(), List.of(), text, null, false, l.initialPages(), max,
          l.shared());
    }
    if (imp instanceof TableImport ti) {
      WasmType type = toWasmType(ti.entryType());
      long max = ti.limits().max() < TableLimits.LIMIT_MAX ? ti.limits().max() : -1;
      String element = type == null ? ti.entryType().toString().toLowerCase(java.util.Locale.ROOT) : type.wasmName();
      String text = ti.limits().min() + ".." + (max < 0 ? "" : max) + " " + element;
      return new ImportDescription(
          imp.module(), imp.name(), kind, List.of(), List.of(), text, type, false, ti.limits().min(), max, false);
    }
    return new ImportDescription(imp.module(), imp.name(), kind, List.of(), List.of(), "");
  }

  static FunctionType functionType(WasmModule module, int functionIndex, int importedFunctions) {
    if (functionIndex < importedFunctions) {
      int seen = 0;
      var imports = module.importSection();
      for (int i = 0; i < imports.importCount(); i++) {
        if (imports.getImport(i) instanceof FunctionImport fi) {
          if (seen++ == functionIndex) {
            return module.typeSection().getType(fi.typeIndex());
          }
        }
      }
    }
    int typeIndex = module.functionSection().getFunctionType(functionIndex - importedFunctions);
    return module.typeSection().getType(typeIndex);
  }

  private static Optional<String> embeddedManifest(String pluginId, WasmModule module) {
    for (CustomSection section : module.customSections()) {
      if (dev.terrarium.api.PluginManifest.CUSTOM_SECTION.equals(section.name())
          && section instanceof UnknownCustomSection raw) {
        return Optional.of(new String(raw.bytes(), StandardCharsets.UTF_8));
      }
    }
    return Optional.empty();
  }

  private static String kindName(ExternalType type) {
    return switch (type) {
      case FUNCTION -> "function";
      case MEMORY -> "memory";
      case TABLE -> "table";
      case GLOBAL -> "global";
      case TAG -> "tag";
    };
  }

  /** Returns the {@link WasmType}s, or {@code null} when any type is not one (v128, a GC reference). */
  static List<WasmType> numeric(List<ValType> types) {
    List<WasmType> out = new ArrayList<>(types.size());
    for (ValType t : types) {
      WasmType w = toWasmType(t);
      if (w == null) {
        return null;
      }
      out.add(w);
    }
    return out;
  }

  static WasmType toWasmType(ValType t) {
    if (t.equals(ValType.I32)) {
      return WasmType.I32;
    } else if (t.equals(ValType.I64)) {
      return WasmType.I64;
    } else if (t.equals(ValType.F32)) {
      return WasmType.F32;
    } else if (t.equals(ValType.F64)) {
      return WasmType.F64;
    } else if (t.equals(ValType.FuncRef)) {
      return WasmType.FUNCREF;
    } else if (t.equals(ValType.ExternRef)) {
      return WasmType.EXTERNREF;
    }
    return null;
  }

  static ValType toValType(WasmType t) {
    return switch (t) {
      case I32 -> ValType.I32;
      case I64 -> ValType.I64;
      case F32 -> ValType.F32;
      case F64 -> ValType.F64;
      case FUNCREF -> ValType.FuncRef;
      case EXTERNREF -> ValType.ExternRef;
    };
  }

  static String signature(FunctionType type) {
    return "(" + names(type.params()) + ") -> (" + names(type.returns()) + ")";
  }

  private static String names(List<ValType> types) {
    List<String> out = new ArrayList<>();
    for (ValType t : types) {
      WasmType w = toWasmType(t);
      out.add(w == null ? t.toString().toLowerCase(java.util.Locale.ROOT) : w.wasmName());
    }
    return String.join(", ", out);
  }

  /** Wraps an unexpected engine failure at load time. */
  static PluginLoadException unsupported(String pluginId, String what, Throwable cause) {
    return new PluginLoadException(
        dev.terrarium.api.ErrorCode.LOAD_UNSUPPORTED,
        pluginId,
        what + ": " + reason(cause) + ". The module may use a WebAssembly feature this engine does not support.",
        cause);
  }
}
