package dev.terrarium.host.metering;

import java.util.Arrays;

/**
 * A counted loop, found in a function body before it is metered, and the code that runs most of its iterations
 * without a charge per iteration (docs/metering.md, "Counted loops are paid by the chunk").
 *
 * <p>A loop qualifies when it has no parameters or results, its body is straight-line code (no blocks, branches,
 * calls or instructions with a dynamic cost) that ends in {@code br_if 0} right before its {@code end}, and the
 * condition of that {@code br_if} compares an i32 induction local, after its one update by a constant or a
 * loop-invariant local ({@code i = i ± step}), with a loop-invariant bound (a constant or a local the body never
 * writes), or is the updated local itself (a count-down to zero). Such a loop's trip count is known when it is
 * entered. The rewriter puts a driver before it that computes how many iterations remain but the last, charges
 * them in chunks that the counter covers, each for its exact static cost, and runs each chunk in an uncharged
 * copy of the body whose condition stops at the chunk's last iteration; the original, metered loop then runs the
 * last iteration. A loop entered with values for which the count is not known (a step local that counts away
 * from the bound, a {@code !=} loop whose distance is zero or not a multiple of the step) skips the driver and
 * runs metered as before; so does one whose last update wraps around the i32 range, from its last iteration on (the driver's
 * iterations all produce values short of the bound). A call that returns pays exactly what it paid without the
 * driver, under both engines.
 */
final class CountedLoop {
  /** At most this many units are charged for one chunk (what a trap in the middle of a chunk forfeits). */
  static final long CHUNK_UNITS = 1L << 16;

  private static final int UP = 0;
  private static final int DOWN = 1;
  private static final int NE = 2;

  /** Where the body starts (after the block type), and where its {@code br_if 0} is. */
  final int bodyStart;
  final int brIf;
  /** The bound's operand ({@code local.get} or {@code i32.const}) in the condition, or -1 for a count-down. */
  final int boundStart;
  final int boundEnd;
  /** The induction local, and the step: a constant, or (when {@code stepLocal >= 0}) a local, negated if sub. */
  final int iv;
  final int stepConst;
  final int stepLocal;
  final boolean stepNegated;
  /** The bound: a local, or (when {@code boundLocal < 0}) the constant {@code boundConst}. */
  final int boundLocal;
  final int boundConst;
  /** UP (while iv < bound), DOWN (while iv > bound) or NE, with the comparison's signedness. */
  final int dir;
  final boolean signed;
  /** Added to the bound to make a strict comparison (le, ge), and to the stop value of a chunk. */
  final int adjBound;
  final int adjStop;
  /** The static cost of one iteration (the loop's header segment, which is the whole body). */
  final long cost;

  private CountedLoop(
      int bodyStart, int brIf, int boundStart, int boundEnd, int iv, int stepConst, int stepLocal,
      boolean stepNegated, int boundLocal, int boundConst, int dir, boolean signed, int adjBound, int adjStop,
      long cost) {
    this.bodyStart = bodyStart;
    this.brIf = brIf;
    this.boundStart = boundStart;
    this.boundEnd = boundEnd;
    this.iv = iv;
    this.stepConst = stepConst;
    this.stepLocal = stepLocal;
    this.stepNegated = stepNegated;
    this.boundLocal = boundLocal;
    this.boundConst = boundConst;
    this.dir = dir;
    this.signed = signed;
    this.adjBound = adjBound;
    this.adjStop = adjStop;
    this.cost = cost;
  }

  /** One decoded instruction of a loop body: its offset, opcode and immediate (a local index or a constant). */
  private record Ins(int at, int op, long imm) {
    boolean localGet() {
      return op == 0x20;
    }

    boolean writes() {
      return op == 0x21 || op == 0x22;
    }
  }

  /** The most instructions a body may have to be considered (a bound on the work per loop). */
  private static final int MAX_INSTRUCTIONS = 4096;

