package dev.terrarium.host.validation;

import static dev.terrarium.host.validation.Types.EXTERNREF;
import static dev.terrarium.host.validation.Types.F32;
import static dev.terrarium.host.validation.Types.F64;
import static dev.terrarium.host.validation.Types.FUNCREF;
import static dev.terrarium.host.validation.Types.I32;
import static dev.terrarium.host.validation.Types.I64;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * Decodes and validates a whole WebAssembly module in one pass, before the engine sees it: the binary format
 * (section order and sizes, LEB128 limits, UTF-8 names) and the validation rules of the specification (indices,
 * limits, constant expressions, segments, exports, the start function, and every function body through
 * {@link FunctionValidator}).
 *
 * <p>The accepted language is WebAssembly 2.0 (multi-value, sign extension, non-trapping float-to-int, bulk
 * memory, reference types with several tables, mutable globals) with tail calls and extended constant
 * expressions, which Endive 1.0.0 runs. Constant expressions follow WebAssembly 3.0: {@code global.get} may read
 * an immutable global that is imported or, in a global's initializer, defined before it. SIMD, threads, exception
 * handling, typed function references, GC, memory64 and multiple memories are refused as unsupported.
 */
public final class ModuleValidator {
  private static final String[] SECTION_NAMES = {
    "custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element", "code",
    "data", "data count", "tag"
  };

  private final byte[] bytes;
  private final WasmReader r;
  private final ModuleContext m = new ModuleContext();
  private int definedFunctions;
  private boolean codeSeen;
  private boolean dataSeen;
  private int[] constantStack = new int[8];

  private ModuleValidator(byte[] bytes) {
    this.bytes = bytes;
    this.r = new WasmReader(bytes, 0);
  }

  /**
   * Validates {@code module}.
   *
   * @throws Rejection naming the kind of fault, its byte offset and the rule, when the module is malformed,
   *     invalid or uses a feature this host refuses
   */
  public static void validate(byte[] module) {
    new ModuleValidator(module).run();
  }

  private void run() {
    header();
    int lastRank = 0;
    int lastId = 0;
    while (r.pos() < bytes.length) {
      int idAt = r.pos();
      int id = r.u8();
      int sizeAt = r.pos();
      int size = r.u32();
      int start = r.pos();
      if (size < 0 || size > bytes.length - start) {
        throw r.malformed(
            sizeAt,
            "section size " + Integer.toUnsignedString(size) + " runs past the end of the module (length out of"
                + " bounds)");
      }
      int end = start + size;
      if (id != 0) {
        int rank = rank(id, idAt);
        if (rank <= lastRank) {
          throw r.malformed(
              idAt,
              "unexpected content after last section: the " + SECTION_NAMES[id] + " section comes after the "
                  + SECTION_NAMES[lastId] + " section (sections must be in order and appear at most once)");
        }
        lastRank = rank;
        lastId = id;
      }
      r.limitTo(end);
      section(id, idAt);
      if (r.pos() != end) {
        throw r.malformed(
            r.pos(),
            "section size mismatch: the " + SECTION_NAMES[id] + " section declares " + size + " bytes but its"
                + " contents end " + (r.pos() - start) + " bytes in");
      }
      r.limitTo(bytes.length);
    }
    if (!codeSeen && definedFunctions > 0) {
      throw r.malformed(
          bytes.length,
          "function and code section have inconsistent lengths: " + definedFunctions
              + " functions are declared but the module has no code section");
    }
    if (!dataSeen && m.dataCount > 0) {
      throw r.malformed(
          bytes.length,
          "data count and data section have inconsistent lengths: the data count section says " + m.dataCount
              + " but the module has no data section");
    }
  }

  private void header() {
    byte[] expected = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
    for (int i = 0; i < expected.length; i++) {
      if (i >= bytes.length) {
        throw r.malformed(i, "unexpected end of the module inside its 8-byte header");
      }
      if (bytes[i] != expected[i]) {
        throw r.malformed(i, i < 4 ? "magic header not detected" : "unknown binary version");
      }
    }
    r.seek(8);
  }

  private int rank(int id, int at) {
    return switch (id) {
      case 1, 2, 3, 4, 5 -> id;
      case 13 -> 6;
      case 6, 7, 8, 9 -> id + 1;
      case 12 -> 11;
      case 10 -> 12;
      case 11 -> 13;
      default -> throw r.malformed(at, "malformed section id " + id);
    };
  }

