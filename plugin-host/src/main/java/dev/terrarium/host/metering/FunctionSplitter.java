package dev.terrarium.host.metering;

import dev.terrarium.host.validation.ModuleValidator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Moves parts of large functions into functions of their own, so that no function of a module compiles to a JVM
 * method that HotSpot refuses to JIT-compile.
 *
 * <p>HotSpot leaves methods of more than 8 000 bytes of bytecode to its bytecode interpreter (unless the JVM runs
 * with {@code -XX:-DontCompileHugeMethods}). Endive compiles each WebAssembly function to one method, so a large
 * function (an allocator, a parser) runs tens of times slower than the rest, and fuel metering adds a charge at
 * every branch target: an allocator's {@code malloc} that compiles to 7 000 bytes unmetered compiles to 17 000
 * metered. The host runs this pass last on a metered module, after every other rewrite (it works on any module,
 * but an unmetered module's functions close to the limit are where its estimate errs most: see
 * docs/metering.md). It works on the WebAssembly only: it estimates each function's bytecode from its
 * instructions and, while a function is above {@link #DEFAULT_LIMIT}, moves some of its structured instructions
 * ({@code block}, {@code loop} or {@code if}, each with everything up to its {@code end}) into new functions:
 *
 * <ul>
 *   <li>the new function takes the construct's own operands (its block parameters, and an {@code if}'s condition)
 *       and the current values of the locals the construct uses, and returns the construct's results, the locals
 *       it writes, and an exit code when the construct can leave other than by its end;
 *   <li>a branch out of the construct becomes "return this exit code", and the caller, after storing the returned
 *       locals, takes the same branch for that code ({@code return} likewise, with its values passed back);
 *   <li>the glue (the call, the stores, the dispatch) is not charged: the charges the meter inserted move with the
 *       code they pay for, so every call pays exactly the same fuel, under the interpreter and the compiler.
 * </ul>
 *
 * <p>A construct is left in place when it cannot be moved this way (a branch out of it that carries values, a
 * conditional return with values, a {@code v128} value to pass, too many locals for a JVM method's parameters); a
 * function none of whose constructs can be moved stays as it is (and is reported by the host as before). Modules
 * with tail calls are left as they are: Endive's interpreter enters a function by {@code return_call} without its
 * declared locals, so the glue's locals would break them. Existing function indices do not change; new types and
 * functions are appended.
 */
public final class FunctionSplitter {
  /**
   * The estimated bytecode size above which a function is split: below HotSpot's 8 000 bytes, with a margin for
   * the estimate's error. On the sample plugins' metered functions the estimate is 2-28% above what Endive emits
   * (unmetered, 1-45%), so a function estimated at this limit compiles to about 5 500 to 6 900 bytes; {@code
   * SplitMethodsTest} checks the samples.
   */
  public static final int DEFAULT_LIMIT = 7_000;

  /** The most JVM parameter slots a new function may take (a JVM method has at most 255, Endive adds two). */
  private static final int MAX_SLOTS = 200;

  private static final int I32 = 0x7F;
  private static final int I64 = 0x7E;
  private static final int F32 = 0x7D;
  private static final int F64 = 0x7C;
  private static final int V128 = 0x7B;

  private static final System.Logger LOG = System.getLogger("dev.terrarium.host");

  private FunctionSplitter() {}

  /**
   * Returns {@code module} with its large functions split ({@link #DEFAULT_LIMIT}), or {@code module} itself when no
   * function is above the limit or none can be split. Never fails: a module it cannot read is returned unchanged
   * (the engine reports what is wrong with it), and so is one whose split would not validate (which would be a
   * defect of this pass: a slow plugin is better than one that does not load).
   */
  public static byte[] split(byte[] module) {
    return splitChecked(module, false);
  }

  /**
   * Splits functions estimated above {@code limit}; throws on a module it cannot read. Tests use small limits to
   * move as many constructs as they can: then any construct larger than its glue is moved.
   */
  static byte[] split(byte[] module, int limit) {
    return split(module, limit, false);
  }

  /**
   * Like {@link #split(byte[])}, for a module rewritten with trap flushing ({@link
   * FuelRewriter#rewriteWithTrapFlush}): a function that keeps its fuel counter in a local does not pass it to
   * the functions it moves constructs into. It stores the counter in the global and puts the marker in its local
   * before the call; the new function loads the counter from the global on entry (so that its compiled method
   * gets its own handler) and stores it before it returns; the caller loads it again after the call.
   */
  public static byte[] splitWithTrapFlush(byte[] module) {
    return splitChecked(module, true);
  }

  static byte[] split(byte[] module, int limit, boolean trapFlush) {
    Splitter s = new Splitter(module, limit);
    s.trapFlush = trapFlush;
    return s.run();
  }

  /** Splits at {@link #DEFAULT_LIMIT}; never fails (see {@link #split(byte[])}). */
  private static byte[] splitChecked(byte[] module, boolean trapFlush) {
    try {
      byte[] split = split(module, DEFAULT_LIMIT, trapFlush);
      if (split != module) {
        // The host validates the bytes it runs again (with Endive's validator too); this pass checks first so that
        // a split it got wrong costs speed, not the plugin.
        ModuleValidator.validate(split);
      }
      return split;
    } catch (RuntimeException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "could not split the module''s large functions ({0}); it runs unsplit, and HotSpot may leave its largest"
              + " functions uncompiled",
          e.toString());
      return module;
    }
  }

  // ---------------------------------------------------------------------------------------------------------

  /** A function type: parameter and result value types, one byte each. */
  private record FuncType(byte[] params, byte[] results) {
    String key() {
      return Arrays.toString(params) + "->" + Arrays.toString(results);
    }
  }

  /** A function body: its locals (parameters first) and its instructions, with the end of the function. */
  private record Body(int params, byte[] localTypes, byte[] code) {}

  private static final class Splitter {
    final byte[] b;
    final int limit;
    final List<int[]> sections = new ArrayList<>(); // id, start, end
    final List<FuncType> types = new ArrayList<>();
    final Map<String, Integer> typeIndex = new HashMap<>();
    int funcImports;
    final List<Integer> importTypes = new ArrayList<>();
    int globals;
    /** The fuel counter's global in a metered module (its last), or -1. */
    int counter = -1;
    boolean metered;
    final List<Integer> funcTypes = new ArrayList<>(); // defined functions, then appended ones
    final List<Body> bodies = new ArrayList<>();
    int definedTypes;
    int definedFunctions;
    /** Whether counter locals are synced through the global around moved constructs (see splitWithTrapFlush). */
    boolean trapFlush;

    Splitter(byte[] b, int limit) {
      this.b = b;
      this.limit = limit;
    }

    byte[] run() {
      scan();
      boolean changed = false;
      // New functions are not split again: each holds one construct below the limit, and splitting it again would
      // only move that construct into yet another function. One function's instructions are decoded at a time.
      for (int f = 0; f < definedFunctions; f++) {
        Code c = decode(f);
        for (int i = 0; i < c.n; i++) {
          if (c.op[i] == 0x12 || c.op[i] == 0x13) {
            return b; // tail calls: see the class comment
          }
        }
        changed |= splitFunction(f, c);
      }
      return changed ? write() : b;
    }

    // --- reading -------------------------------------------------------------------------------------------

    void scan() {
      Reader r = new Reader(b, 8, b.length);
      while (r.pos < r.end) {
        int id = r.u8();
        int size = r.u32();
        int start = r.pos;
        sections.add(new int[] {id, start, start + size});
        r.pos = start + size;
      }
      for (int[] s : sections) {
        Reader r2 = new Reader(b, s[1], s[2]);
        switch (s[0]) {
          case 1 -> readTypes(r2);
          case 2 -> readImports(r2);
          case 3 -> {
            int n = r2.count();
            for (int i = 0; i < n; i++) {
              funcTypes.add(r2.u32());
            }
            definedFunctions = n;
          }
          case 6 -> globals += r2.count();
          case 10 -> readCode(r2);
          default -> {}
        }
      }
      if (metered) {
        counter = globals - 1; // the rewriter appends it after every other global
      }
      if (bodies.size() != definedFunctions) {
        throw new IllegalStateException("the code section does not match the function section");
      }
    }

    void readTypes(Reader r) {
      int n = r.count();
      for (int i = 0; i < n; i++) {
        if (r.u8() != 0x60) {
          throw new IllegalStateException("not a function type");
        }
        byte[] params = valTypes(r);
        byte[] results = valTypes(r);
        FuncType t = new FuncType(params, results);
        types.add(t);
        typeIndex.putIfAbsent(t.key(), i);
      }
      definedTypes = n;
    }

    byte[] valTypes(Reader r) {
      int n = r.count();
      byte[] t = new byte[n];
      for (int i = 0; i < n; i++) {
        t[i] = (byte) r.u8();
      }
      return t;
    }

    void readImports(Reader r) {
      int n = r.count();
      for (int i = 0; i < n; i++) {
        metered |= FuelRewriter.IMPORT_MODULE.equals(r.name());
        r.name();
        int kind = r.u8();
        switch (kind) {
          case 0 -> {
            importTypes.add(r.u32());
            funcImports++;
          }
          case 1 -> {
            r.u8();
            r.skipLimits();
          }
          case 2 -> r.skipLimits();
          case 3 -> {
            r.u8();
            r.u8();
            globals++;
          }
          default -> throw new IllegalStateException("import kind " + kind);
        }
      }
    }

    void readCode(Reader r) {
      int n = r.count();
      for (int i = 0; i < n; i++) {
        int size = r.u32();
        int end = r.pos + size;
        Reader br = new Reader(b, r.pos, end);
        FuncType type = types.get(funcTypes.get(i));
        int groups = br.count();
        long total = type.params().length;
        List<long[]> decl = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
          long count = br.u32() & 0xFFFFFFFFL;
          int t = br.u8();
          total += count;
          if (total > 100_000) {
            throw new IllegalStateException("too many locals");
          }
          decl.add(new long[] {count, t});
        }
        byte[] localTypes = new byte[(int) total];
        int k = 0;
        for (byte p : type.params()) {
          localTypes[k++] = p;
        }
        for (long[] d : decl) {
          for (long c = 0; c < d[0]; c++) {
            localTypes[k++] = (byte) d[1];
          }
        }
        bodies.add(new Body(type.params().length, localTypes, Arrays.copyOfRange(b, br.pos, end)));
        r.pos = end;
      }
    }

    /** Decodes body {@code f}'s instructions. */
    Code decode(int f) {
      Body body = bodies.get(f);
      Code c = new Code(body.code());
      c.decode(this, types.get(funcTypes.get(f)).results().length, body.localTypes().length - body.params());
      return c;
    }

    /** The number of results of function {@code index} (imports first). */
    int results(long index) {
      int t = index < funcImports ? importTypes.get((int) index) : funcTypes.get((int) index - funcImports);
      return types.get(t).results().length;
    }

    FuncType blockType(long bt) {
      if (bt >= 0) {
        return types.get((int) bt);
      }
      int t = (int) -bt;
      return t == 0x40 ? new FuncType(new byte[0], new byte[0]) : new FuncType(new byte[0], new byte[] {(byte) t});
    }

    // --- splitting -----------------------------------------------------------------------------------------

    /** Splits function {@code f} (an index among defined functions) until it is under the limit; true if changed. */
    boolean splitFunction(int f, Code first) {
      boolean changed = false;
      // Each round moves disjoint constructs that together remove the excess, if there are such; a later round
      // finds what is left (the glue, or constructs that were inside others).
      for (int round = 0; round < 1_000; round++) {
        Code c = round == 0 ? first : decode(f);
        int total = c.total();
        if (total <= limit) {
          break;
        }
        List<Region> regions = choose(f, c, total - limit);
        if (regions.isEmpty()) {
          break;
        }
        outline(f, c, regions);
        changed = true;
      }
      return changed;
    }

    /** Picks disjoint constructs to move out of function {@code f}, in order; none if none can be. */
    List<Region> choose(int f, Code c, int excess) {
      // Room for the new function's own glue below the limit; constructs smaller than 48 bytes are not worth a
      // call (unless the limit is that small).
      int largest = limit - Math.min(200, limit / 10);
      int smallest = Math.min(48, limit / 10);
      List<Integer> candidates = new ArrayList<>();
      for (int i = 0; i < c.n; i++) {
        int op = c.op[i];
        if ((op == 0x02 || op == 0x03 || op == 0x04) && c.size(i) <= largest && c.size(i) >= smallest) {
          candidates.add(i);
        }
      }
      // Outside loops first (the glue then runs once, not every iteration); then the smallest construct that
      // removes the whole excess, or else the largest.
      candidates.sort(
          Comparator.<Integer>comparingInt(i -> c.loopDepth[i])
              .thenComparingInt(i -> c.size(i) >= excess ? 0 : 1)
              .thenComparingInt(i -> c.size(i) >= excess ? c.size(i) : -c.size(i)));
      FuncType type = types.get(funcTypes.get(f));
      List<Region> chosen = new ArrayList<>();
      int removed = 0;
      int analysed = 0;
      for (int i : candidates) {
        if (overlaps(c, i, chosen)) {
          continue;
        }
        if (++analysed > 4_000) {
          break; // a bound on the work per round, for functions with very many constructs that cannot move
        }
        Region r = analyse(f, c, i, type);
        // Worth a call only if the construct is well above its glue (twice, under a real limit); always above
        // it, so that every move makes the function smaller and the rounds end.
        if (r != null) {
          int glue = r.glue(type.results().length);
          if (c.size(i) > (limit >= 480 ? 2 * glue + 32 : glue)) {
            chosen.add(r);
            removed += c.size(i) - glue;
            if (removed >= excess) {
              break;
            }
          }
        }
      }
      chosen.sort(Comparator.comparingInt(Region::open));
      return chosen;
    }

    /** Whether construct {@code i} contains or is inside one of {@code chosen}. */
    static boolean overlaps(Code c, int i, List<Region> chosen) {
      for (Region r : chosen) {
        if (i <= r.close() && c.match[i] >= r.open()) {
          return true;
        }
      }
      return false;
    }

    /** What moving construct {@code open} of function {@code f} needs, or {@code null} if it cannot be moved. */
    Region analyse(int f, Code c, int open, FuncType fnType) {
      Body body = bodies.get(f);
      int close = c.match[open];
      int callerDepth = c.depth[open];
      BitSet used = new BitSet();
      BitSet written = new BitSet();
      Exits exits = new Exits();
      int nesting = 0;
      for (int i = open; i <= close; i++) {
        int op = c.op[i];
        switch (op) {
          case 0x02, 0x03, 0x04 -> nesting++;
          case 0x0B -> nesting--;
          case 0x0C, 0x0D -> {
            int d = c.label(i);
            if (d >= nesting && !exitTo(c, open, d - nesting, op == 0x0D, fnType, exits)) {
              return null;
            }
          }
          case 0x0E -> {
            for (int d : c.labels(i)) {
              if (d >= nesting && !exitTo(c, open, d - nesting, true, fnType, exits)) {
                return null;
              }
            }
          }
          case 0x0F -> exits.returns = true;
          case 0x12, 0x13 -> {
            return null;
          }
          case 0x20, 0x21, 0x22 -> {
            int x = c.local(i);
            used.set(x);
            if (op != 0x20) {
              written.set(x);
            }
          }
          default -> {}
        }
      }
      FuncType bt = blockType(c.blockType[open]);
      int[] usedLocals = used.stream().toArray();
      int[] writtenLocals = written.stream().toArray();
      int slots = 0;
      for (byte t : bt.params()) {
        slots += slotsOf(t);
      }
      for (int x : usedLocals) {
        slots += slotsOf(body.localTypes()[x]);
      }
      if (slots + (c.op[open] == 0x04 ? 1 : 0) > MAX_SLOTS) {
        return null;
      }
      // No v128 across the glue: Endive's interpreter has no v128.const for the zeros an exit passes back, and its
      // compiler does not compile SIMD at all.
      boolean vectors = contains(bt.params(), V128) || contains(bt.results(), V128);
      vectors |= exits.returns && contains(fnType.results(), V128);
      for (int x : usedLocals) {
        vectors |= body.localTypes()[x] == (byte) V128;
      }
      if (vectors) {
        return null;
      }
      return new Region(open, close, bt, usedLocals, writtenLocals, exits.targets, exits.returns);
    }

    /** Where branches out of a construct go: labels outside it (relative to it), and whether any returns. */
    static final class Exits {
      final List<Integer> targets = new ArrayList<>();
      boolean returns;
    }

    /**
     * Records a branch out of construct {@code open} to label {@code t} outside it (0: the innermost around it);
     * false when the construct cannot be moved for it: the branch carries values to a block, or returns values
     * only {@code conditionally} ({@code br_if}, {@code br_table}).
     */
    boolean exitTo(Code c, int open, int t, boolean conditionally, FuncType fnType, Exits exits) {
      if (t == c.depth[open]) { // the function's own label: a return
        if (conditionally && fnType.results().length > 0) {
          return false;
        }
        exits.returns = true;
        return true;
      }
      int target = c.ancestor(open, t);
      FuncType bt = blockType(c.blockType[target]);
      if ((c.op[target] == 0x03 ? bt.params().length : bt.results().length) > 0) {
        return false;
      }
      if (!exits.targets.contains(t)) {
        exits.targets.add(t);
      }
      return true;
    }

    static boolean contains(byte[] types, int type) {
      for (byte t : types) {
        if (t == (byte) type) {
          return true;
        }
      }
      return false;
    }

    static int slotsOf(byte t) {
      return t == (byte) I64 || t == (byte) F64 ? 2 : 1;
    }

    /** Moves {@code regions} (disjoint, in order) out of function {@code f}, each into a new function. */
    void outline(int f, Code c, List<Region> regions) {
      Body body = bodies.get(f);
      Bytes callerLocals = new Bytes();
      callerLocals.add(body.localTypes());
      Out g = new Out();
      int from = 0;
      for (Region r : regions) {
        g.write(c.code, from, c.at[r.open()] - from);
        moveOut(f, c, r, g, callerLocals);
        from = c.at[r.close()] + c.length(r.close());
      }
      g.write(c.code, from, c.code.length - from);
      bodies.set(f, new Body(body.params(), callerLocals.toArray(), g.toByteArray()));
    }

    /**
     * Moves {@code r} out of function {@code f} into a new function, and writes the glue that replaces it to
     * {@code g}, adding the locals the glue needs to {@code callerLocals}.
     */
    void moveOut(int f, Code c, Region r, Out g, Bytes callerLocals) {
      Body body = bodies.get(f);
      int counterLocal = trapFlush ? counterLocal(body) : -1;
      boolean sync = counterLocal >= 0 && Arrays.stream(r.used()).anyMatch(x -> x == counterLocal);
      FuncType fnType = types.get(funcTypes.get(f));
      boolean isIf = c.op[r.open()] == 0x04;
      boolean hasExits = !r.exits().isEmpty() || r.returns();
      byte[] funcResults = r.returns() ? fnType.results() : new byte[0];

      // The new function's type.
      Bytes params = new Bytes();
      params.add(r.type().params());
      if (isIf) {
        params.add((byte) I32);
      }
      int firstLocal = params.size();
      for (int x : r.used()) {
        params.add(body.localTypes()[x]);
      }
      Bytes results = new Bytes();
      results.add(r.type().results());
      results.add(funcResults);
      for (int x : r.written()) {
        results.add(body.localTypes()[x]);
      }
      if (hasExits) {
        results.add((byte) I32);
      }
      int newType = typeOf(new FuncType(params.toArray(), results.toArray()));
      int newFunction = funcImports + funcTypes.size();

      // Its body.
      int[] map = new int[body.localTypes().length];
      Arrays.fill(map, -1);
      for (int k = 0; k < r.used().length; k++) {
        map[r.used()[k]] = firstLocal + k;
      }
      int codeLocal = params.size();
      int stash = codeLocal + 1;
      Bytes newLocals = new Bytes();
      if (hasExits) {
        newLocals.add((byte) I32);
        newLocals.add(funcResults);
      }
      Out o = new Out();
      int exitCodeReturn = r.exits().size() + 1;
      if (sync) {
        loadCounter(o, map[counterLocal]); // first, as a function's own counter load: its method gets a handler
      }
      if (hasExits) {
        o.write(0x02);
        o.write(I32); // block $exit (result i32)
      }
      for (int p = 0; p < firstLocal; p++) {
        get(o, p);
      }
      int nesting = 0;
      for (int i = r.open(); i <= r.close(); i++) {
        int op = c.op[i];
        switch (op) {
          case 0x02, 0x03, 0x04 -> {
            nesting++;
            c.copy(o, i);
          }
          case 0x0B -> {
            nesting--;
            c.copy(o, i);
          }
          case 0x0C, 0x0D -> {
            int d = c.label(i);
            if (d < nesting) {
              c.copy(o, i);
              break;
            }
            int t = d - nesting;
            boolean isReturn = t == c.depth[r.open()];
            int code = isReturn ? exitCodeReturn : r.exits().indexOf(t) + 1;
            if (op == 0x0D) {
              o.write(0x04);
              o.write(0x40); // if
              exit(o, code, nesting + 1);
              o.write(0x0B);
            } else {
              for (int k = funcResults.length - 1; isReturn && k >= 0; k--) {
                set(o, stash + k);
              }
              exit(o, code, nesting);
            }
          }
          case 0x0E -> {
            int[] labels = c.labels(i);
            List<Integer> outward = new ArrayList<>(); // exit codes, one wrapping block each
            for (int d : labels) {
              if (d >= nesting) {
                int t = d - nesting;
                int code = t == c.depth[r.open()] ? exitCodeReturn : r.exits().indexOf(t) + 1;
                if (!outward.contains(code)) {
                  outward.add(code);
                }
              }
            }
            if (outward.isEmpty()) {
              c.copy(o, i);
              break;
            }
            // Each code gets a block around the br_table, taking its index as a parameter; the br_table
            // branches to that block's end, where the code is returned.
            int m = outward.size();
            int wrapper = typeOf(new FuncType(new byte[] {(byte) I32}, new byte[0]));
            for (int k = 0; k < m; k++) {
              o.write(0x02);
              o.s64(wrapper);
            }
            o.write(0x0E);
            o.u32(labels.length - 1L);
            for (int d : labels) {
              if (d < nesting) {
                o.u32(d + (long) m);
              } else {
                int t = d - nesting;
                int code = t == c.depth[r.open()] ? exitCodeReturn : r.exits().indexOf(t) + 1;
                o.u32(outward.indexOf(code));
              }
            }
            for (int k = 0; k < m; k++) {
              o.write(0x0B); // end of the block for outward.get(k): still inside m - k - 1 blocks
              exit(o, outward.get(k), nesting + m - k - 1);
            }
          }
          case 0x0F -> {
            for (int k = funcResults.length - 1; k >= 0; k--) {
              set(o, stash + k);
            }
            exit(o, exitCodeReturn, nesting);
          }
          case 0x20, 0x21, 0x22 -> {
            o.write(op);
            o.u32(map[c.local(i)]);
          }
          default -> c.copy(o, i);
        }
      }
      if (sync) {
        storeCounter(o, map[counterLocal]); // the end of the construct
      }
      if (hasExits) {
        zeros(o, funcResults);
        for (int x : r.written()) {
          get(o, map[x]);
        }
        o.write(0x41);
        o.s64(0);
        o.write(0x0F); // return, from inside block $exit
        o.write(0x0B); // end $exit: the exit code is on the stack
        set(o, codeLocal);
        if (sync) {
          storeCounter(o, map[counterLocal]); // an exit of the construct
        }
        zeros(o, r.type().results());
        for (int k = 0; k < funcResults.length; k++) {
          get(o, stash + k);
        }
        for (int x : r.written()) {
          get(o, map[x]);
        }
        get(o, codeLocal);
      } else {
        for (int x : r.written()) {
          get(o, map[x]);
        }
      }
      o.write(0x0B);
      funcTypes.add(newType);
      bodies.add(new Body(params.size(), concat(params.toArray(), newLocals.toArray()), o.toByteArray()));

      // The caller: the construct becomes the call and the glue.
      int callerCode = callerLocals.size();
      int callerStash = callerCode + 1;
      if (hasExits) {
        callerLocals.add((byte) I32);
        callerLocals.add(funcResults);
      }
      if (sync) {
        storeCounter(g, counterLocal);
      }
      for (int x : r.used()) {
        get(g, x);
      }
      if (sync) {
        g.write(0x42);
        g.s64(FuelRewriter.TRAP_FLUSH_MARK);
        set(g, counterLocal); // the new function keeps the global exact: a trap there must not overwrite it
      }
      g.write(0x10);
      g.u32(newFunction);
      if (hasExits) {
        set(g, callerCode);
      }
      for (int k = r.written().length - 1; k >= 0; k--) {
        set(g, r.written()[k]);
      }
      for (int k = funcResults.length - 1; k >= 0; k--) {
        set(g, callerStash + k);
      }
      if (sync) {
        loadCounter(g, counterLocal); // what the new function stored when it returned
      }
      if (hasExits) {
        get(g, callerCode);
        g.write(0x04);
        g.write(0x40); // if the construct left other than by its end
        for (int k = 0; k < r.exits().size(); k++) {
          get(g, callerCode);
          g.write(0x41);
          g.s64(k + 1);
          g.write(0x46); // i32.eq
          g.write(0x0D);
          g.u32(r.exits().get(k) + 1L); // br_if to the construct's target, from inside this if
        }
        if (r.returns()) {
          for (int k = 0; k < funcResults.length; k++) {
            get(g, callerStash + k);
          }
          g.write(0x0F);
        } else {
          g.write(0x00); // unreachable: no other exit code
        }
        g.write(0x0B);
      }
    }

    /**
     * The local a function keeps its fuel counter in: the function starts with {@code global.get $counter;
     * local.set $c} (as the rewriter writes it, and as this pass writes the functions it makes); else -1.
     */
    int counterLocal(Body body) {
      if (counter < 0) {
        return -1;
      }
      Reader r = new Reader(body.code(), 0, body.code().length);
      if (r.pos + 4 > r.end || r.u8() != 0x23 || r.u32() != counter || r.u8() != 0x21) {
        return -1;
      }
      return r.u32();
    }

    void loadCounter(Out o, int local) {
      o.write(0x23);
      o.u32(counter);
      set(o, local);
    }

    void storeCounter(Out o, int local) {
      get(o, local);
      o.write(0x24);
      o.u32(counter);
    }

    void exit(Out o, int code, int depth) {
      o.write(0x41);
      o.s64(code);
      o.write(0x0C);
      o.u32(depth);
    }

    int typeOf(FuncType t) {
      Integer existing = typeIndex.get(t.key());
      if (existing != null) {
        return existing;
      }
      types.add(t);
      typeIndex.put(t.key(), types.size() - 1);
      return types.size() - 1;
    }

    // --- writing -------------------------------------------------------------------------------------------

    byte[] write() {
      Out out = new Out();
      out.write(b, 0, 8);
      for (int[] s : sections) {
        switch (s[0]) {
          case 1 -> {
            Out p = new Out();
            p.write(b, s[1], s[2] - s[1]);
            section(out, 1, appendTypes(p.toByteArray()));
          }
          case 3 -> section(out, 3, functions());
          case 10 -> section(out, 10, code());
          default -> {
            out.write(s[0]);
            out.u32(s[2] - s[1]);
            out.write(b, s[1], s[2] - s[1]);
          }
        }
      }
      return out.toByteArray();
    }

    void section(Out out, int id, byte[] payload) {
      out.write(id);
      out.u32(payload.length);
      out.write(payload, 0, payload.length);
    }

    byte[] appendTypes(byte[] original) {
      Reader r = new Reader(original, 0, original.length);
      r.count();
      Out o = new Out();
      o.u32(types.size());
      o.write(original, r.pos, original.length - r.pos);
      for (int i = definedTypes; i < types.size(); i++) {
        FuncType t = types.get(i);
        o.write(0x60);
        o.u32(t.params().length);
        o.write(t.params(), 0, t.params().length);
        o.u32(t.results().length);
        o.write(t.results(), 0, t.results().length);
      }
      return o.toByteArray();
    }

    byte[] functions() {
      Out o = new Out();
      o.u32(funcTypes.size());
      for (int t : funcTypes) {
        o.u32(t);
      }
      return o.toByteArray();
    }

    byte[] code() {
      Out o = new Out();
      o.u32(bodies.size());
      for (Body body : bodies) {
        Out fb = new Out();
        byte[] lt = body.localTypes();
        List<int[]> groups = new ArrayList<>();
        for (int i = body.params(); i < lt.length; i++) {
          if (!groups.isEmpty() && groups.get(groups.size() - 1)[1] == lt[i]) {
            groups.get(groups.size() - 1)[0]++;
          } else {
            groups.add(new int[] {1, lt[i]});
          }
        }
        fb.u32(groups.size());
        for (int[] g : groups) {
          fb.u32(g[0]);
          fb.write(g[1] & 0xFF);
        }
        fb.write(body.code(), 0, body.code().length);
        o.u32(fb.size());
        o.write(fb.toByteArray(), 0, fb.size());
      }
      return o.toByteArray();
    }
  }

  // ---------------------------------------------------------------------------------------------------------

  static void get(Out o, int local) {
    o.write(0x20);
    o.u32(local);
  }

  static void set(Out o, int local) {
    o.write(0x21);
    o.u32(local);
  }

  /** Pushes a zero of each type. */
  static void zeros(Out o, byte[] types) {
    for (byte t : types) {
      switch (t & 0xFF) {
        case I32 -> {
          o.write(0x41);
          o.s64(0);
        }
        case I64 -> {
          o.write(0x42);
          o.s64(0);
        }
        case F32 -> o.write(new byte[] {0x43, 0, 0, 0, 0}, 0, 5);
        case F64 -> o.write(new byte[] {0x44, 0, 0, 0, 0, 0, 0, 0, 0}, 0, 9);
        default -> {
          o.write(0xD0); // ref.null of the reference type
          o.write(t & 0xFF);
        }
      }
    }
  }

  static byte[] concat(byte[] a, byte[] c) {
    byte[] r = Arrays.copyOf(a, a.length + c.length);
    System.arraycopy(c, 0, r, a.length, c.length);
    return r;
  }

  /** A construct to move: its instructions, type, the locals it uses and writes, and its ways out. */
  private record Region(
      int open, int close, FuncType type, int[] used, int[] written, List<Integer> exits, boolean returns) {
    /**
     * The estimated bytecode of the glue that replaces it (at least {@link Code}'s estimate of it), in a function
     * with {@code functionResults} results.
     */
    int glue(int functionResults) {
      boolean exiting = !exits.isEmpty() || returns;
      int passedBack = returns ? functionResults : 0;
      int results = type.results().length + passedBack + written.length + (exiting ? 1 : 0);
      int call = 2 * used.length + 10 + (results > 1 ? 8 * results : 0) + 2 * (results - type.results().length);
      int dispatch = exiting ? 2 + 4 + 12 * exits.size() + 4 + 2 * passedBack + 2 : 0;
      return call + dispatch;
    }
  }

  /** A growing byte array of value types. */
  private static final class Bytes {
    private byte[] a = new byte[8];
    private int n;

    void add(byte t) {
      if (n == a.length) {
        a = Arrays.copyOf(a, n * 2);
      }
      a[n++] = t;
    }

    void add(byte[] ts) {
      for (byte t : ts) {
        add(t);
      }
    }

    int size() {
      return n;
    }

    byte[] toArray() {
      return Arrays.copyOf(a, n);
    }
  }

  /** A function body's instructions, decoded: where each starts, its opcode, and the block structure. */
  private static final class Code {
    final byte[] code;
    int n;
    int[] at = new int[64];
    int[] op = new int[64];
    /** For {@code block}, {@code loop} and {@code if}: the index of its {@code end}. */
    int[] match = new int[64];
    /** The innermost construct around each instruction, -1 for the function's body. */
    int[] parent = new int[64];
    long[] blockType = new long[64];
    /** The number of constructs around each instruction. */
    int[] depth = new int[64];
    /** The number of loops around each instruction. */
    int[] loopDepth = new int[64];
    int[] estimate = new int[64];
    /** Prefix sums of the estimates. */
    int[] sum;

    Code(byte[] code) {
      this.code = code;
    }

    int total() {
      return sum[n];
    }

    /** The estimated bytecode of construct {@code i}, up to and including its end. */
    int size(int i) {
      return sum[match[i] + 1] - sum[i];
    }

    int length(int i) {
      return (i + 1 < n ? at[i + 1] : code.length) - at[i];
    }

    void copy(Out o, int i) {
      o.write(code, at[i], length(i));
    }


    /** The construct {@code t} levels out from instruction {@code i} (0: its innermost). */
    int ancestor(int i, int t) {
      int p = parent[i];
      for (int k = 0; k < t; k++) {
        p = parent[p];
      }
      return p;
    }

    int label(int i) {
      return new Reader(code, at[i] + 1, code.length).u32();
    }

    int local(int i) {
      return new Reader(code, at[i] + 1, code.length).u32();
    }

    int[] labels(int i) {
      Reader r = new Reader(code, at[i] + 1, code.length);
      int count = r.count();
      int[] l = new int[count + 1];
      for (int k = 0; k <= count; k++) {
        l[k] = r.u32();
      }
      return l;
    }

    void grow() {
      int size = at.length * 2;
      at = Arrays.copyOf(at, size);
      op = Arrays.copyOf(op, size);
      match = Arrays.copyOf(match, size);
      parent = Arrays.copyOf(parent, size);
      blockType = Arrays.copyOf(blockType, size);
      depth = Arrays.copyOf(depth, size);
      loopDepth = Arrays.copyOf(loopDepth, size);
      estimate = Arrays.copyOf(estimate, size);
    }

    /**
     * Decodes the instructions and estimates each one's bytecode from what Endive emits for it; {@code results} is
     * the function's number of results, {@code locals} its number of declared locals (each initialised).
     */
    void decode(Splitter s, int results, int locals) {
      // A function with several results returns them in an array, filled at each return.
      int multiResults = results > 1 ? 8 * results : 0;
      Reader r = new Reader(code, 0, code.length);
      int[] stack = new int[16];
      int top = 0;
      while (r.pos < r.end) {
        if (n == at.length) {
          grow();
        }
        int i = n++;
        at[i] = r.pos;
        int o = r.u8();
        op[i] = o;
        int p = top == 0 ? -1 : stack[top - 1];
        parent[i] = p;
        depth[i] = top;
        loopDepth[i] = p < 0 ? 0 : loopDepth[p] + (op[p] == 0x03 ? 1 : 0);
        int est;
        switch (o) {
          case 0x02, 0x03, 0x04 -> {
            int t = code[r.pos] & 0xFF;
            if (t == 0x40 || t == I32 || t == I64 || t == F32 || t == F64 || t == V128 || t == 0x70 || t == 0x6F) {
              r.pos++;
              blockType[i] = -t;
            } else {
              blockType[i] = r.s33();
            }
            if (top == stack.length) {
              stack = Arrays.copyOf(stack, top * 2);
            }
            stack[top++] = i;
            est = o == 0x04 ? 4 : 0;
          }
          case 0x05 -> est = 3;
          case 0x0B -> {
            if (top > 0) {
              match[stack[--top]] = i;
              est = 0;
            } else {
              est = multiResults;
            }
          }
          case 0x0C -> {
            r.u32();
            est = 3;
          }
          case 0x0D -> {
            r.u32();
            est = 4;
          }
          case 0x0E -> {
            int count = r.count();
            for (int k = 0; k <= count; k++) {
              r.u32();
            }
            est = 16 + 4 * count;
          }
          case 0x0F -> est = 2 + multiResults;
          case 0x10, 0x12 -> {
            int callee = s.results(r.u32() & 0xFFFFFFFFL);
            est = 10 + (callee > 1 ? 8 * callee : 0); // several results come back in an array
          }
          case 0x11, 0x13 -> {
            int callee = s.types.get(r.u32()).results().length;
            r.u32();
            est = 20 + (callee > 1 ? 8 * callee : 0);
          }
          case 0x1C -> {
            int count = r.count();
            r.pos += count;
            est = 8;
          }
          case 0x20, 0x21 -> {
            r.u32();
            est = 2;
          }
          case 0x22 -> {
            r.u32();
            est = 3;
          }
          case 0x23, 0x24 -> {
            // the counter lives in the machine (three loads and a call); other globals, one static call
            est = r.u32() == s.counter ? 10 : 6;
          }
          case 0x25, 0x26 -> {
            r.u32();
            est = 8;
          }
          case 0x3F, 0x40 -> {
            r.u32();
            est = 7;
          }
          case 0x41 -> {
            r.s32();
            est = 2;
          }
          case 0x42 -> {
            r.s64();
            est = 3;
          }
          case 0x43 -> {
            r.pos += 4;
            est = 3;
          }
          case 0x44 -> {
            r.pos += 8;
            est = 3;
          }
          case 0xD0 -> {
            r.u8();
            est = 2;
          }
          case 0xD2 -> {
            r.u32();
            est = 8;
          }
          case 0xFC -> {
            est = 8;
            int sub = r.u32();
            switch (sub) {
              case 8, 10, 12, 14 -> {
                r.u32();
                r.u32();
              }
              case 9, 11, 13, 15, 16, 17 -> r.u32();
              default -> {}
            }
          }
          case 0xFD -> {
            est = 8;
            r.skipSimdImmediates(r.u32());
          }
          default -> {
            if (o >= 0x28 && o <= 0x3E) {
              r.skipMemarg();
              est = 7;
            } else if (o == 0x00) {
              est = 4;
            } else if (o == 0x01) {
              est = 0;
            } else if (o == 0x1A) {
              est = 1;
            } else if (o == 0x1B) {
              est = 8;
            } else if (o >= 0x45 && o <= 0x66) {
              est = 4; // comparisons: a static call
            } else {
              est = 3; // arithmetic and conversions: an opcode, or a static call
            }
          }
        }
        estimate[i] = est;
      }
      if (top != 0 || n == 0 || op[n - 1] != 0x0B) {
        throw new IllegalStateException("unbalanced function body");
      }
      sum = new int[n + 1];
      sum[0] = 3 * locals;
      for (int i = 0; i < n; i++) {
        sum[i + 1] = sum[i] + estimate[i];
      }
    }
  }
}