  /**
   * Returns the counted loop whose {@code loop} opcode is at {@code at}, or {@code null} if that loop does not
   * qualify. {@code cost} is the static cost of its header segment, as the metering pass recorded it: for a loop
   * that qualifies, the whole body, so one iteration. Never throws on malformed input: anything it cannot read makes
   * the loop not qualify (the metering pass, which reads the same bytes, reports it).
   */
  static CountedLoop find(byte[] b, int at, int end, long localCount, long cost) {
    try {
      return analyze(b, at, end, localCount, cost);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static CountedLoop analyze(byte[] b, int at, int end, long localCount, long cost) {
    Reader r = new Reader(b, at + 1, end);
    if (r.u8() != 0x40 || cost <= 0) {
      return null; // parameters or results, or nothing to charge
    }
    int bodyStart = r.pos;
    Ins[] ins = new Ins[32];
    int n = 0;
    while (n < MAX_INSTRUCTIONS) {
      int p = r.pos;
      int op = r.u8();
      long imm = 0;
      int plain = r.skipPlain(op);
      if (plain < 0) {
        return null;
      }
      if (plain == 0 && (op < 0x45 || op > 0xC4)) { // not a numeric instruction without immediates
        switch (op) {
          case 0x0D:
            if (r.u32() != 0 || r.pos >= end || b[r.pos] != 0x0B) {
              return null;
            }
            return match(Arrays.copyOf(ins, n), bodyStart, p, cost);
          case 0x01: // nop
          case 0x1A: // drop
          case 0x1B: // select
            break;
          case 0x20:
          case 0x21:
          case 0x22:
            imm = r.u32() & 0xFFFFFFFFL;
            if (imm >= localCount) {
              return null;
            }
            break;
          case 0x41:
            imm = r.s32();
            break;
          default:
            return null; // control flow, calls, references, SIMD, dynamic costs: not a counted loop
        }
      }
      if (n == ins.length) {
        ins = Arrays.copyOf(ins, n * 2);
      }
      ins[n++] = new Ins(p, op, imm);
    }
    return null;
  }

  /**
   * An operand of the condition: instructions {@code [from, to]} of the body; the local it updates (an update's
   * {@code local.tee}) or reads, or -1 for a constant.
   */
  private record Operand(int from, int to, int local, boolean update) {}

  /**
   * Whether {@code ins[k]} writes a local {@code v} with {@code v ± step}: {@code local.get v; step; i32.add|sub;
   * local.set|tee v}, or {@code step; local.get v; i32.add; ...}, where step is {@code i32.const} or a
   * {@code local.get} of another local.
   */
  private static boolean update(Ins[] ins, int k) {
    if (k < 3 || !ins[k].writes() || (ins[k - 1].op() != 0x6A && ins[k - 1].op() != 0x6B)) {
      return false;
    }
    long v = ins[k].imm();
    Ins a = ins[k - 3];
    Ins s = ins[k - 2];
    if (a.localGet() && a.imm() == v && step(s, v)) {
      return true;
    }
    return ins[k - 1].op() == 0x6A && s.localGet() && s.imm() == v && step(a, v);
  }

  private static boolean step(Ins s, long v) {
    return s.op() == 0x41 || (s.localGet() && s.imm() != v);
  }

  /** The operand of the condition that ends at instruction {@code k}, or {@code null}. */
  private static Operand operand(Ins[] ins, int k) {
    if (k < 0) {
      return null;
    }
    Ins i = ins[k];
    if (i.op() == 0x22 && update(ins, k)) {
      return new Operand(k - 3, k, (int) i.imm(), true);
    }
    if (i.localGet()) {
      return new Operand(k, k, (int) i.imm(), false);
    }
    if (i.op() == 0x41) {
      return new Operand(k, k, -1, false);
    }
    return null;
  }

  private static int writes(Ins[] ins, long local) {
    int w = 0;
    for (Ins i : ins) {
      if (i.writes() && i.imm() == local) {
        w++;
      }
    }
    return w;
  }

  /** The index of the only write of {@code local}, or -1. */
  private static int onlyWrite(Ins[] ins, long local) {
    int at = -1;
    for (int k = 0; k < ins.length; k++) {
      if (ins[k].writes() && ins[k].imm() == local) {
        if (at >= 0) {
          return -1;
        }
        at = k;
      }
    }
    return at;
  }

  private static CountedLoop match(Ins[] ins, int bodyStart, int brIf, long cost) {
    int n = ins.length;
    if (n == 0) {
      return null;
    }
    Operand ivOp;
    Operand boundOp;
    int cmp;
    Ins last = ins[n - 1];
    if (last.op() == 0x22) { // ... local.tee i; br_if 0: while the updated local is not zero
      ivOp = operand(ins, n - 1);
      if (ivOp == null || !ivOp.update()) {
        return null;
      }
      boundOp = null;
      cmp = 0x47;
    } else if (last.op() >= 0x47 && last.op() <= 0x4F) {
      Operand right = operand(ins, n - 2);
      Operand left = right == null ? null : operand(ins, right.from() - 1);
      if (left == null) {
        return null;
      }
      boolean leftIv = isIv(ins, left);
      boolean rightIv = isIv(ins, right);
      if (leftIv == rightIv) {
        return null;
      }
      ivOp = leftIv ? left : right;
      boundOp = leftIv ? right : left;
      if (boundOp.update() || (boundOp.local() >= 0 && writes(ins, boundOp.local()) != 0)) {
        return null;
      }
      cmp = leftIv ? last.op() : mirror(last.op());
    } else {
      return null;
    }
    int iv = ivOp.local();
    int w = onlyWrite(ins, iv);
    if (w < 0 || !update(ins, w) || (!ivOp.update() && w > ivOp.from())) {
      return null;
    }
    Ins add = ins[w - 1];
    Ins s = ins[w - 3].localGet() && ins[w - 3].imm() == iv ? ins[w - 2] : ins[w - 3];
    boolean negated = add.op() == 0x6B;
    int stepConst = 0;
    int stepLocal = -1;
    if (s.op() == 0x41) {
      long v = negated ? -s.imm() : s.imm();
      if (v == 0 || v < Integer.MIN_VALUE + 1L || v > Integer.MAX_VALUE) {
        return null;
      }
      stepConst = (int) v;
      negated = false;
    } else {
      stepLocal = (int) s.imm();
      if (writes(ins, stepLocal) != 0) {
        return null;
      }
    }
    int dir;
    boolean signed;
    int adjBound = 0;
    int adjStop = 0;
    switch (cmp) {
      case 0x47:
        dir = NE;
        signed = false;
        break;
      case 0x48:
      case 0x49:
        dir = UP;
        signed = cmp == 0x48;
        break;
      case 0x4A:
      case 0x4B:
        dir = DOWN;
        signed = cmp == 0x4A;
        break;
      case 0x4C:
      case 0x4D:
        dir = UP;
        signed = cmp == 0x4C;
        adjBound = 1;
        adjStop = -1;
        break;
      case 0x4E:
      case 0x4F:
        dir = DOWN;
        signed = cmp == 0x4E;
        adjBound = -1;
        adjStop = 1;
        break;
      default:
        return null;
    }
    if (stepLocal < 0 && ((dir == UP && stepConst < 0) || (dir == DOWN && stepConst > 0))) {
      return null; // counts away from its bound: it ends only by wrapping
    }
    int boundStart = boundOp == null ? -1 : ins[boundOp.from()].at();
    int boundEnd = boundOp == null ? -1 : (boundOp.to() + 1 < n ? ins[boundOp.to() + 1].at() : brIf);
    int boundLocal = boundOp == null ? -1 : boundOp.local();
    int boundConst = boundOp == null || boundOp.local() >= 0 ? 0 : (int) ins[boundOp.from()].imm();
    return new CountedLoop(
        bodyStart, brIf, boundStart, boundEnd, iv, stepConst, stepLocal, negated, boundLocal, boundConst, dir,
        signed, adjBound, adjStop, cost);
  }

  /** Whether the operand is the induction local after its update (the update itself, or a read after it). */
  private static boolean isIv(Ins[] ins, Operand o) {
    if (o.update()) {
      return true;
    }
    if (o.local() < 0) {
      return false;
    }
    int w = onlyWrite(ins, o.local());
    return w >= 0 && w < o.from() && update(ins, w);
  }

  private static int mirror(int cmp) {
    switch (cmp) {
      case 0x48: // lt_s(b, i) = gt_s(i, b)
        return 0x4A;
      case 0x49:
        return 0x4B;
      case 0x4A:
        return 0x48;
      case 0x4B:
        return 0x49;
      case 0x4C:
        return 0x4E;
      case 0x4D:
        return 0x4F;
      case 0x4E:
        return 0x4C;
      case 0x4F:
        return 0x4D;
      default:
        return cmp;
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // The driver

  /** How the driver reads, writes and charges the counter (a global, or the function's local counter). */
  interface Counter {
    void get(Out o);

    void set(Out o);

    /** A charge of {@code cost} that refuels when the counter goes below zero. */
    void charge(Out o, long cost);
  }

  /**
   * Writes the driver: {@code block $skip} (the remaining iterations but the last, or skip) {@code block $done loop
   * $chunk} (a chunk the counter covers, charged at once, then an uncharged copy of the body for it) {@code end
   * end} (the payment for the last iteration) {@code end}. The locals: {@code rem}, {@code chunk} and {@code free}
   * are i64, {@code stop} is i32, all appended to the function.
   *
   * <p>Payments keep the metered loop's pace: the code that enters the loop has paid for one iteration, which the
   * first chunk runs for free, and every later iteration is paid before it runs. So when a chunk finds the counter
   * short, it charges one iteration, which refuels or ends the call after the same iteration as the metered loop
   * would; and the last iteration, which the metered loop runs, is paid after the chunks, where its back edge
   * would have paid it.
   */
  void driver(byte[] b, Out o, Counter counter, int rem, int chunk, int free, int stop) {
    o.write(0x02);
    o.write(0x40); // block $skip
    remaining(o, rem);
    leaveIfNone(o, rem, 0); // br_if $skip: a single iteration, which the loop runs
    o.write(0x42);
    o.s64(1);
    o.write(0x21);
    o.u32(free);
    o.write(0x02);
    o.write(0x40); // block $done
    o.write(0x03);
    o.write(0x40); // loop $chunk
    leaveIfNone(o, rem, 1); // br_if $done
    // chunk = min(counter / cost + free, rem, CHUNK_UNITS / cost)
    counter.get(o);
    o.write(0x42);
    o.s64(cost);
    o.write(0x7F); // i64.div_s
    o.write(0x20);
    o.u32(free);
    o.write(0x7C); // i64.add
    min(o, chunk, () -> {
      o.write(0x20);
      o.u32(rem);
    });
    long most = Math.max(1, CHUNK_UNITS / cost);
    min(o, chunk, () -> {
      o.write(0x42);
      o.s64(most);
    });
    o.write(0x22);
    o.u32(chunk);
    o.write(0x42);
    o.s64(0);
    o.write(0x57); // i64.le_s: the counter does not cover the next iteration
    o.write(0x04);
    o.write(0x40); // if
    counter.charge(o, cost); // that iteration, charged (and refuelled) where the metered loop charges it
    o.write(0x42);
    o.s64(1);
    o.write(0x21);
    o.u32(chunk);
    o.write(0x05); // else: counter -= (chunk - free) * cost
    counter.get(o);
    o.write(0x20);
    o.u32(chunk);
    o.write(0x20);
    o.u32(free);
    o.write(0x7D); // i64.sub
    o.write(0x42);
    o.s64(cost);
    o.write(0x7E); // i64.mul
    o.write(0x7D); // i64.sub
    counter.set(o);
    o.write(0x0B); // end
    o.write(0x42);
    o.s64(0);
    o.write(0x21);
    o.u32(free);
    o.write(0x20);
    o.u32(rem);
    o.write(0x20);
    o.u32(chunk);
    o.write(0x7D);
    o.write(0x21);
    o.u32(rem); // rem -= chunk
    // stop = iv + chunk * step + adjStop: the value of the updated local at the chunk's last iteration
    o.write(0x20);
    o.u32(iv);
    o.write(0x20);
    o.u32(chunk);
    o.write(0xA7); // i32.wrap_i64
    step32(o);
    o.write(0x6C); // i32.mul
    o.write(stepNegated ? 0x6B : 0x6A);
    if (adjStop != 0) {
      o.write(0x41);
      o.s64(adjStop);
      o.write(0x6A);
    }
    o.write(0x21);
    o.u32(stop);
    // the uncharged copy, stopping at `stop`
    o.write(0x03);
    o.write(0x40);
    if (boundStart < 0) {
      o.write(b, bodyStart, brIf - bodyStart);
      o.write(0x20);
      o.u32(stop);
      o.write(0x47); // i32.ne
    } else {
      o.write(b, bodyStart, boundStart - bodyStart);
      o.write(0x20);
      o.u32(stop);
      o.write(b, boundEnd, brIf - boundEnd);
    }
    o.write(0x0D);
    o.u32(0);
    o.write(0x0B); // end of the copy
    o.write(0x0C);
    o.u32(0); // br $chunk
    o.write(0x0B); // end $chunk
    o.write(0x0B); // end $done
    counter.charge(o, cost); // the last iteration's
    o.write(0x0B); // end $skip
  }

  /** {@code local.get rem; i64.const 0; i64.le_s; br_if label}: leaves when no iteration is left to the driver. */
  private static void leaveIfNone(Out o, int rem, int label) {
    o.write(0x20);
    o.u32(rem);
    o.write(0x42);
    o.s64(0);
    o.write(0x57); // i64.le_s
    o.write(0x0D);
    o.u32(label);
  }

  /** With a value on the stack: {@code local.tee t; other; local.get t; other; i64.lt_s; select} (the minimum). */
  private static void min(Out o, int t, Runnable other) {
    o.write(0x22);
    o.u32(t);
    other.run();
    o.write(0x20);
    o.u32(t);
    other.run();
    o.write(0x53); // i64.lt_s
    o.write(0x1B); // select
  }

  /** Pushes {@code local.get local}, or {@code i32.const constant} when {@code local < 0}. */
  private static void push32(Out o, int local, int constant) {
    if (local >= 0) {
      o.write(0x20);
      o.u32(local);
    } else {
      o.write(0x41);
      o.s64(constant);
    }
  }

  /** Pushes the step as an i32 (before negation). */
  private void step32(Out o) {
    push32(o, stepLocal, stepConst);
  }

  /** Pushes the step as an i64, negated when the update subtracts it. */
  private void step64(Out o) {
    if (stepLocal < 0) {
      o.write(0x42);
      o.s64(stepConst);
      return;
    }
    if (stepNegated) {
      o.write(0x42);
      o.s64(0);
    }
    o.write(0x20);
    o.u32(stepLocal);
    o.write(0xAC); // i64.extend_i32_s
    if (stepNegated) {
      o.write(0x7D);
    }
  }

  private void extend(Out o) {
    o.write(signed ? 0xAC : 0xAD);
  }

  /** Pushes the induction local's value at entry, extended to i64. */
  private void start64(Out o) {
    o.write(0x20);
    o.u32(iv);
    extend(o);
  }

  /** Pushes the bound, extended to i64 and adjusted to a strict comparison. */
  private void bound64(Out o) {
    push32(o, boundLocal, boundConst);
    extend(o);
    if (adjBound != 0) {
      o.write(0x42);
      o.s64(adjBound);
      o.write(0x7C); // i64.add
    }
  }

  /** Pushes the bound as an i32 (for NE, whose bound is never adjusted). */
  private void bound32(Out o) {
    push32(o, boundLocal, boundConst);
  }

  /** {@code br_if $skip} (depth 0 in the prologue) when the value on the stack is not zero. */
  private static void skipIf(Out o) {
    o.write(0x0D);
    o.u32(0);
  }

  /**
   * Sets {@code rem} to the trip count less one, or leaves through {@code $skip} when the count cannot be known
   * from the values the loop is entered with (see the class comment).
   */
  private void remaining(Out o, int rem) {
    if (dir == UP) {
      // while i < B (B adjusted to a strict bound): (B - i0 - 1) / step iterations before the last; the values
      // they produce stay below B, so none wraps (a loop whose last update wraps goes on in the metered loop)
      if (stepLocal >= 0) {
        step64(o);
        o.write(0x42);
        o.s64(0);
        o.write(0x57); // i64.le_s: a step that does not count up
        skipIf(o);
      }
      bound64(o);
      start64(o);
      o.write(0x7D);
      o.write(0x42);
      o.s64(1);
      o.write(0x7D);
      step64(o);
      o.write(0x7F); // i64.div_s
    } else if (dir == DOWN) {
      // while i > B: (i0 - B - 1) / -step, as above
      if (stepLocal >= 0) {
        step64(o);
        o.write(0x42);
        o.s64(0);
        o.write(0x59); // i64.ge_s: a step that does not count down
        skipIf(o);
      }
      start64(o);
      bound64(o);
      o.write(0x7D);
      o.write(0x42);
      o.s64(1);
      o.write(0x7D);
      o.write(0x42);
      o.s64(0);
      step64(o);
      o.write(0x7D);
      o.write(0x7F); // i64.div_s
    } else {
      // while i != B: the distance d = (B - i0) mod 2^32 (or i0 - B when counting down) must be a multiple of
      // |step|; d / |step| iterations (a distance of 0 would take 2^32 / |step|: left to the metered loop)
      boolean down = stepLocal < 0 && stepConst < 0;
      if (stepLocal >= 0) {
        step64(o);
        o.write(0x42);
        o.s64(0);
        o.write(0x57); // i64.le_s: a variable step must count up
        skipIf(o);
      }
      distance(o, down);
      abs64(o, down);
      o.write(0x82); // i64.rem_u
      o.write(0x50); // i64.eqz
      o.write(0x45); // i32.eqz
      skipIf(o);
      distance(o, down);
      abs64(o, down);
      o.write(0x80); // i64.div_u
      o.write(0x42);
      o.s64(1);
      o.write(0x7D);
    }
    o.write(0x21);
    o.u32(rem); // at most 0 when the loop runs once (or was entered past its bound): the driver skips
  }

  private void distance(Out o, boolean down) {
    if (down) {
      o.write(0x20);
      o.u32(iv);
      bound32(o);
    } else {
      bound32(o);
      o.write(0x20);
      o.u32(iv);
    }
    o.write(0x6B); // i32.sub
    o.write(0xAD); // i64.extend_i32_u
  }

  private void abs64(Out o, boolean down) {
    if (down) {
      o.write(0x42);
      o.s64(-(long) stepConst);
    } else {
      step64(o);
    }
  }
}