  private void section(int id, int at) {
    switch (id) {
      case 0 -> {
        r.name();
        r.seek(r.limit());
      }
      case 1 -> types();
      case 2 -> imports();
      case 3 -> functions();
      case 4 -> tables();
      case 5 -> memories();
      case 6 -> globals();
      case 7 -> exports();
      case 8 -> start();
      case 9 -> elements();
      case 10 -> code();
      case 11 -> data();
      case 12 -> {
        int count = r.u32();
        m.dataCount = count < 0 ? Integer.MAX_VALUE : count; // above 2^31: no data section can match it
      }
      case 13 -> throw r.unsupported(
          at, "the module has a tag section (exception handling), which this host does not support");
      default -> throw new IllegalStateException("section " + id);
    }
  }

  private void types() {
    int n = r.count("type");
    m.typeParams = new int[n][];
    m.typeResults = new int[n][];
    for (int i = 0; i < n; i++) {
      int at = r.pos();
      int form = r.u8();
      if (form != 0x60) {
        if (form == 0x4E || form == 0x4F || form == 0x50 || form == 0x5D || form == 0x5E || form == 0x5F) {
          throw r.unsupported(
              at, String.format("type form 0x%02X belongs to the GC proposal, which this host does not support", form));
        }
        throw r.malformed(at, String.format("malformed function type: form 0x%02X instead of 0x60", form));
      }
      m.typeParams[i] = valueTypes("parameter");
      m.typeResults[i] = valueTypes("result");
    }
  }

  private int[] valueTypes(String what) {
    int n = r.count(what);
    int[] types = new int[n];
    for (int i = 0; i < n; i++) {
      types[i] = Types.valueType(r);
    }
    return types;
  }

  private void imports() {
    int n = r.count("import");
    for (int i = 0; i < n; i++) {
      r.name();
      r.name();
      int at = r.pos();
      int kind = r.u8();
      switch (kind) {
        case 0 -> {
          m.addFunction(typeIndex());
          m.importedFunctions++;
        }
        case 1 -> tableType();
        case 2 -> memoryType();
        case 3 -> {
          int t = Types.valueType(r);
          m.addGlobal(t, mutability());
          m.importedGlobals++;
        }
        case 4 -> throw r.unsupported(
            at, "the module imports a tag (exception handling), which this host does not support");
        default -> throw r.malformed(at, "malformed import kind " + kind);
      }
    }
  }

  private int typeIndex() {
    int at = r.pos();
    int t = r.u32();
    if (t < 0 || t >= m.typeCount()) {
      throw r.invalid(at, "unknown type " + Integer.toUnsignedString(t) + " (the module has " + m.typeCount() + ")");
    }
    return t;
  }

  private boolean mutability() {
    int at = r.pos();
    int b = r.u8();
    if (b > 1) {
      throw r.malformed(at, String.format("malformed mutability 0x%02X", b));
    }
    return b == 1;
  }

  private void functions() {
    int n = r.count("function");
    definedFunctions = n;
    for (int i = 0; i < n; i++) {
      m.addFunction(typeIndex());
    }
  }

  private void tables() {
    int n = r.count("table");
    for (int i = 0; i < n; i++) {
      if (r.peek() == 0x40) {
        throw r.unsupported(
            r.pos(),
            "a table with an initializer expression belongs to the typed function references proposal, which this"
                + " host does not support");
      }
      tableType();
    }
  }

  private void tableType() {
    int type = Types.referenceType(r);
    int at = r.pos();
    int flags = r.u8();
    if (flags == 4 || flags == 5) {
      throw r.unsupported(at, "the module uses a 64-bit table (memory64 proposal), which this host does not support");
    }
    if (flags > 1) {
      throw r.malformed(at, String.format("malformed limits flags 0x%02X", flags));
    }
    int min = r.u32();
    if (flags == 1) {
      int maxAt = r.pos();
      int max = r.u32();
      if (Integer.compareUnsigned(min, max) > 0) {
        throw r.invalid(
            maxAt,
            "size minimum must not be greater than maximum: table minimum " + Integer.toUnsignedString(min)
                + " > maximum " + Integer.toUnsignedString(max));
      }
    }
    m.addTable(type);
  }

  private void memories() {
    int n = r.count("memory");
    for (int i = 0; i < n; i++) {
      memoryType();
    }
  }

