package dev.terrarium.host.metering;

import java.util.ArrayList;
import java.util.List;

/**
 * A loop whose number of iterations is bounded when it is entered, so that the most fuel it can charge is known
 * then (see docs/metering.md, "Bounded loops run without checks when their fuel is there"). The shape, the one
 * AssemblyScript and hand-written {@code while (p < end)} loops compile to:
 *
 * <pre>{@code
 * loop                                     ;; no parameters, no results
 *   local.get $p  (local.get $e | i32.const E)  i32.lt_u
 *   if
 *     body
 *   end
 * end
 * }</pre>
 *
 * where the body contains no loop, call, {@code br_table}, or instruction with a dynamic cost; never writes
 * {@code $e}; writes {@code $p} only as {@code local.get $p; i32.const k; i32.add; local.set|tee $p} with
 * {@code 0 < k <= 65 536}; and, on every path from the header to a branch back to the loop, adds at least
 * {@link #step} to {@code $p} in total. Then, entered with {@code p < e <= 2^32 - 1 - }{@link #growth}, the loop
 * makes at most {@code ceil((e - p) / step)} iterations (no addition wraps around), and one more pass of its header
 * that leaves it.
 */
final class BoundedLoop {
  private static final long MAX_STEP = 1 << 16;
  private static final int MAX_INSTRUCTIONS = 4_096;
  private static final long UNREACHABLE = Long.MAX_VALUE / 4;

  /** The induction local. */
  final int p;
  /** The bound's local, or -1 when the bound is the constant {@link #bound}. */
  final int e;
  final long bound;
  /** The least that every iteration adds to {@code $p}. */
  final long step;
  /** The most one pass through the body can add to {@code $p}: the sum of all its additions. */
  final long growth;

  private BoundedLoop(int p, int e, long bound, long step, long growth) {
    this.p = p;
    this.e = e;
    this.bound = bound;
    this.step = step;
    this.growth = growth;
  }

  /** The largest bound for which no addition of one pass can wrap around: {@code 2^32 - 1 - growth}. */
  long limit() {
    return 0xFFFFFFFFL - growth;
  }

  /**
   * Returns the loop that starts with the {@code loop} instruction at {@code at} in {@code b} if it has the shape
   * above, with {@code $p} and {@code $e} among the function's first {@code localCount} locals; otherwise
   * {@code null} (also for malformed code, which validation refuses later).
   */
  static BoundedLoop find(byte[] b, int at, int end, long localCount) {
    try {
      return analyze(new Reader(b, at + 1, end), localCount);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** An open block of the body: its kind, the increment on entry and the least increment that reaches its end. */
  private static final class Frame {
    final boolean isIf;
    final long entry;
    long atEnd = UNREACHABLE;
    boolean hasElse;

    Frame(boolean isIf, long entry) {
      this.isIf = isIf;
      this.entry = entry;
    }
  }

  private static BoundedLoop analyze(Reader r, long localCount) {
    if (r.u8() != 0x40 || r.u8() != 0x20) {
      return null;
    }
    long p = r.u32();
    long e = -1;
    long bound = 0;
    int op = r.u8();
    if (op == 0x20) {
      e = r.u32();
      if (e >= localCount || e == p) {
        return null;
      }
    } else if (op == 0x41) {
      bound = r.s32() & 0xFFFFFFFFL;
    } else {
      return null;
    }
    if (p >= localCount || r.u8() != 0x49 || r.u8() != 0x04 || r.u8() != 0x40) {
      return null; // i32.lt_u, if (empty)
    }
    List<Frame> stack = new ArrayList<>();
    stack.add(new Frame(true, 0)); // the header's if
    long inc = 0;
    long back = UNREACHABLE;
    long growth = 0;
    // the last three instructions, for p = p + k: opcodes and immediates
    int op1 = -1;
    int op2 = -1;
    int op3 = -1;
    long imm1 = 0;
    long imm2 = 0;
    long imm3 = 0;
    for (int n = 0; n < MAX_INSTRUCTIONS; n++) {
      op = r.u8();
      long imm = 0;
      int plain = r.skipPlain(op);
      if (plain < 0) {
        return null;
      }
      if (plain == 0 && (op < 0x45 || op > 0xC4)) { // not a numeric instruction without immediates
        switch (op) {
          case 0x01: // nop
          case 0x1A: // drop
          case 0x1B: // select
            break;
          case 0x1C: { // select t*
            int count = r.count();
            for (int i = 0; i < count; i++) {
              r.u8();
            }
            break;
          }
          case 0x20:
            imm = r.u32();
            break;
          case 0x21:
          case 0x22: {
            imm = r.u32();
            if (imm == e) {
              return null;
            }
            if (imm == p) {
              // p = p + k only
              if (op3 != 0x20 || imm3 != p || op2 != 0x41 || imm2 <= 0 || imm2 > MAX_STEP || op1 != 0x6A) {
                return null;
              }
              inc = Math.min(UNREACHABLE, inc + imm2);
              growth += imm2;
            }
            break;
          }
          case 0x41:
            imm = r.s32();
            break;
          case 0x02: // block
          case 0x04: // if
            blockType(r);
            stack.add(new Frame(op == 0x04, inc));
            break;
          case 0x05: { // else
            Frame f = stack.get(stack.size() - 1);
            if (!f.isIf || f.hasElse) {
              return null;
            }
            f.hasElse = true;
            f.atEnd = Math.min(f.atEnd, inc);
            inc = f.entry;
            break;
          }
          case 0x0B: { // end
            Frame f = stack.remove(stack.size() - 1);
            long joined = Math.min(f.atEnd, inc);
            if (f.isIf && !f.hasElse) {
              joined = Math.min(joined, f.entry);
            }
            inc = joined;
            if (stack.isEmpty()) {
              // the header's if is closed: the loop's end must follow, and every way around the loop must advance
              if (r.u8() != 0x0B || back == UNREACHABLE || back < 1) {
                return null;
              }
              if (e < 0 && bound > 0xFFFFFFFFL - growth) {
                return null;
              }
              return new BoundedLoop((int) p, (int) e, bound, back, growth);
            }
            break;
          }
          case 0x0C: // br
          case 0x0D: { // br_if
            long l = r.u32();
            int depth = stack.size(); // labels 0 .. depth-1: open blocks; depth: the loop; beyond: outside it
            if (l < depth) {
              Frame f = stack.get(depth - 1 - (int) l);
              f.atEnd = Math.min(f.atEnd, inc);
            } else if (l == depth) {
              back = Math.min(back, inc);
            }
            if (op == 0x0C) {
              inc = UNREACHABLE;
            }
            break;
          }
          case 0x00: // unreachable
          case 0x0F: // return
            inc = UNREACHABLE;
            break;
          default:
            return null; // loops, calls, br_table, memory.grow, references, tables, SIMD, exceptions
        }
      }
      op3 = op2;
      imm3 = imm2;
      op2 = op1;
      imm2 = imm1;
      op1 = op;
      imm1 = imm;
    }
    return null;
  }

  private static void blockType(Reader r) {
    int t = r.u8();
    if (t == 0x40 || t == 0x7F || t == 0x7E || t == 0x7D || t == 0x7C || t == 0x7B || t == 0x70 || t == 0x6F) {
      return;
    }
    r.pos--;
    r.s33();
  }
}
