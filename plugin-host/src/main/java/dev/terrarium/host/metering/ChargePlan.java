package dev.terrarium.host.metering;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Where the rewriter puts each segment's charge (see docs/metering.md, "Fewer charges"). A first pass over the code
 * records every function's segments, their static costs and the control flow between them that the rules below use;
 * {@link #compute} then moves charges so that a path pays exactly what it paid before, at fewer points:
 *
 * <ol>
 *   <li><b>Arms.</b> The cheaper of an {@code if}'s two successors (its arms, or its arm and the code after it when
 *       only the condition reaches that code) is paid with the condition, and each successor pays the rest.
 *   <li><b>Loops.</b> A loop's first segment (its header) is paid on the way in, not at the header: by the code
 *       before the loop for the first iteration, by the segment that ends in {@code br} for a back edge, and on the
 *       taken side of a back-edge {@code br_if}. Such a {@code br_if}'s segment prepays the header when the header
 *       prepays nothing itself, and its fall-through gets back what it did not use (a refund when it costs less),
 *       so the taken edge charges nothing; otherwise it prepays the cheaper of its two successors (bounded by the
 *       header's own cost), so a loop that runs {@code k} times and leaves pays {@code k} charges.
 *   <li><b>Forward edges</b> (FAST accounting, in functions that are not {@linkplain #callHeavy call-heavy}). A
 *       segment that ends in {@code br_if} to a block or {@code if} without results prepays its fall-through, and
 *       the taken edge gets that back (a refund to the local counter), so the fall-through charges nothing.
 *   <li><b>Exits.</b> A loop left only through its {@code end} has the segment containing that end (run once per
 *       entry) prepaid by the segment that enters the loop.
 *   <li><b>Entries.</b> A function that is only ever called directly (never exported, in a table, named by
 *       {@code ref.func}, the start function or a tail-call target) has its entry segment paid by each call site's
 *       segment, with the call itself.
 * </ol>
 *
 * <p>The rewriter also wraps a loop without calls whose back edges charge, so that running out of fuel there leaves
 * the loop to refuel ({@link #wrapped}).
 *
 * <p>Moves that would form a cycle (a loop whose header pays for another loop that pays for it, a function whose
 * entry calls itself) are dropped, and so is the whole plan when a charge would exceed {@link #CAP} or dependencies
 * nest deeper than the plan follows: the module is then metered segment by segment as before. A call that ends
 * normally pays the same fuel either way; a call that traps may have prepaid code that did not run.
 */
final class ChargePlan {
  /** No planned charge may exceed this; a plan that would is dropped. */
  static final long CAP = 1L << 40;

  private static final int MAX_DEPTH = 1_000;

  static final class Loop {
    /** The segment that ends with the {@code loop} instruction, and the loop's first segment. */
    int p;
    int h;
    int ordinal;
    boolean eligible;
    /** Whether a call instruction is inside the loop: then it is not wrapped (see {@link #wrapped}). */
    boolean hasCall;
    /** The loop's block index, and the smallest block index a branch inside it goes to. */
    int index;
    int minTarget = Integer.MAX_VALUE;
    /** The segment that contains the loop's end (run once per entry when the loop has no other exit), or -1. */
    int x = -1;
    /** Whether the code before the loop prepays {@code x}. */
    boolean prepaysExit;
    byte exitColor;
    final List<Integer> brSources = new ArrayList<>();
    final List<Edge> edges = new ArrayList<>();
    byte color;
  }

  static final class If {
    int s;
    int t;
    /** The other successor (after {@code else}, or after the {@code end}), or -1 when it may be reached otherwise. */
    int other = -1;
    boolean hasElse;
  }

  static final class Edge {
    int b;
    int ordinal;
    Loop loop;
    long m;
  }

  static final class Fn {
    long[] costs = new long[8];
    int segs;
    int brIfs;
    int loopCount;
    boolean[] wrapped;
    final List<long[]> calls = new ArrayList<>(); // {segment, callee (defined index)}
    final List<Loop> loops = new ArrayList<>();
    final List<If> ifs = new ArrayList<>();
    /** The live {@code br_if}s forward, to blocks without results ({@link Edge#loop} is null). */
    final List<Edge> forward = new ArrayList<>();
    boolean entryCandidate;
    byte entryColor;
    /** Whether it calls from inside a loop or is recursive ({@link #classifyCounters}). */
    boolean callHeavy;

    // computed
    long[] in;
    long[] out;
    long[] charge;
    byte[] state;
    boolean[] header;
    long[] edgeCharge;
    /** Per segment: loops paid by it (it ends with their {@code loop}, or with a {@code br} to them). */
    List<List<Loop>> paysFor;
    /** Per segment: callees whose entries it may pay. */
    List<List<Integer>> callees;
    /** Per segment: the loops whose exit segment it prepays (it ends with their loop instruction). */
    List<List<Loop>> prepays;
    boolean[] prepaid;

    boolean exitPrepaid(int segment) {
      return prepaid[segment];
    }

    void segment(long cost) {
      if (segs == costs.length) {
        costs = Arrays.copyOf(costs, segs * 2);
      }
      costs[segs++] = cost;
    }
  }

  private final Fn[] fns;
  private boolean dropped;

  ChargePlan(int definedFunctions) {
    fns = new Fn[definedFunctions];
  }

  Fn function(int defined) {
    Fn f = new Fn();
    fns[defined] = f;
    return f;
  }

  /**
   * Whether defined function {@code fn} is call-heavy (see {@link #classifyCounters}): under FAST accounting it keeps
   * its counter in the global rather than a local.
   */
  boolean callHeavy(int fn) {
    return fns[fn] != null && fns[fn].callHeavy;
  }

  /**
   * Marks the call-heavy functions: those that call from inside a loop, and those on a cycle of direct calls
   * (recursion). A function that keeps its counter in a local stores it before every call and reloads it after, which
   * costs such functions more than it saves; their forward edges get no refunds either (a refund to the global is
   * a load and a store). Tarjan's algorithm over the direct calls, without recursion.
   */
  private void classifyCounters() {
    int n = fns.length;
    int[][] callees = new int[n][];
    for (int i = 0; i < n; i++) {
      Fn f = fns[i];
      callees[i] = f.calls.stream().mapToInt(c -> (int) c[1]).distinct().toArray();
      for (Loop l : f.loops) {
        f.callHeavy |= l.hasCall;
      }
    }
    int[] index = new int[n];
    int[] low = new int[n];
    boolean[] onStack = new boolean[n];
    Arrays.fill(index, -1);
    int[] stack = new int[n];
    int sp = 0;
    int[] work = new int[n]; // the DFS path: function, and per function the next callee to visit
    int[] next = new int[n];
    int counter = 0;
    for (int root = 0; root < n; root++) {
      if (index[root] >= 0) {
        continue;
      }
      int depth = 0;
      work[depth++] = root;
      index[root] = low[root] = counter++;
      stack[sp++] = root;
      onStack[root] = true;
      while (depth > 0) {
        int v = work[depth - 1];
        if (next[v] < callees[v].length) {
          int w = callees[v][next[v]++];
          if (w == v) {
            fns[v].callHeavy = true; // calls itself
          } else if (index[w] < 0) {
            index[w] = low[w] = counter++;
            stack[sp++] = w;
            onStack[w] = true;
            work[depth++] = w;
          } else if (onStack[w]) {
            low[v] = Math.min(low[v], index[w]);
          }
          continue;
        }
        depth--;
        if (depth > 0) {
          int parent = work[depth - 1];
          low[parent] = Math.min(low[parent], low[v]);
        }
        if (low[v] == index[v]) {
          int size = 0;
          int w;
          do {
            w = stack[--sp];
            onStack[w] = false;
            size++;
          } while (w != v);
          if (size > 1) {
            for (int k = sp; k < sp + size; k++) {
              fns[stack[k]].callHeavy = true; // the popped members are still in the array above sp
            }
          }
        }
      }
    }
    for (Fn f : fns) {
      if (f.callHeavy) {
        f.forward.clear();
      }
    }
  }

  /** The static cost of {@code segment} of defined function {@code fn}, as the recording pass saw it. */
  long cost(int fn, int segment) {
    Fn f = fns[fn];
    return segment < f.segs ? f.costs[segment] : -1;
  }

  /** The charge to put at the start of {@code segment} of defined function {@code fn}. */
  long charge(int fn, int segment, long staticCost) {
    Fn f = fns[fn];
    if (f.costs[segment] != staticCost) {
      throw new IllegalStateException("the charge plan does not match function " + fn + ", segment " + segment);
    }
    if (dropped) {
      return staticCost;
    }
    if ((segment == 0 && f.entryCandidate) || f.header[segment] || f.exitPrepaid(segment)) {
      return 0;
    }
    return f.charge[segment];
  }

  /**
   * Whether the {@code ordinal}-th loop of {@code fn} is wrapped: its back edges charge and, when the counter runs
   * out, leave it to refuel outside it. Only loops without calls are: in a loop that calls anyway, the blocks around
   * it measured slower (fib), and the point is a loop the JIT can compile without any call in it.
   */
  boolean wrapped(int fn, int ordinal) {
    return !dropped && fns[fn].wrapped[ordinal];
  }

  /**
   * The charge on the taken side of the {@code ordinal}-th {@code br_if} of {@code fn}: positive on a back edge,
   * negative (a refund) on a forward one, 0 for a plain one.
   */
  long edge(int fn, int ordinal) {
    return dropped ? 0 : fns[fn].edgeCharge[ordinal];
  }

  /**
   * Computes the plan; {@code escapes[i]} says whether defined function {@code i} is reached other than by call, and
   * {@code localCounters} whether functions may keep their counter in a local (FAST accounting), which is when the
   * call-heavy ones are told apart ({@link #classifyCounters}).
   */
  void compute(boolean[] escapes, boolean localCounters) {
    if (localCounters) {
      classifyCounters(); // only FAST accounting keeps counters in locals; under EXACT nothing is call-heavy
    }
    for (int i = 0; i < fns.length; i++) {
      Fn f = fns[i];
      f.entryCandidate = !escapes[i];
      f.paysFor = perSegment(f.segs);
      f.callees = perSegment(f.segs);
      for (long[] c : f.calls) {
        addAt(f.callees, (int) c[0], (int) c[1]);
      }
      for (Loop l : f.loops) {
        if (!l.eligible) {
          continue;
        }
        addAt(f.paysFor, l.p, l);
        for (int b : l.brSources) {
          addAt(f.paysFor, b, l);
        }
      }
      exits(f);
    }
    try {
      // Phase 0: drop the moves that would form cycles.
      for (int i = 0; i < fns.length; i++) {
        if (fns[i].entryCandidate) {
          visitEntry(i, 0);
        }
        for (Loop l : fns[i].loops) {
          if (l.eligible) {
            visitLoop(fns[i], l, 0);
          }
          if (l.prepaysExit && l.exitColor == 0) {
            l.exitColor = 1;
            visitSegment(fns[i], l.x, 0);
            l.exitColor = 2;
          }
        }
      }
      // Phase 1: static moves, from the last segment back.
      for (Fn f : fns) {
        hoist(f, floors(f));
      }
      // Phase 2: the charges.
      for (int i = 0; i < fns.length; i++) {
        Fn f = fns[i];
        f.charge = new long[f.segs];
        f.state = new byte[f.segs];
        Arrays.fill(f.prepaid, false);
        for (Loop l : f.loops) {
          if (l.prepaysExit) {
            f.prepaid[l.x] = true; // only the moves that survived phase 0
          }
        }
      }
      for (int i = 0; i < fns.length; i++) {
        Fn f = fns[i];
        f.header = new boolean[f.segs];
        f.edgeCharge = new long[f.brIfs];
        f.wrapped = new boolean[f.loopCount];
        for (int s = 0; s < f.segs; s++) {
          chargeOf(f, s, 0);
        }
        for (Edge e : f.forward) {
          f.edgeCharge[e.ordinal] = -e.m; // a refund on the taken side (0: a plain br_if)
        }
        for (Loop l : f.loops) {
          if (l.eligible) {
            f.header[l.h] = true;
            long total = f.charge[l.h];
            for (Edge e : l.edges) {
              f.edgeCharge[e.ordinal] = total - e.m;
              f.wrapped[l.ordinal] |= total - e.m > 0 && !l.hasCall;
            }
          }
        }
      }
    } catch (TooMuch e) {
      dropped = true;
    }
  }

  /**
   * Chooses the loops whose exit segment the code before them prepays: a loop left only through its end runs the
   * segment that contains that end once per entry (a trap aside), so that segment's charge can move to the segment
   * that enters the loop. Not when that segment is a loop's header (paid on the way in already) or already taken.
   */
  private static void exits(Fn f) {
    f.prepays = perSegment(f.segs);
    f.prepaid = new boolean[f.segs];
    boolean[] header = new boolean[f.segs];
    for (Loop l : f.loops) {
      if (l.eligible) {
        header[l.h] = true;
      }
    }
    for (Loop l : f.loops) {
      if (l.eligible && l.minTarget >= l.index && l.x > l.h && !header[l.x] && !f.prepaid[l.x]) {
        l.prepaysExit = true;
        f.prepaid[l.x] = true;
        addAt(f.prepays, l.p, l);
      }
    }
  }

  /** A list per segment, each {@code null} until something is added at it (most segments pay for nothing). */
  private static <T> List<List<T>> perSegment(int segments) {
    return new ArrayList<>(java.util.Collections.nCopies(segments, null));
  }

  private static <T> void addAt(List<List<T>> perSegment, int segment, T value) {
    if (perSegment.get(segment) == null) {
      perSegment.set(segment, new ArrayList<>(1));
    }
    perSegment.get(segment).add(value);
  }

  /** Thrown when a plan would nest too deeply or charge too much: the module is metered without a plan. */
  private static final class TooMuch extends RuntimeException {
    TooMuch() {
      super(null, null, false, false);
    }
  }

  private void visitEntry(int fn, int depth) {
    Fn f = fns[fn];
    if (depth > MAX_DEPTH) {
      f.entryCandidate = false;
      return;
    }
    f.entryColor = 1;
    visitSegment(f, 0, depth);
    f.entryColor = 2;
  }

  private void visitLoop(Fn f, Loop l, int depth) {
    if (depth > MAX_DEPTH) {
      l.eligible = false;
      return;
    }
    l.color = 1;
    visitSegment(f, l.h, depth);
    l.color = 2;
  }

  private void visitSegment(Fn f, int s, int depth) {
    List<Loop> exits = f.prepays.get(s);
    if (exits != null) {
      for (Loop l : exits) {
        if (!l.prepaysExit || l.exitColor == 2) {
          continue;
        }
        if (l.exitColor == 1 || depth > MAX_DEPTH) {
          l.prepaysExit = false; // a cycle: the exit segment pays for the code before the loop
          continue;
        }
        l.exitColor = 1;
        visitSegment(f, l.x, depth + 1);
        l.exitColor = 2;
      }
    }
    List<Loop> loops = f.paysFor.get(s);
    if (loops != null) {
      for (Loop l : loops) {
        if (!l.eligible || l.color == 2) {
          continue;
        }
        if (l.color == 1) {
          l.eligible = false; // a cycle: this loop's header pays for itself
          continue;
        }
        visitLoop(f, l, depth + 1);
      }
    }
    List<Integer> callees = f.callees.get(s);
    if (callees != null) {
      for (int c : callees) {
        Fn g = fns[c];
        if (!g.entryCandidate || g.entryColor == 2) {
          continue;
        }
        if (g.entryColor == 1) {
          g.entryCandidate = false; // a cycle: this function pays for its own entry
          continue;
        }
        visitEntry(c, depth + 1);
      }
    }
  }

  /**
   * Per segment, a static lower bound of what it pays besides its own cost: the cost of each loop header it pays
   * for and of each entry segment it pays for. Fixed once phase 0 is done, and independent of any move.
   */
  private long[] floors(Fn f) {
    long[] floor = new long[f.segs];
    for (int s = 0; s < f.segs; s++) {
      List<Loop> loops = f.paysFor.get(s);
      if (loops != null) {
        for (Loop l : loops) {
          if (l.eligible) {
            floor[s] = Math.min(CAP, floor[s] + f.costs[l.h]);
          }
        }
      }
      List<Integer> callees = f.callees.get(s);
      if (callees != null) {
        for (int c : callees) {
          if (fns[c].entryCandidate) {
            floor[s] = Math.min(CAP, floor[s] + fns[c].costs[0]);
          }
        }
      }
    }
    return floor;
  }

  private static void hoist(Fn f, long[] floor) {
    f.in = new long[f.segs];
    f.out = new long[f.segs];
    // One rule per predecessor segment (it ends with an if or with a br_if); apply them from the last back.
    Object[] rule = new Object[f.segs];
    for (If i : f.ifs) {
      if (i.other >= 0) {
        rule[i.s] = i;
      }
    }
    for (Loop l : f.loops) {
      if (l.eligible) {
        for (Edge e : l.edges) {
          rule[e.b] = e;
        }
      }
    }
    for (Edge e : f.forward) {
      rule[e.b] = e;
    }
    for (int s = f.segs - 1; s >= 0; s--) {
      if (rule[s] instanceof If i) {
        long m =
            Math.min(
                f.costs[i.t] + f.in[i.t] + floor[i.t], f.costs[i.other] + f.in[i.other] + floor[i.other]);
        f.in[s] += m;
        f.out[i.t] = m;
        f.out[i.other] = m;
      } else if (rule[s] instanceof Edge e && e.loop == null) {
        // a br_if forward: its segment prepays the fall-through, and the taken edge gets that back
        int next = e.b + 1;
        long m = f.costs[next] + f.in[next] + floor[next];
        e.m = m;
        f.in[s] += m;
        f.out[next] = m;
      } else if (rule[s] instanceof Edge e) {
        int next = e.b + 1;
        int h = e.loop.h;
        long m;
        if (e.b != h && rule[h] == null) {
          // the header prepays nothing itself, so its charge is its static part: prepay all of it, and let the
          // fall-through take back what it did not use (a refund when the fall-through costs less), so that the
          // taken edge charges nothing
          m = f.costs[h] + floor[h];
        } else {
          m = Math.min(f.costs[h] + floor[h], f.costs[next] + f.in[next] + floor[next]);
        }
        e.m = m;
        f.in[s] += m;
        f.out[next] = m;
      }
    }
  }

  private long chargeOf(Fn f, int s, int depth) {
    if (f.state[s] == 2) {
      return f.charge[s];
    }
    if (depth > 4 * MAX_DEPTH || f.state[s] == 1) {
      throw new TooMuch();
    }
    f.state[s] = 1;
    long paid = 0; // for loop headers, exits and entries
    List<Loop> exits = f.prepays.get(s);
    if (exits != null) {
      for (Loop l : exits) {
        if (l.prepaysExit) {
          paid = add(paid, chargeOf(f, l.x, depth + 1));
        }
      }
    }
    List<Loop> loops = f.paysFor.get(s);
    if (loops != null) {
      for (Loop l : loops) {
        if (l.eligible) {
          paid = add(paid, chargeOf(f, l.h, depth + 1));
        }
      }
    }
    List<Integer> callees = f.callees.get(s);
    if (callees != null) {
      for (int callee : callees) {
        Fn g = fns[callee];
        if (g.entryCandidate) {
          paid = add(paid, chargeOf(g, 0, depth + 1));
        }
      }
    }
    long c = add(paid, f.costs[s] + f.in[s] - f.out[s]);
    f.charge[s] = c;
    f.state[s] = 2;
    return c;
  }

  /**
   * A sum of charges. A charge may be negative: a refund, at the fall-through of a back edge that prepaid the loop's
   * header (see {@link #hoist}); nothing else makes one.
   */
  private static long add(long a, long b) {
    long c = a + b;
    if (c > CAP || c < -CAP) {
      throw new TooMuch();
    }
    return c;
  }
}