  private void memoryType() {
    int at = r.pos();
    int flags = r.u8();
    if (flags == 2 || flags == 3) {
      throw r.unsupported(at, "the module uses a shared memory (threads), which this host does not support");
    }
    if (flags >= 4 && flags <= 7) {
      throw r.unsupported(at, "the module uses a 64-bit memory (memory64), which this host does not support");
    }
    if ((flags & 0x08) != 0 && flags < 0x10) {
      throw r.unsupported(at, "the module uses custom page sizes, which this host does not support");
    }
    if (flags > 1) {
      throw r.malformed(at, String.format("malformed limits flags 0x%02X", flags));
    }
    int minAt = r.pos();
    int min = r.u32();
    pages(minAt, min, "minimum");
    if (flags == 1) {
      int maxAt = r.pos();
      int max = r.u32();
      pages(maxAt, max, "maximum");
      if (Integer.compareUnsigned(min, max) > 0) {
        throw r.invalid(
            maxAt, "size minimum must not be greater than maximum: memory minimum " + min + " > maximum " + max);
      }
    }
    if (++m.memoryCount > 1) {
      throw r.unsupported(
          at, "the module has more than one memory (multi-memory proposal), which this host does not support");
    }
  }

  private void pages(int at, int pages, String what) {
    if (Integer.compareUnsigned(pages, ModuleContext.MAX_PAGES) > 0) {
      throw r.invalid(
          at,
          "memory size must be at most 65536 pages (4 GiB): the " + what + " is " + Integer.toUnsignedString(pages));
    }
  }

  private void globals() {
    int n = r.count("global");
    for (int i = 0; i < n; i++) {
      int t = Types.valueType(r);
      boolean mutable = mutability();
      constant(t, m.globalCount);
      m.addGlobal(t, mutable);
    }
  }

  private void exports() {
    int n = r.count("export");
    Set<String> names = new HashSet<>();
    for (int i = 0; i < n; i++) {
      int at = r.pos();
      String name = r.nameString();
      if (!names.add(name)) {
        throw r.invalid(at, "duplicate export name '" + name + "'");
      }
      int kindAt = r.pos();
      int kind = r.u8();
      int indexAt = r.pos();
      int index = r.u32();
      switch (kind) {
        case 0 -> {
          bound(indexAt, index, m.functionCount, "function");
          m.declaredReferences.set(index);
        }
        case 1 -> bound(indexAt, index, m.tableCount, "table");
        case 2 -> bound(indexAt, index, m.memoryCount, "memory");
        case 3 -> bound(indexAt, index, m.globalCount, "global");
        case 4 -> throw r.unsupported(
            kindAt, "the module exports a tag (exception handling), which this host does not support");
        default -> throw r.malformed(kindAt, "malformed export kind " + kind);
      }
    }
  }

  private void bound(int at, int index, int count, String what) {
    if (index < 0 || index >= count) {
      throw r.invalid(
          at, "unknown " + what + " " + Integer.toUnsignedString(index) + " (the module has " + count + ")");
    }
  }

  private void start() {
    int at = r.pos();
    int f = r.u32();
    bound(at, f, m.functionCount, "function");
    int[] params = m.paramsOfFunction(f);
    int[] results = m.resultsOfFunction(f);
    if (params.length != 0 || results.length != 0) {
      throw r.invalid(
          at,
          "the start function must have type [] -> [], but function " + f + " has type "
              + ModuleContext.describe(params) + " -> " + ModuleContext.describe(results));
    }
  }

  private void elements() {
    int n = r.count("element segment");
    m.elementTypes = new int[n];
    for (int i = 0; i < n; i++) {
      int at = r.pos();
      int flags = r.u32();
      if (flags < 0 || flags > 7) {
        throw r.malformed(at, "malformed element segment flags " + Integer.toUnsignedString(flags));
      }
      boolean active = (flags & 1) == 0;
      boolean expressions = (flags & 4) != 0;
      int table = 0;
      int tableAt = at;
      if (active) {
        if ((flags & 2) != 0) {
          tableAt = r.pos();
          table = r.u32();
        }
        bound(tableAt, table, m.tableCount, "table");
        constant(I32, m.globalCount);
      }
      int type = FUNCREF;
      if ((flags & 3) != 0) {
        if (expressions) {
          type = Types.referenceType(r);
        } else {
          int kindAt = r.pos();
          int kind = r.u8();
          if (kind != 0) {
            throw r.malformed(kindAt, String.format("malformed element kind 0x%02X", kind));
          }
        }
      }
      int count = r.count("element");
      for (int k = 0; k < count; k++) {
        if (expressions) {
          constant(type, m.globalCount);
        } else {
          int fAt = r.pos();
          int f = r.u32();
          bound(fAt, f, m.functionCount, "function");
          m.declaredReferences.set(f);
        }
      }
      if (active && m.tableTypes[table] != type) {
        throw r.invalid(
            at,
            "type mismatch: element segment " + i + " holds " + Types.name(type) + " but table " + table
                + " holds " + Types.name(m.tableTypes[table]));
      }
      m.elementTypes[i] = type;
    }
  }

