package dev.terrarium.host.metering;

import dev.terrarium.api.ErrorCode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Rewrites the floating-point instructions of a WebAssembly binary module whose results under Endive 1.0.0 are
 * not what the specification requires, and optionally canonicalises every NaN a float instruction produces. Works
 * on bytes only, before the engine sees the module, like {@link FuelRewriter}; run it after the fuel rewriter, so
 * that the code it inserts is never charged. See {@code docs/floats.md}.
 *
 * <p>Always: {@code f32.abs} and {@code f64.abs} become integer masks of the sign bit (Endive keeps the sign of a
 * negative NaN, depending on the JVM's tier), and the results of {@code f32.min}, {@code f32.max}, {@code f64.min},
 * {@code f64.max}, {@code f64.ceil}, {@code f64.floor} and {@code f64.trunc}, which Endive may return as a
 * signalling NaN, are replaced by the canonical NaN when they are a NaN. With {@code canonicalNaNs}, the result of
 * every instruction that can produce a NaN (arithmetic, {@code sqrt}, rounding, {@code min}, {@code max},
 * {@code promote}, {@code demote}) is replaced by the canonical NaN when it is a NaN, so NaN bits no longer depend
 * on the engine, the execution mode or the JVM's tier.
 *
 * <p>The replacement is {@code local.tee $t; const canonical; local.get $t; local.get $t; eq; select}, with a
 * scratch local per type appended to the function's locals (existing local indices do not change). In a module
 * with tail calls it is a call to an appended helper function instead: Endive's interpreter drops declared locals
 * when a function tail-calls itself. Function, type, global and local indices of the module never change.
 */
public final class FloatRewriter {
  /** The canonical quiet NaN of {@code f32}: positive, payload 0x400000. */
  public static final int CANONICAL_F32 = 0x7FC00000;
  /** The canonical quiet NaN of {@code f64}: positive, payload 0x8000000000000. */
  public static final long CANONICAL_F64 = 0x7FF8000000000000L;

  private FloatRewriter() {}

  /**
   * Returns {@code module} with its float instructions made conforming (and with {@code canonicalNaNs}, their NaN
   * results canonical), or {@code module} itself when no instruction needs it.
   *
   * @throws MeteringException if the module is malformed, or, with {@code canonicalNaNs}, uses an instruction the
   *     rewriter does not know (without it, such a module is returned unchanged)
   */
  public static byte[] rewrite(byte[] module, boolean canonicalNaNs) {
    Objects.requireNonNull(module, "module");
    try {
      return new Pass(module, canonicalNaNs).run();
    } catch (IndexOutOfBoundsException e) {
      throw new MeteringException(ErrorCode.LOAD_MALFORMED, "the module is truncated or malformed: " + e.getMessage());
    } catch (MeteringException e) {
      if (!canonicalNaNs && e.code() == ErrorCode.LOAD_UNSUPPORTED) {
        return module; // an instruction this decoder does not know: leave the module as the engine accepted it
      }
      throw e;
    }
  }

  /** What happens after (or instead of) an instruction. */
  private static final int KEEP = 0;
  private static final int CANON_F32 = 1;
  private static final int CANON_F64 = 2;
  private static final int ABS_F32 = 3;
  private static final int ABS_F64 = 4;

  /** The action for a one-byte opcode, with or without NaN canonicalisation. */
  private static int action(int op, boolean canonical) {
    switch (op) {
      case 0x8B: // f32.abs
        return ABS_F32;
      case 0x99: // f64.abs
        return ABS_F64;
      case 0x96: // f32.min
      case 0x97: // f32.max
        return CANON_F32;
      case 0x9B: // f64.ceil
      case 0x9C: // f64.floor
      case 0x9D: // f64.trunc
      case 0xA4: // f64.min
      case 0xA5: // f64.max
        return CANON_F64;
      default:
        break;
    }
    if (!canonical) {
      return KEEP;
    }
    if ((op >= 0x8D && op <= 0x95) || op == 0xB6) { // f32 ceil..div, f32.demote_f64
      return CANON_F32;
    }
    if ((op >= 0x9E && op <= 0xA3) || op == 0xBB) { // f64 nearest..div, f64.promote_f32
      return CANON_F64;
    }
    return KEEP;
  }

  private static final class Section {
    final int id;
    final int start;
    final int end;

    Section(int id, int start, int end) {
      this.id = id;
      this.start = start;
      this.end = end;
    }
  }

  /** One function body: where it is, and the instructions to change, as (offset of the opcode, action) pairs. */
  private static final class Body {
    final int start;
    final int end;
    final int codeStart;
    final int groupCount;
    final long locals;
    int[] edits = new int[0];
    int editCount;
    boolean canonicalises;

    Body(int start, int end, int codeStart, int groupCount, long locals) {
      this.start = start;
      this.end = end;
      this.codeStart = codeStart;
      this.groupCount = groupCount;
      this.locals = locals;
    }

    void edit(int at, int action) {
      if (editCount + 2 > edits.length) {
        edits = Arrays.copyOf(edits, Math.max(8, edits.length * 2));
      }
      edits[editCount++] = at;
      edits[editCount++] = action;
      canonicalises |= action == CANON_F32 || action == CANON_F64;
    }
  }

  private static final class Pass {
    final byte[] b;
    final boolean canonical;
    final List<Section> sections = new ArrayList<>();
    /** Parameter count of each type index, -1 for types that are not function types. */
    int[] typeParams = new int[0];
    int typeCount;
    int funcImports;
    int[] definedFuncTypes = new int[0];
    final List<Body> bodies = new ArrayList<>();
    boolean tailCalls;

    Pass(byte[] b, boolean canonical) {
      this.b = b;
      this.canonical = canonical;
    }

    MeteringException malformed(int at, String what) {
      return new MeteringException(ErrorCode.LOAD_MALFORMED, what + " at byte offset " + at);
    }

    byte[] run() {
      if (b.length < 8 || b[0] != 0 || b[1] != 'a' || b[2] != 's' || b[3] != 'm') {
        throw malformed(0, "not a WebAssembly binary module (bad magic)");
      }
      if (b[4] != 1 || b[5] != 0 || b[6] != 0 || b[7] != 0) {
        throw new MeteringException(
            ErrorCode.LOAD_UNSUPPORTED, "only WebAssembly binary modules of version 1 can be rewritten (not components)");
      }
      Reader r = new Reader(b, 8, b.length);
      while (r.pos < r.end) {
        int at = r.pos;
        int id = r.u8();
        int size = r.u32();
        if (size < 0 || size > r.end - r.pos) {
          throw malformed(at, "section " + id + " is longer than the module");
        }
        sections.add(new Section(id, r.pos, r.pos + size));
        r.pos += size;
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
              definedFuncTypes[i] = sr.u32();
            }
            break;
          case 10:
            scanCode(sr);
            break;
          default:
            break;
        }
      }
      boolean changed = false;
      boolean helpers = false;
      for (Body body : bodies) {
        changed |= body.editCount > 0;
        helpers |= tailCalls && body.canonicalises;
      }
      if (!changed) {
        return b;
      }
      Out out = new Out();
      out.write(b, 0, 8);
      for (Section s : sections) {
        byte[] payload;
        if (s.id == 10) {
          payload = rewriteCode(helpers);
        } else if (helpers && s.id == 1) {
          payload = appendTypes(s);
        } else if (helpers && s.id == 3) {
          payload = appendFunctions(s);
        } else {
          payload = Arrays.copyOfRange(b, s.start, s.end);
        }
        out.write(s.id);
        out.u32(payload.length);
        out.write(payload, 0, payload.length);
      }
      return out.toByteArray();
    }

    // ------------------------------------------------------------------------------------------- scanning

    void scanTypes(Reader r) {
      int n = r.count();
      List<Integer> params = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        if ((b[r.pos] & 0xFF) == 0x4E) { // rec group
          r.pos++;
          int m = r.count();
          for (int k = 0; k < m; k++) {
            params.add(subType(r));
          }
        } else {
          params.add(subType(r));
        }
      }
      typeCount = params.size();
      typeParams = params.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Skips a sub type; returns its parameter count if it is a function type, else -1. */
    int subType(Reader r) {
      int form = b[r.pos] & 0xFF;
      if (form == 0x50 || form == 0x4F) { // sub, sub final
        r.pos++;
        int supers = r.count();
        for (int i = 0; i < supers; i++) {
          r.u32();
        }
      }
      int at = r.pos;
      int kind = r.u8();
      switch (kind) {
        case 0x60: {
          int params = r.count();
          for (int i = 0; i < params; i++) {
            valType(r);
          }
          int results = r.count();
          for (int i = 0; i < results; i++) {
            valType(r);
          }
          return params;
        }
        case 0x5F: {
          int fields = r.count();
          for (int i = 0; i < fields; i++) {
            valType(r); // storage type: a value type or a packed type, one byte
            r.u8();
          }
          return -1;
        }
        case 0x5E:
          valType(r);
          r.u8();
          return -1;
        default:
          throw malformed(at, String.format("unknown type form 0x%02X", kind));
      }
    }

    /** Skips a value type: one byte, or {@code ref}/{@code ref null} and a heap type. */
    void valType(Reader r) {
      int t = r.u8();
      if (t == 0x63 || t == 0x64) {
        r.s33();
      }
    }

    void scanImports(Reader r) {
      int n = r.count();
      for (int i = 0; i < n; i++) {
        int at = r.pos;
        r.name();
        r.name();
        int kind = r.u8();
        switch (kind) {
          case 0:
            r.u32();
            funcImports++;
            break;
          case 1:
            valType(r);
            r.skipLimits();
            break;
          case 2:
            r.skipLimits();
            break;
          case 3:
            valType(r);
            r.u8();
            break;
          case 4:
            r.u8();
            r.u32();
            break;
          default:
            throw malformed(at, "unknown import kind " + kind);
        }
      }
    }

    void scanCode(Reader r) {
      int n = r.count();
      if (n != definedFuncTypes.length) {
        throw malformed(r.pos, "the code section has " + n + " bodies for " + definedFuncTypes.length + " functions");
      }
      for (int i = 0; i < n; i++) {
        int at = r.pos;
        int size = r.u32();
        int start = r.pos;
        if (size < 0 || size > r.end - start) {
          throw malformed(at, "function body " + i + " is longer than the code section");
        }
        Reader br = new Reader(b, start, start + size);
        int groups = br.count();
        int type = definedFuncTypes[i];
        if (type < 0 || type >= typeCount || typeParams[type] < 0) {
          throw new MeteringException(ErrorCode.LOAD_INVALID, "function " + (funcImports + i) + " has no function type");
        }
        long locals = typeParams[type];
        for (int g = 0; g < groups; g++) {
          locals += br.u32() & 0xFFFFFFFFL;
          valType(br);
        }
        Body body = new Body(start, start + size, br.pos, groups, locals);
        while (br.pos < br.end) {
          instruction(br, body);
        }
        bodies.add(body);
        r.pos = start + size;
      }
    }

    void blockType(Reader r) {
      int t = b[r.pos] & 0xFF;
      if (t == 0x63 || t == 0x64) {
        r.pos++;
      }
      r.s33();
    }

    MeteringException unknown(int at, String what) {
      return new MeteringException(
          ErrorCode.LOAD_UNSUPPORTED, what + " is not known to the float rewriter, at byte offset " + at);
    }

    /** Decodes one instruction, recording in {@code body} whether it is to be changed. */
    void instruction(Reader r, Body body) {
      int at = r.pos;
      int op = r.u8();
      if (op >= 0x45 && op <= 0xC4) {
        int action = action(op, canonical);
        if (action != KEEP) {
          body.edit(at, action);
        }
        return;
      }
      if (op >= 0x28 && op <= 0x3E) {
        r.skipMemarg();
        return;
      }
      switch (op) {
        case 0x00: // unreachable
        case 0x01: // nop
        case 0x05: // else
        case 0x0A: // throw_ref
        case 0x0B: // end
        case 0x0F: // return
        case 0x19: // catch_all
        case 0x1A: // drop
        case 0x1B: // select
        case 0xD1: // ref.is_null
        case 0xD3: // ref.eq
        case 0xD4: // ref.as_non_null
          return;
        case 0x02: // block
        case 0x03: // loop
        case 0x04: // if
        case 0x06: // try (legacy exceptions)
          blockType(r);
          return;
        case 0x1F: { // try_table
          blockType(r);
          int n = r.count();
          for (int i = 0; i < n; i++) {
            int kind = r.u8();
            if (kind == 0 || kind == 1) {
              r.u32(); // tag
            }
            r.u32(); // label
          }
          return;
        }
        case 0x07: // catch
        case 0x08: // throw
        case 0x09: // rethrow
        case 0x18: // delegate
        case 0x0C: // br
        case 0x0D: // br_if
        case 0x10: // call
        case 0x14: // call_ref
        case 0x20:
        case 0x21:
        case 0x22:
        case 0x23:
        case 0x24:
        case 0x25:
        case 0x26:
        case 0x3F: // memory.size
        case 0x40: // memory.grow
        case 0xD2: // ref.func
        case 0xD5: // br_on_null
        case 0xD6: // br_on_non_null
          r.u32();
          return;
        case 0x12: // return_call
        case 0x15: // return_call_ref
          tailCalls = true;
          r.u32();
          return;
        case 0x11: // call_indirect
          r.u32();
          r.u32();
          return;
        case 0x13: // return_call_indirect
          tailCalls = true;
          r.u32();
          r.u32();
          return;
        case 0x0E: { // br_table
          int n = r.count();
          for (int i = 0; i <= n; i++) {
            r.u32();
          }
          return;
        }
        case 0x1C: { // select t*
          int n = r.count();
          for (int i = 0; i < n; i++) {
            valType(r);
          }
          return;
        }
        case 0x41:
          r.s32();
          return;
        case 0x42:
          r.s64();
          return;
        case 0x43:
          r.pos += 4;
          return;
        case 0x44:
          r.pos += 8;
          return;
        case 0xD0: // ref.null heaptype
          r.s33();
          return;
        case 0xFB:
          prefixFB(r, at);
          return;
        case 0xFC:
          prefixFC(r, at);
          return;
        case 0xFD:
          prefixFD(r, at);
          return;
        case 0xFE: {
          int sub = r.u32();
          if (sub == 3) {
            r.u8(); // atomic.fence
          } else {
            r.skipMemarg();
          }
          return;
        }
        default:
          throw unknown(at, String.format("opcode 0x%02X", op));
      }
    }

    void prefixFB(Reader r, int at) {
      int sub = r.u32();
      switch (sub) {
        case 15: // array.len
        case 26: // any.convert_extern
        case 27: // extern.convert_any
        case 28: // ref.i31
        case 29: // i31.get_s
        case 30: // i31.get_u
          return;
        case 0:
        case 1:
        case 6:
        case 7:
        case 11:
        case 12:
        case 13:
        case 14:
        case 16:
          r.u32();
          return;
        case 2:
        case 3:
        case 4:
        case 5:
        case 8:
        case 9:
        case 10:
        case 17:
        case 18:
        case 19:
          r.u32();
          r.u32();
          return;
        case 20:
        case 21:
        case 22:
        case 23:
          r.s33(); // heap type
          return;
        case 24: // br_on_cast flags label ht ht
        case 25: // br_on_cast_fail
          r.u8();
          r.u32();
          r.s33();
          r.s33();
          return;
        default:
          throw unknown(at, "opcode 0xFB " + sub);
      }
    }

    void prefixFC(Reader r, int at) {
      int sub = r.u32();
      if (sub <= 7) {
        return; // saturating truncations
      }
      switch (sub) {
        case 9: // data.drop
        case 11: // memory.fill
        case 13: // elem.drop
        case 15: // table.grow
        case 16: // table.size
        case 17: // table.fill
          r.u32();
          return;
        case 8: // memory.init
        case 10: // memory.copy
        case 12: // table.init
        case 14: // table.copy
          r.u32();
          r.u32();
          return;
        default:
          throw unknown(at, "opcode 0xFC " + sub);
      }
    }

    void prefixFD(Reader r, int at) {
      int sub = r.u32();
      if (sub > 0x113) {
        throw unknown(at, "opcode 0xFD " + sub);
      }
      r.skipSimdImmediates(sub);
      // Endive 1.0.0 executes no SIMD float arithmetic, so no lane is rewritten.
    }

    // ------------------------------------------------------------------------------------------- writing

    int helperF32() {
      return funcImports + definedFuncTypes.length;
    }

    int helperF64() {
      return funcImports + definedFuncTypes.length + 1;
    }

    byte[] appendTypes(Section s) {
      Reader r = new Reader(b, s.start, s.end);
      int n = r.count();
      Out o = new Out();
      o.u32(n + 2L);
      o.write(b, r.pos, s.end - r.pos);
      o.write(new byte[] {0x60, 0x01, 0x7D, 0x01, 0x7D}, 0, 5); // (f32) -> f32, at index typeCount
      o.write(new byte[] {0x60, 0x01, 0x7C, 0x01, 0x7C}, 0, 5); // (f64) -> f64
      return o.toByteArray();
    }

    byte[] appendFunctions(Section s) {
      Reader r = new Reader(b, s.start, s.end);
      int n = r.count();
      Out o = new Out();
      o.u32(n + 2L);
      o.write(b, r.pos, s.end - r.pos);
      o.u32(typeCount);
      o.u32(typeCount + 1L);
      return o.toByteArray();
    }

    byte[] rewriteCode(boolean helpers) {
      Out o = new Out();
      o.u32(bodies.size() + (helpers ? 2L : 0L));
      for (Body body : bodies) {
        if (body.editCount == 0) {
          o.u32(body.end - body.start);
          o.write(b, body.start, body.end - body.start);
          continue;
        }
        byte[] code = rewriteBody(body, helpers);
        o.u32(code.length);
        o.write(code, 0, code.length);
      }
      if (helpers) {
        byte[] f32 = helperBody(false);
        o.u32(f32.length);
        o.write(f32, 0, f32.length);
        byte[] f64 = helperBody(true);
        o.u32(f64.length);
        o.write(f64, 0, f64.length);
      }
      return o.toByteArray();
    }

    byte[] rewriteBody(Body body, boolean helpers) {
      Out o = new Out();
      boolean scratch = body.canonicalises && !helpers;
      long f32 = body.locals;
      long f64 = body.locals + 1;
      o.u32(body.groupCount + (scratch ? 2L : 0L));
      Reader gr = new Reader(b, body.start, body.codeStart);
      gr.count();
      o.write(b, gr.pos, body.codeStart - gr.pos);
      if (scratch) {
        o.write(new byte[] {0x01, 0x7D, 0x01, 0x7C}, 0, 4); // one f32, one f64
      }
      int from = body.codeStart;
      for (int i = 0; i < body.editCount; i += 2) {
        int at = body.edits[i];
        int action = body.edits[i + 1];
        switch (action) {
          case ABS_F32:
            o.write(b, from, at - from);
            o.write(0xBC); // i32.reinterpret_f32
            o.write(0x41);
            o.s64(0x7FFFFFFF);
            o.write(0x71); // i32.and
            o.write(0xBE); // f32.reinterpret_i32
            break;
          case ABS_F64:
            o.write(b, from, at - from);
            o.write(0xBD); // i64.reinterpret_f64
            o.write(0x42);
            o.s64(0x7FFFFFFFFFFFFFFFL);
            o.write(0x83); // i64.and
            o.write(0xBF); // f64.reinterpret_i64
            break;
          default:
            o.write(b, from, at + 1 - from); // the instruction itself, then its result's check
            boolean wide = action == CANON_F64;
            if (helpers) {
              o.write(0x10);
              o.u32(wide ? helperF64() : helperF32());
            } else {
              canonicalise(o, wide, wide ? f64 : f32);
            }
            break;
        }
        from = at + 1;
      }
      o.write(b, from, body.end - from);
      return o.toByteArray();
    }

    /** Replaces the value on top of the stack by the canonical NaN if it is a NaN, using local {@code t}. */
    void canonicalise(Out o, boolean wide, long t) {
      o.write(0x22);
      o.u32(t); // local.tee $t
      if (wide) {
        o.write(0x44);
        long bits = CANONICAL_F64;
        for (int k = 0; k < 8; k++) {
          o.write((int) (bits >>> (8 * k)) & 0xFF);
        }
      } else {
        o.write(0x43);
        int bits = CANONICAL_F32;
        for (int k = 0; k < 4; k++) {
          o.write((bits >>> (8 * k)) & 0xFF);
        }
      }
      o.write(0x20);
      o.u32(t);
      o.write(0x20);
      o.u32(t);
      o.write(wide ? 0x61 : 0x5B); // f64.eq / f32.eq: false only for a NaN
      o.write(0x1B); // select: the value if it equals itself, else the canonical NaN
    }

    /** {@code (param x) (result x)}: the canonicalisation of its parameter, with no declared locals. */
    byte[] helperBody(boolean wide) {
      Out o = new Out();
      o.u32(0);
      o.write(0x20);
      o.u32(0); // local.get 0: the value, then the rest of canonicalise with the parameter as its local
      byte[] tail = tailOf(wide);
      o.write(tail, 0, tail.length);
      o.write(0x0B);
      return o.toByteArray();
    }

    /** {@code const canonical; local.get 0; local.get 0; eq; select} after the value pushed once. */
    private byte[] tailOf(boolean wide) {
      Out full = new Out();
      canonicalise(full, wide, 0);
      byte[] bytes = full.toByteArray();
      return Arrays.copyOfRange(bytes, 2, bytes.length); // drop local.tee 0
    }
  }
}
