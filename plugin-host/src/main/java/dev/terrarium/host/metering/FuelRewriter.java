package dev.terrarium.host.metering;

import dev.terrarium.api.ErrorCode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Rewrites a WebAssembly binary module so that every instruction it executes is paid for out of an injected fuel
 * counter. Works on bytes only, before any engine sees the module, so the metering is the same under every engine
 * and execution mode. See {@code docs/metering.md} for the design and the cost model.
 *
 * <p>The rewritten module imports one extra function, {@value #IMPORT_MODULE}.{@value #IMPORT_NAME} of type
 * {@code (i64 counter) -> (i64 counter)}, appended after the module's own imports. Whenever the counter drops
 * below zero the module calls it with the counter and stores the result, which must be larger (the host draws
 * slices from the tenant's ledger and adds them; see {@code dev.terrarium.host.quota.FuelMeter#refuel}); it
 * calls again while the counter is still negative and traps ({@code unreachable}) if the host made no progress.
 * The host ends the guest by throwing from it when the ledger is empty. The counter is a mutable {@code i64}
 * global, initially 0, appended after the module's own globals (the last global of the rewritten module); it
 * is not exported and the guest's own code cannot name it. The host may read and write it through the engine (to hand out the
 * first slice and settle after a call).
 */
public final class FuelRewriter {
  /** Module name of the injected refuel import. A module that imports anything from it is refused. */
  public static final String IMPORT_MODULE = "terrarium_fuel";
  /** Field name of the injected refuel import. */
  public static final String IMPORT_NAME = "refuel";

  /** The most a bounded loop's pass may charge for its unchecked copy to be written. */
  static final long BOUNDED_PASS_CAP = 1L << 20;

  private static final int I32 = 0x7F;
  private static final int I64 = 0x7E;

  private FuelRewriter() {}

  /**
   * Returns a metered copy of {@code module}.
   *
   * @throws MeteringException if the module is malformed, refers to undefined functions or globals, or uses a
   *     construct the rewriter cannot meter (exceptions, GC, threads, multi-memory, memory64, ...)
   */
  public static byte[] rewrite(byte[] module, CostModel model) {
    return rewrite(module, model, true, true, true, false);
  }

  /**
   * Like {@link #rewrite(byte[], CostModel)}; without {@code countedLoops}, counted loops are charged once per
   * iteration like every other loop instead of by the chunk ({@link CountedLoop}), for comparisons. The fuel of
   * every call that returns is the same either way.
   */
  public static byte[] rewrite(byte[] module, CostModel model, boolean countedLoops) {
    return rewrite(module, model, true, countedLoops, true, false);
  }

  /**
   * Like {@link #rewrite(byte[], CostModel, boolean)}; without {@code boundedLoops}, no loop gets a copy without
   * counter tests ({@link BoundedLoop}), for comparisons. No charge differs either way.
   */
  public static byte[] rewrite(byte[] module, CostModel model, boolean countedLoops, boolean boundedLoops) {
    return rewrite(module, model, true, countedLoops, boundedLoops, false);
  }

  /**
   * Like {@link #rewrite(byte[], CostModel, boolean, boolean)}, with trap flushing (for a module compiled with
   * its counter in the machine and the handlers of {@code engine.TrapFlush}, under {@link
   * CostModel.Accounting#EXACT}), functions keep their counter in a local as under {@code FAST}, and put the marker
   * {@link #TRAP_FLUSH_MARK} in it before every call. Charges are those of {@code EXACT}; a trap is charged exactly
   * only by code compiled with those handlers (the interpreter would lose the local).
   */
  public static byte[] rewriteWithTrapFlush(
      byte[] module, CostModel model, boolean countedLoops, boolean boundedLoops) {
    return rewrite(module, model, true, countedLoops, boundedLoops, true, true);
  }

  /**
   * Like {@link #rewrite(byte[], CostModel, boolean, boolean)} (or, with {@code trapFlush}, {@link
   * #rewriteWithTrapFlush}); without {@code deferredTests}, every charge tests the counter, for comparisons (see
   * {@link #DEFERRED_MAX}). The fuel of every call that does not run out of fuel is the same either way.
   */
  public static byte[] rewriteWith(
      byte[] module, CostModel model, boolean countedLoops, boolean boundedLoops, boolean trapFlush,
      boolean deferredTests) {
    return rewrite(module, model, true, countedLoops, boundedLoops, trapFlush, deferredTests);
  }

  /**
   * The most a function charges without testing the counter (deferred tests, docs/metering.md): so the most a call
   * that runs out of fuel may run past its end before it is stopped.
   */
  public static final long DEFERRED_MAX = 1024;

  /** What a function's counter local holds during a call, under trapFlush: the global is exact, keep it. */
  public static final long TRAP_FLUSH_MARK = Long.MIN_VALUE;

  /**
   * Like {@link #rewrite(byte[], CostModel, boolean, boolean)}; without {@code plan}, each segment pays at its own
   * start (as before {@link ChargePlan}), for tests that compare the two. Counted loops then pay per iteration too:
   * their drivers take the cost of an iteration from the plan's recording pass.
   */
  static byte[] rewrite(
      byte[] module, CostModel model, boolean plan, boolean countedLoops, boolean boundedLoops, boolean trapFlush) {
    return rewrite(module, model, plan, countedLoops, boundedLoops, trapFlush, true);
  }

  /** Like {@link #rewrite(byte[], CostModel, boolean, boolean, boolean, boolean)}, with or without deferred tests. */
  static byte[] rewrite(
      byte[] module, CostModel model, boolean plan, boolean countedLoops, boolean boundedLoops, boolean trapFlush,
      boolean deferredTests) {
    Objects.requireNonNull(module, "module");
    Objects.requireNonNull(model, "model");
    try {
      Rewriter r = new Rewriter(module, model);
      r.planned = plan;
      r.counted = countedLoops;
      r.bounded = boundedLoops;
      r.trapFlush = trapFlush && model.accounting() == CostModel.Accounting.EXACT;
      r.deferred = deferredTests;
      return r.run();
    } catch (IndexOutOfBoundsException e) {
      throw new MeteringException(ErrorCode.LOAD_MALFORMED, "the module is truncated or malformed: " + e.getMessage());
    }
  }

  // ---------------------------------------------------------------------------------------------------------

  private static final class Section {
    final int id;
    final int start;
    final int end;
    final String customName;

    Section(int id, int start, int end, String customName) {
      this.id = id;
      this.start = start;
      this.end = end;
      this.customName = customName;
    }
  }

  /** Rank of a known section in the order the binary format requires. */
  private static int rank(int id) {
    switch (id) {
      case 12:
        return 10; // data count comes before code
      case 10:
        return 11;
      case 11:
        return 12;
      default:
        return id;
    }
  }

  private static final class Rewriter {
    final byte[] b;
    final CostModel model;
    final List<Section> sections = new ArrayList<>();
    int typeCount;
    int[] typeParams = new int[0];
    int[] typeResults = new int[0];
    int funcImports;
    int importedGlobals;
    int definedGlobals;
    int memories;
    int[] definedFuncTypes = new int[0];

    // Assigned after scanning.
    int oldFunctionCount;
    int refuelIndex;
    int helperIndex;
    /** The appended {@code (i64) -> i64} function that stores a function's local counter and refuels. */
    int localHelperIndex;
    int counterIndex;
    int refuelType;
    int helperType;
    /** Per defined function: whether it is reached other than by a direct call (export, table, ref.func, ...). */
    boolean[] escapes = new boolean[0];
    /** Set during the first pass over the code, which only records segments. */
    ChargePlan recording;
    /** Where charges go, computed from that pass. */
    ChargePlan plan;
    /** Whether to plan the charges at all. */
    boolean planned = true;
    /** Whether counted loops are paid by the chunk ({@link CountedLoop}). */
    boolean counted = true;
    /** Whether bounded loops get an unchecked copy ({@link BoundedLoop}). */
    boolean bounded = true;
    /** EXACT accounting with counters in locals, flushed by the compiled code's handlers at a trap. */
    boolean trapFlush;
    /** Whether charges outside loops may skip their counter test ({@link Body#deferrable}). */
    boolean deferred = true;

    Rewriter(byte[] b, CostModel model) {
      this.b = b;
      this.model = model;
    }

    MeteringException malformed(int offset, String what) {
      return new MeteringException(ErrorCode.LOAD_MALFORMED, what + " at byte offset " + offset);
    }

    void scan() {
      if (b.length < 8 || b[0] != 0 || b[1] != 'a' || b[2] != 's' || b[3] != 'm') {
        throw malformed(0, "not a WebAssembly binary module (bad magic)");
      }
      if (b[4] != 1 || b[5] != 0 || b[6] != 0 || b[7] != 0) {
        throw new MeteringException(
            ErrorCode.LOAD_UNSUPPORTED, "only WebAssembly binary modules of version 1 can be metered (not components)");
      }
      Reader r = new Reader(b, 8, b.length);
      int lastRank = 0;
      while (r.pos < r.end) {
        int at = r.pos;
        int id = r.u8();
        int size = r.u32();
        int start = r.pos;
        if (size > r.end - start) {
          throw malformed(at, "section " + id + " is longer than the module");
        }
        int end = start + size;
        String name = null;
        if (id == 0) {
          Reader nr = new Reader(b, start, end);
          name = nr.name();
        } else if (id == 13) {
          throw new MeteringException(
              ErrorCode.LOAD_UNSUPPORTED,
              "the module has a tag section (exception handling), which the fuel meter does not support; "
                  + "at byte offset " + at);
        } else if (id > 12) {
          throw malformed(at, "unknown section id " + id);
        } else {
          if (rank(id) <= lastRank) {
            throw malformed(at, "section " + id + " is out of order or repeated");
          }
          lastRank = rank(id);
        }
        sections.add(new Section(id, start, end, name));
        r.pos = end;
      }
      for (Section s : sections) {
        Reader sr = new Reader(b, s.start, s.end);
        switch (s.id) {
          case 1:
            scanTypes(sr);
            break;
          case 2:
            scanImports(sr);
            break;
          case 3:
            int n = sr.count();
            definedFuncTypes = new int[n];
            for (int i = 0; i < n; i++) {
              int at = sr.pos;
              definedFuncTypes[i] = sr.u32();
              if (definedFuncTypes[i] >= typeCount) {
                throw new MeteringException(
                    ErrorCode.LOAD_INVALID, "function " + i + " has an unknown type, at byte offset " + at);
              }
            }
            break;
          case 4:
            scanTables(sr);
            break;
          case 5:
            int m = sr.count();
            for (int i = 0; i < m; i++) {
              limits(sr, true);
            }
            memories += m;
            break;
          case 6:
            definedGlobals = sr.count();
            break;
          default:
            break;
        }
      }
      if (memories > 1) {
        throw new MeteringException(
            ErrorCode.LOAD_UNSUPPORTED, "the module has " + memories + " memories; multi-memory is not supported");
      }
      oldFunctionCount = funcImports + definedFuncTypes.length;
      escapes = new boolean[definedFuncTypes.length];
      refuelIndex = funcImports;
      helperIndex = oldFunctionCount + 1;
      localHelperIndex = oldFunctionCount + 2;
      counterIndex = importedGlobals + definedGlobals;
      refuelType = typeCount;
      helperType = typeCount + 1;
    }

    void scanTypes(Reader r) {
      int n = r.count();
      typeParams = new int[n];
      typeResults = new int[n];
      for (int i = 0; i < n; i++) {
        int at = r.pos;
        int form = r.u8();
        if (form != 0x60) {
          throw new MeteringException(
              ErrorCode.LOAD_UNSUPPORTED,
              String.format(
                  "type %d has form 0x%02X (GC / function references), which the fuel meter does not support; "
                      + "at byte offset %d",
                  i, form, at));
        }
        int params = r.count();
        for (int p = 0; p < params; p++) {
          valType(r);
        }
        int results = r.count();
        for (int p = 0; p < results; p++) {
          valType(r);
        }
        typeParams[i] = params;
        typeResults[i] = results;
      }
      typeCount = n;
    }

    int valType(Reader r) {
      int at = r.pos;
      int t = r.u8();
      switch (t) {
        case 0x7F:
        case 0x7E:
        case 0x7D:
        case 0x7C:
        case 0x7B:
        case 0x70:
        case 0x6F:
          return t;
        default:
          throw new MeteringException(
              ErrorCode.LOAD_UNSUPPORTED,
              String.format("value type 0x%02X is not supported by the fuel meter, at byte offset %d", t, at));
      }
    }

    int refType(Reader r) {
      int at = r.pos;
      int t = r.u8();
      if (t != 0x70 && t != 0x6F) {
        throw new MeteringException(
            ErrorCode.LOAD_UNSUPPORTED,
            String.format("reference type 0x%02X is not supported by the fuel meter, at byte offset %d", t, at));
      }
      return t;
    }

    void limits(Reader r, boolean memory) {
      int at = r.pos;
      int flags = r.u8();
      if (flags > 1) {
        throw new MeteringException(
            ErrorCode.LOAD_UNSUPPORTED,
            String.format(
                "%s limits with flags 0x%02X (shared memory / memory64 / table64) are not supported by the fuel "
                    + "meter, at byte offset %d",
                memory ? "memory" : "table", flags, at));
      }
      r.u32();
      if (flags == 1) {
        r.u32();
      }
    }

    void scanTables(Reader r) {
      int n = r.count();
      for (int i = 0; i < n; i++) {
        int at = r.pos;
        if ((b[r.pos] & 0xFF) == 0x40) {
          throw new MeteringException(
              ErrorCode.LOAD_UNSUPPORTED, "tables with initializer expressions are not supported, at byte offset " + at);
        }
        refType(r);
        limits(r, false);
      }
    }

    void scanImports(Reader r) {
      int n = r.count();
      for (int i = 0; i < n; i++) {
        int at = r.pos;
        String mod = r.name();
        r.name();
        if (IMPORT_MODULE.equals(mod)) {
          throw new MeteringException(
              ErrorCode.LOAD_INVALID,
              "the module imports from the reserved module '" + IMPORT_MODULE + "', at byte offset " + at);
        }
        int kind = r.u8();
        switch (kind) {
          case 0:
            int t = r.u32();
            if (t >= typeCount) {
              throw new MeteringException(ErrorCode.LOAD_INVALID, "an import has an unknown type, at byte offset " + at);
            }
            funcImports++;
            break;
          case 1:
            refType(r);
            limits(r, false);
            break;
          case 2:
            limits(r, true);
            memories++;
            break;
          case 3:
            valType(r);
            r.u8();
            importedGlobals++;
            break;
          default:
            throw new MeteringException(
                ErrorCode.LOAD_UNSUPPORTED,
                "import kind " + kind + " (tags) is not supported by the fuel meter, at byte offset " + at);
        }
      }
    }

    // -------------------------------------------------------------------------------------------------------

    byte[] run() {
      scan();
      Out out = new Out();
      out.write(b, 0, 8);
      List<int[]> pendingIds = new ArrayList<>();
      boolean hasType = false;
      boolean hasImport = false;
      boolean hasFunction = false;
      boolean hasGlobal = false;
      boolean hasCode = false;
      for (Section s : sections) {
        hasType |= s.id == 1;
        hasImport |= s.id == 2;
        hasFunction |= s.id == 3;
        hasGlobal |= s.id == 6;
        hasCode |= s.id == 10;
      }
      if (!hasType) {
        pendingIds.add(new int[] {1});
      }
      if (!hasImport) {
        pendingIds.add(new int[] {2});
      }
      if (!hasFunction) {
        pendingIds.add(new int[] {3});
      }
      if (!hasGlobal) {
        pendingIds.add(new int[] {6});
      }
      if (!hasCode) {
        pendingIds.add(new int[] {10});
      }
      for (Section s : sections) {
        if (s.id != 0) {
          while (!pendingIds.isEmpty() && rank(pendingIds.get(0)[0]) < rank(s.id)) {
            int id = pendingIds.remove(0)[0];
            emit(out, id, synthesize(id));
          }
        }
        if (s.id == 0) {
          if ("name".equals(s.customName)) {
            continue; // function indices shift; the name section is debug info only, so it is dropped
          }
          emit(out, 0, Arrays.copyOfRange(b, s.start, s.end));
          continue;
        }
        Reader r = new Reader(b, s.start, s.end);
        byte[] payload;
        switch (s.id) {
          case 1:
            payload = rewriteTypes(r);
            break;
          case 2:
            payload = rewriteImports(r);
            break;
          case 3:
            payload = rewriteFunctions(r);
            break;
          case 6:
            payload = rewriteGlobals(r);
            break;
          case 7:
            payload = rewriteExports(r);
            break;
          case 8:
            Out o = new Out();
            o.u32(func(r.u32(), r.pos));
            payload = o.toByteArray();
            break;
          case 9:
            payload = rewriteElements(r);
            break;
          case 10:
            payload = rewriteCode(r);
            break;
          default:
            payload = Arrays.copyOfRange(b, s.start, s.end);
            r.pos = r.end;
            break;
        }
        if (r.pos != r.end) {
          throw malformed(r.pos, "section " + s.id + " has trailing bytes");
        }
        emit(out, s.id, payload);
      }
      while (!pendingIds.isEmpty()) {
        int id = pendingIds.remove(0)[0];
        emit(out, id, synthesize(id));
      }
      return out.toByteArray();
    }

    void emit(Out out, int id, byte[] payload) {
      out.write(id);
      out.u32(payload.length);
      out.write(payload, 0, payload.length);
    }

    byte[] synthesize(int id) {
      Reader empty = new Reader(new byte[] {0}, 0, 1);
      switch (id) {
        case 1:
          return rewriteTypes(empty);
        case 2:
          return rewriteImports(empty);
        case 3:
          return rewriteFunctions(empty);
        case 6:
          return rewriteGlobals(empty);
        case 10:
          return rewriteCode(empty);
        default:
          throw new IllegalStateException("cannot synthesize section " + id);
      }
    }

    byte[] rewriteTypes(Reader r) {
      int n = r.count();
      int from = r.pos;
      // Re-scan to find the end (already validated by scanTypes).
      for (int i = 0; i < n; i++) {
        r.u8();
        int p = r.u32();
        r.pos += p;
        int q = r.u32();
        r.pos += q;
      }
      Out o = new Out();
      o.u32(n + 2L);
      o.write(b, from, r.pos - from);
      o.write(new byte[] {0x60, 0x01, (byte) I64, 0x01, (byte) I64}, 0, 5); // refuel: (i64) -> i64
      o.write(new byte[] {0x60, 0x00, 0x00}, 0, 3); // helper: () -> ()
      return o.toByteArray();
    }

    byte[] rewriteImports(Reader r) {
      int n = r.count();
      int from = r.pos;
      for (int i = 0; i < n; i++) {
        r.name();
        r.name();
        int kind = r.u8();
        switch (kind) {
          case 0:
            r.u32();
            break;
          case 1:
            r.u8();
            limits(r, false);
            break;
          case 2:
            limits(r, true);
            break;
          default:
            r.u8();
            r.u8();
            break;
        }
      }
      Out o = new Out();
      o.u32(n + 1L);
      o.write(b, from, r.pos - from);
      o.name(IMPORT_MODULE);
      o.name(IMPORT_NAME);
      o.write(0);
      o.u32(refuelType);
      return o.toByteArray();
    }

    byte[] rewriteFunctions(Reader r) {
      int n = r.count();
      Out o = new Out();
      o.u32(n + 2L);
      for (int i = 0; i < n; i++) {
        o.u32(r.u32());
      }
      o.u32(helperType);
      o.u32(refuelType); // the local helper: (i64) -> i64, as refuel
      return o.toByteArray();
    }

    byte[] rewriteGlobals(Reader r) {
      int n = r.count();
      Out o = new Out();
      o.u32(n + 1L);
      for (int i = 0; i < n; i++) {
        o.write(valType(r));
        o.write(r.u8());
        constExpr(r, o);
      }
      o.write(new byte[] {(byte) I64, 0x01, 0x42, 0x00, 0x0B}, 0, 5); // (mut i64) (i64.const 0)
      return o.toByteArray();
    }

    byte[] rewriteExports(Reader r) {
      int n = r.count();
      Out o = new Out();
      o.u32(n);
      for (int i = 0; i < n; i++) {
        o.name(r.name());
        int at = r.pos;
        int kind = r.u8();
        int index = r.u32();
        o.write(kind);
        if (kind == 0) {
          o.u32(func(index, at));
        } else if (kind == 3) {
          o.u32(global(index, at));
        } else if (kind == 1 || kind == 2) {
          o.u32(index);
        } else {
          throw new MeteringException(
              ErrorCode.LOAD_UNSUPPORTED, "export kind " + kind + " is not supported, at byte offset " + at);
        }
      }
      return o.toByteArray();
    }

    byte[] rewriteElements(Reader r) {
      int n = r.count();
      Out o = new Out();
      o.u32(n);
      for (int i = 0; i < n; i++) {
        int at = r.pos;
        int flags = r.u32();
        o.u32(flags);
        if (flags > 7) {
          throw malformed(at, "element segment " + i + " has unknown flags " + flags);
        }
        boolean passiveOrDeclarative = (flags & 1) != 0;
        boolean explicitTable = (flags & 2) != 0;
        boolean expressions = (flags & 4) != 0;
        if (!passiveOrDeclarative) {
          if (explicitTable) {
            o.u32(r.u32());
          }
          constExpr(r, o);
        }
        if (passiveOrDeclarative || explicitTable) {
          if (expressions) {
            o.write(refType(r));
          } else {
            int kind = r.u8();
            if (kind != 0) {
              throw malformed(at, "element segment " + i + " has unknown element kind " + kind);
            }
            o.write(kind);
          }
        }
        int count = r.count();
        o.u32(count);
        for (int k = 0; k < count; k++) {
          if (expressions) {
            constExpr(r, o);
          } else {
            int fat = r.pos;
            o.u32(func(r.u32(), fat));
          }
        }
      }
      return o.toByteArray();
    }

    /** Remaps a function index used other than by a direct call, which marks the function as escaping. */
    int func(long index, int at) {
      int f = callee(index, at);
      if (index >= funcImports) {
        escapes[(int) index - funcImports] = true;
      }
      return f;
    }

    /** Remaps the function index of a direct {@code call}. */
    int callee(long index, int at) {
      if (index < 0 || index >= oldFunctionCount) {
        throw new MeteringException(
            ErrorCode.LOAD_INVALID, "function index " + index + " is out of range, at byte offset " + at);
      }
      return index < funcImports ? (int) index : (int) index + 1;
    }

    int global(long index, int at) {
      if (index < 0 || index >= counterIndex) {
        throw new MeteringException(
            ErrorCode.LOAD_INVALID, "global index " + index + " is out of range, at byte offset " + at);
      }
      return (int) index;
    }

    /** Copies a constant expression, remapping function indices; no metering. */
    void constExpr(Reader r, Out o) {
      Body body = new Body(-1, false, r);
      while (true) {
        int kind = body.instruction(o);
        if (kind == Body.END) {
          return;
        }
      }
    }

    /**
     * Whether charges keep the new counter in an appended i64 local ({@code local.tee}) instead of reading the
     * global again. Turned off for modules with tail calls: Endive's interpreter builds the frame of a function
     * entered by {@code return_call} without its declared locals, so an added local would break such modules.
     */
    boolean useTemp = true;
    /** Set when a code body contains {@code return_call} or {@code return_call_indirect}. */
    boolean sawTailCall;

    byte[] rewriteCode(Reader r) {
      int start = r.pos;
      if (planned) {
        recording = new ChargePlan(definedFuncTypes.length);
        rewriteCodeOnce(r); // records the segments only
        plan = recording;
        recording = null;
        plan.compute(escapes, model.accounting() == CostModel.Accounting.FAST || trapFlush);
        r.pos = start;
      }
      byte[] out = rewriteCodeOnce(r);
      if (sawTailCall && useTemp) {
        useTemp = false;
        r.pos = start;
        out = rewriteCodeOnce(r);
      }
      return out;
    }

    byte[] rewriteCodeOnce(Reader r) {
      int n = r.count();
      if (n != definedFuncTypes.length) {
        throw malformed(r.pos, "the code section has " + n + " bodies for " + definedFuncTypes.length + " functions");
      }
      Out o = new Out();
      o.u32(n + 2L);
      for (int i = 0; i < n; i++) {
        int at = r.pos;
        int size = r.u32();
        int end = r.pos + size;
        if (size < 0 || end > r.end) {
          throw malformed(at, "function body " + i + " is longer than the code section");
        }
        byte[] body = meterBody(new Reader(b, r.pos, end), funcImports + i, typeParams[definedFuncTypes[i]]);
        o.u32(body.length);
        o.write(body, 0, body.length);
        r.pos = end;
      }
      byte[] helper = helperBody();
      o.u32(helper.length);
      o.write(helper, 0, helper.length);
      byte[] local = localHelperBody();
      o.u32(local.length);
      o.write(local, 0, local.length);
      return o.toByteArray();
    }

    /** {@code (counter) -> counter}: stores a function's local counter in the global, refuels, returns it. */
    byte[] localHelperBody() {
      Out o = new Out();
      o.u32(0); // no locals besides the parameter
      o.write(0x20);
      o.u32(0); // local.get 0
      o.write(0x24);
      o.u32(counterIndex); // global.set $fuel
      o.write(0x10);
      o.u32(helperIndex); // call the refuel loop
      o.write(0x23);
      o.u32(counterIndex); // global.get $fuel
      o.write(0x0B);
      return o.toByteArray();
    }

    byte[] helperBody() {
      Out o = new Out();
      o.u32(1);
      o.u32(1);
      o.write(I64); // local 0: the new counter
      o.write(0x03);
      o.write(0x40); // loop
      o.write(0x23);
      o.u32(counterIndex); // global.get $fuel
      o.write(0x10);
      o.u32(refuelIndex); // call refuel
      o.write(0x22);
      o.u32(0); // local.tee 0
      o.write(0x23);
      o.u32(counterIndex);
      o.write(0x57); // i64.le_s: no progress?
      o.write(0x04);
      o.write(0x40);
      o.write(0x00);
      o.write(0x0B); // if unreachable end
      o.write(0x20);
      o.u32(0);
      o.write(0x24);
      o.u32(counterIndex); // global.set $fuel
      o.write(0x23);
      o.u32(counterIndex);
      o.write(0x42);
      o.s64(0);
      o.write(0x53); // i64.lt_s
      o.write(0x0D);
      o.u32(0); // br_if 0
      o.write(0x0B); // end loop
      o.write(0x0B); // end function
      return o.toByteArray();
    }

    byte[] meterBody(Reader r, int functionIndex, int params) {
      int groups = r.count();
      Out locals = new Out();
      long total = params;
      for (int g = 0; g < groups; g++) {
        int at = r.pos;
        long count = r.u32() & 0xFFFFFFFFL;
        total += count;
        if (total > 50_000) {
          throw new MeteringException(
              ErrorCode.LOAD_UNSUPPORTED, "function " + functionIndex + " has too many locals, at byte offset " + at);
        }
        locals.u32(count);
        locals.write(valType(r));
      }
      Body body = new Body(functionIndex, true, r);
      body.scratch = (int) total;
      body.defined = functionIndex - funcImports;
      body.rec = recording == null ? null : recording.function(body.defined);
      Out code = new Out();
      body.meter(code);
      if (r.pos != r.end) {
        throw malformed(r.pos, "function " + functionIndex + " has bytes after its final end");
      }
      Out o = new Out();
      // Appended locals: the i32 length scratch at index `total`, the i64 counter copy at `total + 1`, and for
      // counted loops three i64 (`total + 2` to `+ 4`) and an i32 (`total + 5`).
      boolean temp = body.usedTemp || body.usedCounted;
      boolean scratchGroup = body.usedScratch || temp;
      o.u32(groups + (scratchGroup ? 1L : 0L) + (temp ? 1L : 0L) + (body.usedCounted ? 2L : 0L));
      byte[] l = locals.toByteArray();
      o.write(l, 0, l.length);
      if (scratchGroup) {
        o.u32(1);
        o.write(I32);
      }
      if (temp) {
        o.u32(1);
        o.write(I64);
      }
      if (body.usedCounted) {
        o.u32(3);
        o.write(I64);
        o.u32(1);
        o.write(I32);
      }
      byte[] c = code.toByteArray();
      o.write(c, 0, c.length);
      return o.toByteArray();
    }

    /** Decodes, remaps and (for function bodies) meters one expression. */
    private final class Body {
      static final int NORMAL = 0;
      static final int BOUNDARY = 1;
      static final int OPEN = 2;
      static final int END = 3;

      final int functionIndex;
      final boolean metered;
      final Reader r;
      int scratch;
      boolean usedScratch;
      /** Whether the i64 local {@code scratch + 1} (the charge's copy of the new counter) is used. */
      boolean usedTemp;
      /** Whether a counted loop's driver uses the locals {@code scratch + 2} to {@code scratch + 5}. */
      boolean usedCounted;
      long segmentCost;
      /** The defined-function index of a function body. */
      int defined;
      /** What the recording pass records of this body, or {@code null}. */
      ChargePlan.Fn rec;
      /** The segment being built, counted from 0. */
      int segIndex;
      int brIfOrdinal;
      int lastBrIfOrdinal;
      long lastCallee;
      int lastBlockParams;
      /** The result count of the block type just read, and per open block its result count. */
      int lastBlockResults;
      int[] results = new int[16];
      int loopOrdinal;
      /** The bounded loop being written ({@link #boundedGuard}), or null. */
      Bounded bounded;
      boolean pendingBounded;
      /** The buffers {@link #meter} writes to: the function's code, and the segment being built. */
      Out codeOut;
      Out segOut;
      int lastLoopOrdinal;
      /** Whether the loop just opened is wrapped so that its back edges refill outside it (see {@link #wrapEnd}). */
      boolean pendingWrap;
      /** The depth of open blocks (meter()'s), and per open block the blocks the rewriter put around it. */
      int curDepth;
      /**
       * Deferred tests (docs/metering.md, "Deferred counter tests"): whether the segment being built starts inside a
       * loop, and whether it contains a call, leaves the function or enters a loop.
       */
      boolean segInLoop;
      boolean segCall;
      boolean segExit;
      boolean segEntersLoop;
      /**
       * The most any path to the start of the segment being built has charged since the counter was last tested
       * (0 inside loops, whose charges all test). Outside loops control only moves forward, so it is the maximum
       * over the ways in: per open block, {@link #endDebt} is the most any branch to its end carried ({@link #NONE}
       * for none), {@link #ifDebt} what an {@code if}'s condition left, for its {@code else}.
       */
      long debt;
      long[] endDebt = new long[16];
      long[] ifDebt = new long[16];
      boolean[] elseSeen = new boolean[16];
      /** The blocks (not loops, not the function) that the instruction just read branches to. */
      int[] brTargets = new int[8];
      int brTargetCount;
      static final long NONE = -1;
      int[] wraps = new int[16];
      /** {@code wrapped[d]}: the blocks the rewriter put around the open blocks below depth {@code d}. */
      int[] wrapped = new int[17];

      Body(int functionIndex, boolean metered, Reader r) {
        this.functionIndex = functionIndex;
        this.metered = metered;
        this.r = r;
      }

      // Kinds of open blocks, for the segmenting rules in meter().
      static final int K_FUNCTION = 0;
      static final int K_BLOCK = 1;
      static final int K_LOOP = 2;
      static final int K_IF = 3;

      /** Opcode of the last instruction decoded by {@link #instruction}. */
      int lastOp;
      /** Relative label depths of the last {@code br}, {@code br_if} or {@code br_table} decoded. */
      int[] labels = new int[4];
      int labelCount;

      /**
       * Copies the body, charging each segment at its start. A segment ends only where control can arrive other
       * than by falling through from the previous instruction (see docs/metering.md, "Charging"): after
       * {@code loop} (the header is a branch target), {@code if} and {@code else} (the arms are entered
       * conditionally), {@code br_if} (the fall-through is charged separately, so a taken branch never pays for
       * it), the {@code end} of an {@code if} and of a {@code block} that some branch targets, and the
       * unconditional transfers {@code br}, {@code br_table}, {@code return}, {@code unreachable},
       * {@code return_call*}. It does not end after {@code block}, after a {@code loop}'s {@code end}, after
       * the {@code end} of a block no branch targets, or after {@code call}/{@code call_indirect}: the code
       * after a call is paid with the code before it. Code after an unconditional transfer, up to the
       * {@code end} or {@code else} of the enclosing block, cannot run and is copied without charges.
       */
      void meter(Out code) {
        int depth = 1;
        int[] kinds = new int[16];
        boolean[] targeted = new boolean[16];
        Object[] blocks = new Object[16]; // the recorded loop or if of each open block, or null
        ChargePlan.Loop[] loopAt = new ChargePlan.Loop[16]; // the innermost recorded loop at each depth, or null
        kinds[0] = K_FUNCTION;
        boolean dead = false;
        int deadDepth = 0;
        Out seg = new Out();
        codeOut = code;
        segOut = seg;
        if (localCounter()) {
          usedTemp = true;
          code.write(0x23);
          code.u32(counterIndex);
          code.write(0x21);
          code.u32(scratch + 1L); // the function's counter lives in a local; the global is synced at the edges
        }
        while (true) {
          if (r.pos >= r.end) {
            throw malformed(r.pos, "function " + functionIndex + " ends without its final end");
          }
          long before = segmentCost;
          boolean wasDead = dead;
          labelCount = 0;
          int next = b[r.pos] & 0xFF;
          boolean call = false;
          if (localCounter()) {
            call = next == 0x10 || next == 0x11;
            if (!synced
                && (call || next == 0x0F || (next == 0x0B && depth == 1) || leavesFunction(next, depth))) {
              store(seg);
              synced = true;
            }
            if (call && trapFlush) {
              seg.write(0x42);
              seg.s64(TRAP_FLUSH_MARK);
              seg.write(0x21);
              seg.u32(scratch + 1L); // the callee keeps the global exact: a trap there must not overwrite it
            }
          }
          curDepth = depth;
          if (next >= 0x10 && next <= 0x13) {
            segCall = true; // call, call_indirect, return_call, return_call_indirect
          } else if (next == 0x0F || (next == 0x0B && depth == 1) || leavesFunction(next, depth)) {
            segExit = true;
          } else if (next == 0x03) {
            segEntersLoop = true;
          }
          if (next == 0x03 && !dead && plan != null && rec == null) {
            boolean driven = counted && useTemp && countedLoop(seg);
            if (!driven && Rewriter.this.bounded && metered && bounded == null
                && !plan.wrapped(defined, loopOrdinal)) {
              BoundedLoop l = BoundedLoop.find(b, r.pos, r.end, scratch);
              if (l != null) {
                bounded = new Bounded(l);
                boundedGuard(seg, bounded);
                pendingBounded = true;
              }
            }
          }
          int kind = instruction(seg);
          if (call) {
            seg.write(0x23);
            seg.u32(counterIndex);
            seg.write(0x21);
            seg.u32(scratch + 1L); // the callee may have spent fuel: reload
            synced = true;
          }
          if (dead) {
            segmentCost = before; // unreachable code is not charged
          }
          boolean recordLive = rec != null && !wasDead; // the recording pass, on code that can run
          ChargePlan.Loop inLoop = loopAt[depth - 1];
          brTargetCount = 0;
          for (int i = 0; i < labelCount; i++) {
            int l = depth - 1 - labels[i];
            if (l >= 0 && l < depth) {
              if (!wasDead && l >= 1 && kinds[l] != K_LOOP) {
                if (brTargetCount == brTargets.length) {
                  brTargets = Arrays.copyOf(brTargets, brTargetCount * 2);
                }
                brTargets[brTargetCount++] = l;
              }
              targeted[l] = true;
              if (recordLive && blocks[l] instanceof ChargePlan.Loop target) {
                branchToLoop(target);
              } else if (recordLive && forwardRefunds() && lastOp == 0x0D && l >= 1 && kinds[l] != K_LOOP
                  && results[l] == 0) {
                forwardEdge();
              }
              if (recordLive && inLoop != null) {
                exitsTo(inLoop, l);
              }
            }
          }
          if (recordLive && (lastOp == 0x0F || lastOp == 0x12 || lastOp == 0x13) && inLoop != null) {
            exitsTo(inLoop, 0); // return and tail calls leave every loop
          }
          if (recordLive && lastOp == 0x10 && lastCallee >= funcImports) {
            rec.calls.add(new long[] {segIndex, lastCallee - funcImports});
          }
          if (rec != null && (lastOp == 0x10 || lastOp == 0x11 || lastOp == 0x12 || lastOp == 0x13) && inLoop != null) {
            inLoop.hasCall = true; // and the loops around it, when it ends
          }
          if (kind == NORMAL) {
            continue;
          }
          boolean split;
          if (kind == OPEN) {
            if (depth == kinds.length) {
              kinds = Arrays.copyOf(kinds, depth * 2);
              targeted = Arrays.copyOf(targeted, depth * 2);
              blocks = Arrays.copyOf(blocks, depth * 2);
              loopAt = Arrays.copyOf(loopAt, depth * 2);
              results = Arrays.copyOf(results, depth * 2);
              wraps = Arrays.copyOf(wraps, depth * 2);
              wrapped = Arrays.copyOf(wrapped, depth * 2 + 1);
            }
            wraps[depth] = pendingWrap ? 3 : pendingBounded && lastOp == 0x03 ? 1 : 0;
            if (pendingBounded && lastOp == 0x03) {
              bounded.depth = depth;
            }
            pendingBounded = false;
            wrapped[depth + 1] = wrapped[depth] + wraps[depth];
            pendingWrap = false;
            int k = lastOp == 0x02 ? K_BLOCK : lastOp == 0x03 ? K_LOOP : K_IF;
            kinds[depth] = k;
            results[depth] = lastBlockResults;
            targeted[depth] = false;
            curDepthOpen = depth;
            blocks[depth] = rec == null || dead ? null : open(k);
            loopAt[depth] =
                blocks[depth] instanceof ChargePlan.Loop ? (ChargePlan.Loop) blocks[depth] : loopAt[depth - 1];
            depth++;
            split = !dead && k != K_BLOCK;
          } else if (kind == END) {
            depth--;
            if (bounded != null && depth == bounded.depth) {
              bounded.endSeg = seg.size(); // the copy goes right after the loop's end, once its last charge is known
              wraps[depth] = 0;
            } else if (wraps[depth] != 0) {
              wrapEnd(seg);
              wraps[depth] = 0;
            }
            if (blocks[depth] instanceof ChargePlan.Loop l) {
              l.x = wasDead ? -1 : segIndex; // the segment that leaves the loop through its end
              if (loopAt[depth - 1] != null) {
                loopAt[depth - 1].hasCall |= l.hasCall;
                exitsTo(loopAt[depth - 1], l.minTarget);
              }
            }
            if (depth == 0) {
              flush(code, seg);
              if (rec != null) {
                rec.brIfs = brIfOrdinal;
                rec.loopCount = loopOrdinal;
              }
              return;
            }
            int k = kinds[depth];
            if (dead) {
              split = depth < deadDepth;
              if (split) {
                dead = false; // reached by branches (or not at all): instrument it as reachable
              }
            } else {
              split = k == K_IF || (k == K_BLOCK && targeted[depth]);
            }
            if (blocks[depth] instanceof ChargePlan.If i) {
              if (!i.hasElse && wasDead && split && !targeted[depth]) {
                i.other = segIndex + 1; // only the condition reaches the code after this if
              }
            }
          } else if (lastOp == 0x05) { // else
            if (dead) {
              split = depth == deadDepth;
              if (split) {
                dead = false;
              }
            } else {
              split = true;
            }
            if (blocks[depth - 1] instanceof ChargePlan.If i) {
              i.other = split ? segIndex + 1 : -1;
              i.hasElse = true;
            }
          } else if (lastOp == 0x10 || lastOp == 0x11) { // call, call_indirect: the continuation is paid with it
            split = false;
          } else if (lastOp == 0x0D) { // br_if
            split = !dead;
          } else { // br, br_table, return, unreachable, return_call, return_call_indirect
            split = !dead;
            if (!dead) {
              dead = true;
              deadDepth = depth;
            }
          }
          if (split) {
            flush(code, seg);
            segInLoop = false;
            for (int q = 1; q < depth; q++) {
              segInLoop |= kinds[q] == K_LOOP;
            }
          }
          trackDebt(kind, wasDead, depth, kinds[kind == END ? depth : depth - 1]);
        }
      }

      /**
       * Updates {@link #debt} after an instruction that ends a segment or opens or closes a block (after the segment's
       * flush, which applied its charge): branches carry it to their blocks' ends, an {@code else} starts from what
       * the condition left, and an {@code end} takes the most of every way in. {@code kind} is that of the block the
       * instruction opened or closed, or of the one it is in.
       */
      void trackDebt(int kind, boolean wasDead, int depth, int blockKind) {
        if (rec != null) {
          return;
        }
        if (depth >= endDebt.length) {
          int n = Math.max(depth + 1, endDebt.length * 2);
          endDebt = Arrays.copyOf(endDebt, n);
          ifDebt = Arrays.copyOf(ifDebt, n);
          elseSeen = Arrays.copyOf(elseSeen, n);
        }
        for (int i = 0; i < brTargetCount; i++) {
          endDebt[brTargets[i]] = Math.max(endDebt[brTargets[i]], debt);
        }
        brTargetCount = 0;
        if (kind == OPEN) {
          int opened = depth - 1;
          endDebt[opened] = NONE;
          ifDebt[opened] = debt; // an if's condition was flushed: what its arms start from
          elseSeen[opened] = false;
        } else if (kind == END) {
          long in = Math.max(wasDead ? NONE : debt, endDebt[depth]);
          if (blockKind == K_IF && !elseSeen[depth]) {
            in = Math.max(in, ifDebt[depth]); // the condition was false: straight to the end
          }
          debt = Math.max(in, 0);
        } else if (lastOp == 0x05) { // else: the first arm's way to the end, then the second arm
          int open = depth - 1;
          if (!wasDead) {
            endDebt[open] = Math.max(endDebt[open], debt);
          }
          elseSeen[open] = true;
          debt = ifDebt[open];
        }
      }

      /**
       * Before a {@code loop} that is a {@link CountedLoop}, writes its driver: all its iterations but the last run
       * there in uncharged chunks, each paid at once; the loop itself, metered, then runs the last. The driver is
       * glue inside the segment that enters the loop, so the segments and the plan do not change.
       */
      boolean countedLoop(Out seg) {
        // the loop's header is the segment after the one that ends with the loop instruction
        CountedLoop l = CountedLoop.find(b, r.pos, r.end, scratch, plan.cost(defined, segIndex + 1));
        if (l == null) {
          return false;
        }
        usedCounted = true;
        l.driver(
            b,
            seg,
            new CountedLoop.Counter() {
              @Override
              public void get(Out o) {
                getCounter(o);
              }

              @Override
              public void set(Out o) {
                setCounter(o);
              }

              @Override
              public void charge(Out o, long cost) {
                Body.this.charge(o, cost);
              }
            },
            scratch + 2,
            scratch + 3,
            scratch + 4,
            scratch + 5);
        synced = false;
        return true;
      }

      /**
       * Whether the local counter equals the global at this point of the segment being built: after a store or a
       * reload, until the next segment (which starts with a charge) or a dynamic charge.
       */
      boolean synced;

      /**
       * Whether this function keeps its counter in a local: under {@link CostModel.Accounting#FAST}, in modules
       * without tail calls, unless the plan found it call-heavy ({@link ChargePlan#callHeavy}: a call in a loop, or
       * recursion), where storing the local before every call and reloading it after costs more than it saves.
       * The recording pass (no plan yet) assumes a local: nothing it records depends on where the counter lives.
       */
      boolean localCounter() {
        return metered
            && useTemp
            && (model.accounting() == CostModel.Accounting.FAST || trapFlush)
            && !(plan != null && rec == null && plan.callHeavy(defined));
      }

      /** {@code local.get $c; global.set $fuel}: makes the global current (before a call or leaving). */
      void store(Out o) {
        o.write(0x20);
        o.u32(scratch + 1L);
        o.write(0x24);
        o.u32(counterIndex);
      }

      /** Whether the branch at {@code r.pos} (opcode {@code op}) may target the function's own label. */
      boolean leavesFunction(int op, int depth) {
        if (op != 0x0C && op != 0x0D && op != 0x0E) {
          return false;
        }
        Reader p = new Reader(b, r.pos + 1, r.end);
        if (op != 0x0E) {
          return p.u32() == depth - 1;
        }
        int n = p.u32();
        for (int i = 0; i <= n; i++) { // the labels, then the default
          if (p.u32() == depth - 1) {
            return true;
          }
        }
        return false;
      }

      /** Records the loop or if that {@code lastOp} opens, at the segment being built. */
      Object open(int kind) {
        if (kind == K_LOOP) {
          ChargePlan.Loop l = new ChargePlan.Loop();
          l.p = segIndex;
          l.h = segIndex + 1;
          l.eligible = lastBlockParams == 0;
          l.ordinal = lastLoopOrdinal;
          l.index = curDepthOpen;
          rec.loops.add(l);
          return l;
        }
        if (kind == K_IF) {
          ChargePlan.If i = new ChargePlan.If();
          i.s = segIndex;
          i.t = segIndex + 1;
          rec.ifs.add(i);
          return i;
        }
        return null;
      }

      /** The index of the block being opened (for {@link #open}). */
      int curDepthOpen;

      /** Records that a branch inside loop {@code l} (innermost) goes to the block at index {@code target}. */
      static void exitsTo(ChargePlan.Loop l, int target) {
        l.minTarget = Math.min(l.minTarget, target);
      }

      /**
       * Whether forward {@code br_if}s prepay their fall-through: under FAST accounting, where a refund is an add to a
       * local (the plan drops them again in functions that keep the counter in the global, {@link
       * ChargePlan#callHeavy}). Under EXACT a refund is a load and a store of the global, and it cost the kernels
       * more than it saved the echo (docs/performance.md).
       */
      boolean forwardRefunds() {
        return model.accounting() == CostModel.Accounting.FAST;
      }

      /**
       * Records a live {@code br_if} forward, to a block or {@code if} without results (not to the function: under
       * FAST accounting the counter is stored before a branch that leaves it).
       */
      void forwardEdge() {
        ChargePlan.Edge e = new ChargePlan.Edge();
        e.b = segIndex;
        e.ordinal = lastBrIfOrdinal;
        rec.forward.add(e);
      }

      /** Records a live {@code br}, {@code br_if} or {@code br_table} (in {@code lastOp}) to a loop's header. */
      void branchToLoop(ChargePlan.Loop l) {
        if (lastOp == 0x0C) {
          if (segIndex == l.h) {
            l.eligible = false; // the header's own br: it would pay for itself
          } else {
            l.brSources.add(segIndex);
          }
        } else if (lastOp == 0x0D) {
          ChargePlan.Edge e = new ChargePlan.Edge();
          e.b = segIndex;
          e.ordinal = lastBrIfOrdinal;
          e.loop = l;
          l.edges.add(e);
        } else {
          l.eligible = false; // br_table: no place for a charge on one of its edges
        }
      }

      void flush(Out code, Out seg) {
        synced = false; // the next segment starts with its charge (and may be entered from elsewhere)
        if (rec != null) {
          rec.segment(segmentCost);
          charge(code, segmentCost);
        } else {
          long cost = plan == null ? segmentCost : plan.charge(defined, segIndex, segmentCost);
          if (deferrable(cost)) {
            debt += cost;
            subtract(code, cost);
          } else {
            charge(code, cost);
            if (cost > 0) {
              debt = 0;
            } else if (debt > 0 && (segCall || segExit || segEntersLoop || segInLoop)) {
              test(code); // what earlier segments charged without a test is tested before this one goes on
              debt = 0;
            }
          }
        }
        segCall = false;
        segExit = false;
        segEntersLoop = false;
        segIndex++;
        byte[] s = seg.toByteArray();
        Bounded bl = bounded;
        if (bl == null) {
          code.write(s, 0, s.length);
        } else {
          int base = code.size();
          for (int[] c : bl.segChecks) {
            bl.checks.add(new int[] {base + c[0], base + c[1], c[2]});
          }
          bl.segChecks.clear();
          if (bl.start < 0) {
            // the segment that ends with the loop instruction: the loop starts here, its charges from now on
            bl.start = base + bl.opcodeSeg;
            bl.constAt = base + bl.constSeg;
            bl.capturing = true;
          }
          if (bl.endSeg >= 0) {
            code.write(s, 0, bl.endSeg);
            boundedCopy(code, bl);
            code.write(s, bl.endSeg, s.length - bl.endSeg);
            bounded = null;
          } else {
            code.write(s, 0, s.length);
          }
        }
        seg.reset();
        segmentCost = 0;
      }

      /** A bounded loop being written: where its pieces are, and the checks and charges inside it. */
      static final class Bounded {
        final BoundedLoop loop;
        int depth = -1;
        /** In the segment that enters the loop: where the guard's constant and the loop instruction are. */
        int constSeg = -1;
        int opcodeSeg = -1;
        /** In the function's code: where the loop and the guard's constant are. */
        int start = -1;
        int constAt = -1;
        /** In the segment that leaves the loop: just after the loop's end. */
        int endSeg = -1;
        boolean capturing;
        /** The most one pass through the loop charges: the sum of the charges written inside it. */
        long pass;
        /** Set when something inside the loop was written where the copy cannot follow: then it keeps its checks. */
        boolean keepChecks;
        /** Each check written inside the loop: {start, end, kind} in the code, or in the segment being built. */
        final List<int[]> checks = new ArrayList<>();
        final List<int[]> segChecks = new ArrayList<>();

        Bounded(BoundedLoop loop) {
          this.loop = loop;
        }
      }

      static final int CHECK_LOCAL = 0;
      static final int CHECK_GLOBAL = 1;

      /**
       * Before a {@link BoundedLoop}, inside the segment that enters it: pushes the most fuel the loop can charge
       * ({@code (passes) * pass}, the pass's charge patched in once the loop is written) and runs the loop as
       * written, with its checks, when the counter holds less or the bound is too close to 2^32; otherwise the
       * copy without checks that {@link #boundedCopy} puts in the {@code else}. Neither changes any charge: with
       * that much fuel, no check in the loop could find the counter below zero.
       */
      void boundedGuard(Out o, Bounded bl) {
        BoundedLoop l = bl.loop;
        o.write(0x20);
        o.u32(l.p);
        boundedBound(o, l);
        o.write(0x49); // i32.lt_u
        o.write(0x04);
        o.write(0x7E); // if (result i64): the passes, ceil((e - p) / step) + 1
        boundedBound(o, l);
        o.write(0x20);
        o.u32(l.p);
        o.write(0x6B); // i32.sub
        o.write(0xAD); // i64.extend_i32_u
        o.write(0x42);
        o.s64(l.step - 1);
        o.write(0x7C); // i64.add
        o.write(0x42);
        o.s64(l.step);
        o.write(0x80); // i64.div_u
        o.write(0x42);
        o.s64(1);
        o.write(0x7C); // i64.add
        o.write(0x05); // else: the header once
        o.write(0x42);
        o.s64(1);
        o.write(0x0B);
        o.write(0x42);
        bl.constSeg = o.size();
        o.s64Padded(0); // the pass's charge, patched in by boundedCopy
        o.write(0x7E); // i64.mul
        getCounter(o);
        o.write(0x55); // i64.gt_s: more than the counter holds
        if (l.e >= 0) {
          o.write(0x20);
          o.u32(l.e);
          o.write(0x41);
          o.s64((int) l.limit());
          o.write(0x4B); // i32.gt_u: the bound too close to 2^32
          o.write(0x72); // i32.or
        }
        o.write(0x04);
        o.write(0x40); // if: the loop as written
        bl.opcodeSeg = o.size();
      }

      private static void boundedBound(Out o, BoundedLoop l) {
        if (l.e >= 0) {
          o.write(0x20);
          o.u32(l.e);
        } else {
          o.write(0x41);
          o.s64((int) l.bound);
        }
      }

      /**
       * Right after a bounded loop's end: {@code else}, the loop again without its checks, {@code end}; and the
       * guard's constant. A check in the copy is replaced with the store it follows.
       */
      void boundedCopy(Out code, Bounded bl) {
        byte[] all = code.toByteArray();
        int from = bl.start;
        int to = all.length;
        boolean strip = !bl.keepChecks && bl.pass > 0 && bl.pass <= BOUNDED_PASS_CAP;
        Out copy = new Out();
        int at = from;
        if (strip) {
          bl.checks.sort((x, y) -> Integer.compare(x[0], y[0]));
          for (int[] c : bl.checks) {
            if (c[0] < at || c[1] > to) {
              continue;
            }
            copy.write(all, at, c[0] - at);
            copy.write(c[2] == CHECK_LOCAL ? 0x21 : 0x24);
            copy.u32(c[2] == CHECK_LOCAL ? scratch + 1L : counterIndex);
            at = c[1];
          }
        }
        copy.write(all, at, to - at);
        code.write(0x05); // else
        byte[] c = copy.toByteArray();
        code.write(c, 0, c.length);
        code.write(0x0B);
        code.patchS64Padded(bl.constAt, strip ? bl.pass : 0);
      }

      /** Records a check just written to {@code o} at {@code [start, o.size())}, for a bounded loop's copy. */
      void recordCheck(Out o, int start, int kind) {
        Bounded bl = bounded;
        if (bl == null || !bl.capturing) {
          return;
        }
        if (o == codeOut) {
          bl.checks.add(new int[] {start, o.size(), kind});
        } else if (o == segOut) {
          bl.segChecks.add(new int[] {start, o.size(), kind});
        } else {
          bl.keepChecks = true;
        }
      }

      void charge(Out o, long cost) {
        charge(o, cost, -1);
      }

      /**
       * Whether the segment being flushed may charge {@code cost} without testing the counter: a positive charge
       * outside loops, in a segment that neither calls, nor leaves the function, nor enters a loop, while what any
       * path has charged untested since its last test ({@link #debt}) stays within {@link #DEFERRED_MAX}. The
       * counter may then go below zero until the
       * next test, which comes at the latest before the next call, loop or exit: a call that returns has paid what
       * it ran, as before, and one that runs out of fuel is stopped at most {@link #DEFERRED_MAX} units later than
       * with a test per charge (an overrun, docs/quotas.md).
       */
      boolean deferrable(long cost) {
        return deferred
            && metered
            && plan != null
            && cost > 0
            && !segInLoop
            && !segCall
            && !segExit
            && !segEntersLoop
            && bounded == null
            && debt + cost <= DEFERRED_MAX;
      }

      /** {@code counter -= cost}, without a test (see {@link #deferrable}). */
      void subtract(Out o, long cost) {
        adjustCounter(o, cost, 0x7D); // i64.sub
      }

      /** {@code counter = counter op units}, with {@code op} i64.add or i64.sub. */
      void adjustCounter(Out o, long units, int op) {
        getCounter(o);
        o.write(0x42);
        o.s64(units);
        o.write(op);
        setCounter(o);
      }

      /** Refuels if the counter is below zero, charging nothing. */
      void test(Out o) {
        if (localCounter()) {
          getCounter(o);
          refillIfNegative(o);
        } else {
          check(o);
        }
      }

      /**
       * Charges {@code cost}; when the counter goes below zero, refuels in place, or, with {@code out >= 0}, leaves
       * through {@code br_if out} to a refill block (a back edge of a wrapped loop, see {@link #wrapEnd}).
       */
      void charge(Out o, long cost, int out) {
        if (cost == 0) {
          return;
        }
        if (cost < 0) {
          refund(o, -cost);
          return;
        }
        if (bounded != null && bounded.capturing) {
          bounded.pass += cost;
          if (out >= 0) {
            bounded.keepChecks = true;
          }
        }
        if (localCounter()) {
          o.write(0x20);
          o.u32(scratch + 1L);
          o.write(0x42);
          o.s64(cost);
          o.write(0x7D); // i64.sub
          if (out >= 0) {
            o.write(0x22);
            o.u32(scratch + 1L); // local.tee $c
            negativeOut(o, out);
            return;
          }
          int start = o.size();
          localCheck(o);
          recordCheck(o, start, CHECK_LOCAL);
          return;
        }
        o.write(0x23);
        o.u32(counterIndex);
        o.write(0x42);
        o.s64(cost);
        o.write(0x7D); // i64.sub
        int start = o.size();
        if (useTemp) {
          usedTemp = true;
          o.write(0x22);
          o.u32(scratch + 1L); // local.tee $t: the check reads the new counter from a local, not the global
          o.write(0x24);
          o.u32(counterIndex);
          o.write(0x20);
          o.u32(scratch + 1L); // local.get $t
        } else {
          o.write(0x24);
          o.u32(counterIndex);
          o.write(0x23);
          o.u32(counterIndex);
        }
        if (out >= 0) {
          negativeOut(o, out);
          return;
        }
        o.write(0x42);
        o.s64(0);
        o.write(0x53); // i64.lt_s
        o.write(0x04);
        o.write(0x40);
        o.write(0x10);
        o.u32(helperIndex);
        o.write(0x0B);
        recordCheck(o, start, CHECK_GLOBAL);
      }

      /**
       * Gives back {@code units} that the code before prepaid and that did not run (a loop header paid by a back
       * edge that was not taken, see {@link ChargePlan}): the counter only grows, so there is nothing to check.
       */
      void refund(Out o, long units) {
        adjustCounter(o, units, 0x7C); // i64.add
      }

      /** Pushes the counter: the function's local under FAST accounting, else the global. */
      void getCounter(Out o) {
        boolean local = localCounter();
        o.write(local ? 0x20 : 0x23);
        o.u32(local ? scratch + 1L : counterIndex);
      }

      /** Pops the new counter into where {@link #getCounter} reads it. */
      void setCounter(Out o) {
        boolean local = localCounter();
        o.write(local ? 0x21 : 0x24);
        o.u32(local ? scratch + 1L : counterIndex);
      }

      /** With the new counter on the stack: {@code i64.const 0; i64.lt_s; br_if out}. */
      void negativeOut(Out o, int out) {
        o.write(0x42);
        o.s64(0);
        o.write(0x53); // i64.lt_s
        o.write(0x0D);
        o.u32(out);
      }

      /** The relative label {@code l} at {@link #curDepth}, counting the blocks the rewriter put around loops. */
      int remap(int l) {
        int target = curDepth - 1 - l;
        if (target < 0) {
          return l; // invalid: left for the engine's validation to refuse
        }
        return l + wrapped[curDepth] - wrapped[target + 1];
      }

      /**
       * Closes a wrapped loop, just after its {@code end}: {@code block $done (type) loop $again block $refill loop
       * ... end br $done end <refill> br $again end unreachable end}. A back edge whose charge runs out leaves the
       * loop for {@code $refill}, refuels there and enters the loop again at its header, which it has paid for; so
       * the loop itself contains no call, which lets the JIT compile it as a tight loop.
       */
      void wrapEnd(Out o) {
        o.write(0x0C);
        o.u32(2); // br $done, with the loop's results
        o.write(0x0B); // end $refill
        if (localCounter()) {
          refillLocal(o);
        } else {
          o.write(0x10);
          o.u32(helperIndex);
        }
        o.write(0x0C);
        o.u32(0); // br $again
        o.write(0x0B); // end $again
        o.write(0x00); // unreachable
        o.write(0x0B); // end $done
      }

      /** With the new counter on the stack: {@code local.tee $c}, and refuel through the local helper if below 0. */
      void localCheck(Out o) {
        o.write(0x22);
        o.u32(scratch + 1L);
        refillIfNegative(o);
      }

      /** With the local counter on the stack: {@code i64.const 0; i64.lt_s; if} refuel through the local helper. */
      void refillIfNegative(Out o) {
        o.write(0x42);
        o.s64(0);
        o.write(0x53); // i64.lt_s
        o.write(0x04);
        o.write(0x40);
        refillLocal(o);
        o.write(0x0B);
      }

      /** {@code local.get $c; call $store_and_refuel; local.set $c}. */
      void refillLocal(Out o) {
        o.write(0x20);
        o.u32(scratch + 1L);
        o.write(0x10);
        o.u32(localHelperIndex);
        o.write(0x21);
        o.u32(scratch + 1L);
      }

      void check(Out o) {
        o.write(0x23);
        o.u32(counterIndex);
        o.write(0x42);
        o.s64(0);
        o.write(0x53); // i64.lt_s
        o.write(0x04);
        o.write(0x40);
        o.write(0x10);
        o.u32(helperIndex);
        o.write(0x0B);
      }

      /** Charges {@code perUnit} times the i32 length operand on top of the stack, leaving the stack unchanged. */
      void dynamic(Out o, long perUnit) {
        if (!metered || perUnit == 0) {
          return;
        }
        usedScratch = true;
        o.write(0x21);
        o.u32(scratch); // local.set $n
        if (localCounter()) {
          o.write(0x20);
          o.u32(scratch + 1L);
          o.write(0x20);
          o.u32(scratch);
          o.write(0xAD); // i64.extend_i32_u
          o.write(0x42);
          o.s64(perUnit);
          o.write(0x7E); // i64.mul
          o.write(0x7D); // i64.sub
          localCheck(o);
          synced = false;
          o.write(0x20);
          o.u32(scratch); // local.get $n
          return;
        }
        o.write(0x23);
        o.u32(counterIndex);
        o.write(0x20);
        o.u32(scratch);
        o.write(0xAD); // i64.extend_i32_u
        o.write(0x42);
        o.s64(perUnit);
        o.write(0x7E); // i64.mul
        o.write(0x7D); // i64.sub
        o.write(0x24);
        o.u32(counterIndex);
        check(o);
        o.write(0x20);
        o.u32(scratch); // local.get $n
      }

      MeteringException unsupported(int at, String what) {
        return new MeteringException(
            ErrorCode.LOAD_UNSUPPORTED,
            what
                + " is not supported by the fuel meter"
                + (functionIndex >= 0 ? ", in function " + functionIndex : ", in a constant expression")
                + ", at byte offset "
                + at);
      }

      void label(int l) {
        if (labelCount == labels.length) {
          labels = Arrays.copyOf(labels, labelCount * 2);
        }
        labels[labelCount++] = l;
      }

      void cost(InstructionClass c) {
        segmentCost += model.cost(c);
      }

      void blockType(Out o) {
        int at = r.pos;
        int t = b[r.pos] & 0xFF;
        if (t == 0x40 || t == 0x7F || t == 0x7E || t == 0x7D || t == 0x7C || t == 0x7B || t == 0x70 || t == 0x6F) {
          r.pos++;
          o.write(t);
          lastBlockParams = 0;
          lastBlockResults = t == 0x40 ? 0 : 1;
          return;
        }
        long idx = r.s33();
        if (idx < 0) {
          throw unsupported(at, String.format("block type 0x%02X", t));
        }
        if (idx >= typeCount) {
          throw new MeteringException(
              ErrorCode.LOAD_INVALID, "block type index " + idx + " is out of range, at byte offset " + at);
        }
        o.s64(idx);
        lastBlockParams = typeParams[(int) idx];
        lastBlockResults = typeResults[(int) idx];
      }

      void memarg(Out o, int at) {
        long align = r.u32() & 0xFFFFFFFFL;
        if ((align & 0x40) != 0) {
          throw unsupported(at, "a memory index in a memarg (multi-memory)");
        }
        o.u32(align);
        o.u64(r.u64());
      }

      void zeroIndex(Out o, int at, String what) {
        int i = r.u32();
        if (i != 0) {
          throw unsupported(at, what + " on memory " + i + " (multi-memory)");
        }
        o.u32(0);
      }

      /** Copies one instruction into {@code o}, returning whether it ends a straight-line segment. */
      int instruction(Out o) {
        int at = r.pos;
        int op = r.u8();
        lastOp = op;
        if (!metered) {
          // constant expressions: copy with remapping, no control flow besides the final end
          switch (op) {
            case 0x0B:
              o.write(op);
              return END;
            case 0x23:
              o.write(op);
              o.u32(global(r.u32(), at));
              return NORMAL;
            case 0x41:
              o.write(op);
              o.s64(r.s32());
              return NORMAL;
            case 0x42:
              o.write(op);
              o.s64(r.s64());
              return NORMAL;
            case 0x43:
              o.write(op);
              o.write(b, r.pos, 4);
              r.pos += 4;
              return NORMAL;
            case 0x44:
              o.write(op);
              o.write(b, r.pos, 8);
              r.pos += 8;
              return NORMAL;
            case 0xD0:
              o.write(op);
              o.write(refType(r));
              return NORMAL;
            case 0xD2:
              o.write(op);
              o.u32(func(r.u32(), at));
              return NORMAL;
            case 0x6A:
            case 0x6B:
            case 0x6C:
            case 0x7C:
            case 0x7D:
            case 0x7E:
              o.write(op); // extended constant expressions
              return NORMAL;
            case 0xFD:
              int sub = r.u32();
              if (sub != 12) {
                throw unsupported(at, "SIMD opcode 0xFD " + sub + " in a constant expression");
              }
              o.write(op);
              o.u32(sub);
              o.write(b, r.pos, 16);
              r.pos += 16;
              return NORMAL;
            default:
              throw unsupported(at, String.format("opcode 0x%02X in a constant expression", op));
          }
        }
        if (op >= 0x45 && op <= 0xC4) {
          o.write(op);
          cost(InstructionClass.NUMERIC);
          return NORMAL;
        }
        if (op >= 0x28 && op <= 0x3E) {
          o.write(op);
          memarg(o, at);
          cost(InstructionClass.MEMORY);
          return NORMAL;
        }
        switch (op) {
          case 0x00: // unreachable
          case 0x0F: // return
            o.write(op);
            cost(InstructionClass.CONTROL);
            return BOUNDARY;
          case 0x01: // nop
            o.write(op);
            cost(InstructionClass.CONTROL);
            return NORMAL;
          case 0x02:
          case 0x04:
            o.write(op);
            blockType(o);
            cost(InstructionClass.CONTROL);
            return OPEN;
          case 0x03: {
            lastLoopOrdinal = loopOrdinal++;
            Out type = new Out();
            blockType(type);
            byte[] t = type.toByteArray();
            pendingWrap = rec == null && plan != null && plan.wrapped(defined, lastLoopOrdinal);
            if (pendingWrap) {
              // block (type) loop block ... : see wrapEnd
              o.write(0x02);
              o.write(t, 0, t.length);
              o.write(0x03);
              o.write(0x40);
              o.write(0x02);
              o.write(0x40);
            }
            o.write(op);
            o.write(t, 0, t.length);
            cost(InstructionClass.CONTROL);
            return OPEN;
          }
          case 0x05: // else
            o.write(op);
            cost(InstructionClass.CONTROL);
            return BOUNDARY;
          case 0x0B:
            o.write(op);
            cost(InstructionClass.CONTROL);
            return END;
          case 0x0C: {
            o.write(op);
            int l = r.u32();
            o.u32(remap(l));
            label(l);
            cost(InstructionClass.CONTROL);
            return BOUNDARY;
          }
          case 0x0D: {
            int l = r.u32();
            lastBrIfOrdinal = brIfOrdinal++;
            long edge = rec == null && plan != null ? plan.edge(defined, lastBrIfOrdinal) : 0;
            int lr = remap(l);
            if (edge != 0) {
              // a back edge that pays for the loop's header: if (cond) { charge; br l } (one label deeper); when
              // the charge runs out, it leaves the loop for its refill block (wrapEnd) instead of calling there.
              // A forward edge gets back what its segment prepaid for the fall-through: if (cond) { refund; br l }
              o.write(0x04);
              o.write(0x40);
              int target = curDepth - 1 - l;
              charge(o, edge, target >= 0 && wraps[target] == 3 ? lr + 2 : -1);
              o.write(0x0C);
              o.u32(lr + 1L);
              o.write(0x0B);
            } else {
              o.write(op);
              o.u32(lr);
            }
            label(l);
            cost(InstructionClass.CONTROL);
            return BOUNDARY;
          }
          case 0x0E: {
            o.write(op);
            int n = r.count();
            o.u32(n);
            for (int i = 0; i <= n; i++) {
              int l = r.u32();
              o.u32(remap(l));
              label(l);
            }
            cost(InstructionClass.CONTROL);
            return BOUNDARY;
          }
          case 0x10: {
            o.write(op);
            long f = r.u32() & 0xFFFFFFFFL;
            lastCallee = f;
            o.u32(callee(f, at));
            cost(InstructionClass.CALL);
            return BOUNDARY;
          }
          case 0x12:
            sawTailCall = true;
            o.write(op);
            o.u32(func(r.u32(), at));
            cost(InstructionClass.CALL);
            return BOUNDARY;
          case 0x11:
          case 0x13: {
            sawTailCall |= op == 0x13;
            o.write(op);
            int t = r.u32();
            if (t >= typeCount) {
              throw new MeteringException(
                  ErrorCode.LOAD_INVALID, "call_indirect type " + t + " is out of range, at byte offset " + at);
            }
            o.u32(t);
            o.u32(r.u32());
            cost(InstructionClass.CALL);
            return BOUNDARY;
          }
          case 0x1A:
          case 0x1B:
            o.write(op);
            cost(InstructionClass.VARIABLE);
            return NORMAL;
          case 0x1C: {
            o.write(op);
            int n = r.count();
            o.u32(n);
            for (int i = 0; i < n; i++) {
              o.write(valType(r));
            }
            cost(InstructionClass.VARIABLE);
            return NORMAL;
          }
          case 0x20:
          case 0x21:
          case 0x22: {
            o.write(op);
            long idx = r.u32() & 0xFFFFFFFFL;
            if (idx >= scratch) {
              throw new MeteringException(
                  ErrorCode.LOAD_INVALID,
                  "local index " + idx + " is out of range in function " + functionIndex + ", at byte offset " + at);
            }
            o.u32(idx);
            cost(InstructionClass.VARIABLE);
            return NORMAL;
          }
          case 0x23:
          case 0x24:
            o.write(op);
            o.u32(global(r.u32(), at));
            cost(InstructionClass.VARIABLE);
            return NORMAL;
          case 0x25:
          case 0x26:
            o.write(op);
            o.u32(r.u32());
            cost(InstructionClass.REFERENCE);
            return NORMAL;
          case 0x3F:
            o.write(op);
            zeroIndex(o, at, "memory.size");
            cost(InstructionClass.MEMORY);
            return NORMAL;
          case 0x40:
            dynamic(o, model.perPage());
            o.write(op);
            zeroIndex(o, at, "memory.grow");
            cost(InstructionClass.MEMORY);
            return NORMAL;
          case 0x41:
            o.write(op);
            o.s64(r.s32());
            cost(InstructionClass.NUMERIC);
            return NORMAL;
          case 0x42:
            o.write(op);
            o.s64(r.s64());
            cost(InstructionClass.NUMERIC);
            return NORMAL;
          case 0x43:
            o.write(op);
            o.write(b, r.pos, 4);
            r.pos += 4;
            cost(InstructionClass.NUMERIC);
            return NORMAL;
          case 0x44:
            o.write(op);
            o.write(b, r.pos, 8);
            r.pos += 8;
            cost(InstructionClass.NUMERIC);
            return NORMAL;
          case 0xD0:
            o.write(op);
            o.write(refType(r));
            cost(InstructionClass.REFERENCE);
            return NORMAL;
          case 0xD1:
            o.write(op);
            cost(InstructionClass.REFERENCE);
            return NORMAL;
          case 0xD2:
            o.write(op);
            o.u32(func(r.u32(), at));
            cost(InstructionClass.REFERENCE);
            return NORMAL;
          case 0xFC:
            return prefixFC(o, at);
          case 0xFD:
            return prefixFD(o, at);
          case 0x06:
          case 0x07:
          case 0x08:
          case 0x09:
          case 0x0A:
          case 0x18:
          case 0x19:
          case 0x1F:
            throw unsupported(at, String.format("exception-handling opcode 0x%02X", op));
          case 0xFB:
            throw unsupported(at, "GC opcode prefix 0xFB");
          case 0xFE:
            throw unsupported(at, "threads/atomics opcode prefix 0xFE");
          default:
            throw unsupported(at, String.format("opcode 0x%02X", op));
        }
      }

      int prefixFC(Out o, int at) {
        int sub = r.u32();
        if (sub <= 7) {
          o.write(0xFC);
          o.u32(sub);
          cost(InstructionClass.NUMERIC);
          return NORMAL;
        }
        switch (sub) {
          case 8: { // memory.init data mem
            int data = r.u32();
            dynamic(o, model.perByte());
            o.write(0xFC);
            o.u32(sub);
            o.u32(data);
            zeroIndex(o, at, "memory.init");
            cost(InstructionClass.MEMORY);
            return NORMAL;
          }
          case 9: // data.drop
            o.write(0xFC);
            o.u32(sub);
            o.u32(r.u32());
            cost(InstructionClass.MEMORY);
            return NORMAL;
          case 10: // memory.copy dst src
            dynamic(o, model.perByte());
            o.write(0xFC);
            o.u32(sub);
            zeroIndex(o, at, "memory.copy");
            zeroIndex(o, at, "memory.copy");
            cost(InstructionClass.MEMORY);
            return NORMAL;
          case 11: // memory.fill
            dynamic(o, model.perByte());
            o.write(0xFC);
            o.u32(sub);
            zeroIndex(o, at, "memory.fill");
            cost(InstructionClass.MEMORY);
            return NORMAL;
          case 12: // table.init elem table
          case 14: // table.copy dst src
            dynamic(o, model.perElement());
            o.write(0xFC);
            o.u32(sub);
            o.u32(r.u32());
            o.u32(r.u32());
            cost(InstructionClass.REFERENCE);
            return NORMAL;
          case 13: // elem.drop
          case 16: // table.size
            o.write(0xFC);
            o.u32(sub);
            o.u32(r.u32());
            cost(InstructionClass.REFERENCE);
            return NORMAL;
          case 15: // table.grow
          case 17: // table.fill
            dynamic(o, model.perElement());
            o.write(0xFC);
            o.u32(sub);
            o.u32(r.u32());
            cost(InstructionClass.REFERENCE);
            return NORMAL;
          default:
            throw unsupported(at, "opcode 0xFC " + sub);
        }
      }

      int prefixFD(Out o, int at) {
        int sub = r.u32();
        o.write(0xFD);
        o.u32(sub);
        cost(InstructionClass.SIMD);
        if (sub <= 11 || sub == 92 || sub == 93) {
          memarg(o, at);
        } else if (sub == 12 || sub == 13) {
          o.write(b, r.pos, 16);
          r.pos += 16;
        } else if (sub >= 21 && sub <= 34) {
          o.write(r.u8());
        } else if (sub >= 84 && sub <= 91) {
          memarg(o, at);
          o.write(r.u8());
        } else if (sub > 255) {
          throw unsupported(at, "SIMD opcode 0xFD " + sub + " (relaxed SIMD)");
        }
        return NORMAL;
      }
    }
  }
}