  private void code() {
    codeSeen = true;
    int at = r.pos();
    int n = r.count("function body");
    if (n != definedFunctions) {
      throw r.malformed(
          at,
          "function and code section have inconsistent lengths: " + definedFunctions + " functions, " + n
              + " bodies");
    }
    FunctionValidator checker = new FunctionValidator(m, r);
    for (int i = 0; i < n; i++) {
      int sizeAt = r.pos();
      int size = r.u32();
      if (size < 0 || size > r.limit() - r.pos()) {
        throw r.malformed(sizeAt, "function body size " + Integer.toUnsignedString(size) + " runs past its section");
      }
      int end = r.pos() + size;
      int outer = r.limitTo(end);
      checker.validate(m.importedFunctions + i, end);
      r.limitTo(outer);
    }
  }

  private void data() {
    dataSeen = true;
    int at = r.pos();
    int n = r.count("data segment");
    if (m.dataCount >= 0 && n != m.dataCount) {
      throw r.malformed(
          at,
          "data count and data section have inconsistent lengths: the data count section says " + m.dataCount
              + ", the data section has " + n);
    }
    for (int i = 0; i < n; i++) {
      int flagsAt = r.pos();
      int flags = r.u32();
      switch (flags) {
        case 0 -> {
          bound(flagsAt, 0, m.memoryCount, "memory");
          constant(I32, m.globalCount);
        }
        case 1 -> {}
        case 2 -> {
          int memAt = r.pos();
          bound(memAt, r.u32(), m.memoryCount, "memory");
          constant(I32, m.globalCount);
        }
        default -> throw r.malformed(flagsAt, "malformed data segment flags " + Integer.toUnsignedString(flags));
      }
      r.skip(r.count("data byte"));
    }
  }

  /**
   * Checks a constant expression producing {@code expected}; {@code visibleGlobals} is how many globals it may
   * read (a global's initializer sees only the globals before it).
   */
  private void constant(int expected, int visibleGlobals) {
    int sp = 0;
    while (true) {
      int at = r.pos();
      int op = r.u8();
      int produced;
      switch (op) {
        case 0x0B -> {
          if (sp != 1 || constantStack[0] != expected) {
            int[] found = Arrays.copyOf(constantStack, sp);
            throw r.invalid(
                at,
                "type mismatch: a constant expression must produce [" + Types.name(expected) + "] but this one"
                    + " produces " + ModuleContext.describe(found));
          }
          return;
        }
        case 0x41 -> {
          r.signed(32);
          produced = I32;
        }
        case 0x42 -> {
          r.signed(64);
          produced = I64;
        }
        case 0x43 -> {
          r.skip(4);
          produced = F32;
        }
        case 0x44 -> {
          r.skip(8);
          produced = F64;
        }
        case 0xD0 -> {
          int htAt = r.pos();
          int ht = r.u8();
          if (ht != FUNCREF && ht != EXTERNREF) {
            throw Types.refused(r, htAt, ht, "heap type");
          }
          produced = ht;
        }
        case 0xD2 -> {
          int fAt = r.pos();
          int f = r.u32();
          bound(fAt, f, m.functionCount, "function");
          m.declaredReferences.set(f);
          produced = FUNCREF;
        }
        case 0x23 -> {
          int gAt = r.pos();
          int g = r.u32();
          if (g < 0 || g >= visibleGlobals) {
            throw r.invalid(
                gAt,
                "unknown global " + Integer.toUnsignedString(g) + ": a constant expression here may read only"
                    + " globals 0 to " + (visibleGlobals - 1));
          }
          if (m.globalMutable[g]) {
            throw r.invalid(
                gAt, "constant expression required: global.get " + g + " reads a mutable global");
          }
          produced = m.globalTypes[g];
        }
        case 0x6A, 0x6B, 0x6C, 0x7C, 0x7D, 0x7E -> {
          int t = op <= 0x6C ? I32 : I64;
          if (sp < 2 || constantStack[sp - 1] != t || constantStack[sp - 2] != t) {
            throw r.invalid(at, "type mismatch: " + Opcodes.name(op, -1) + " expects two " + Types.name(t) + " operands");
          }
          sp -= 2;
          produced = t;
        }
        case 0xFD -> throw r.unsupported(at, Types.SIMD);
        default -> throw Opcodes.isInstruction(op)
            ? r.invalid(
                at,
                "constant expression required: " + Opcodes.name(op, -1) + " is not allowed in a constant expression")
            : r.malformed(at, String.format("illegal opcode 0x%02X", op));
      }
      if (sp == constantStack.length) {
        constantStack = Arrays.copyOf(constantStack, sp * 2);
      }
      constantStack[sp++] = produced;
    }
  }
}
