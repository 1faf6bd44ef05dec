package dev.terrarium.benchmarks;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Nanoseconds spent in the unmetered and the metered call of each invocation of an interleaved benchmark, per
 * iteration: JMH reports both as secondary results, and their ratio is the metering's cost at the same moment.
 */
@AuxCounters(AuxCounters.Type.EVENTS)
@State(Scope.Thread)
public class PairTimes {
  public long unmeteredNanos;
  public long meteredNanos;

  @Setup(Level.Iteration)
  public void clear() {
    unmeteredNanos = 0;
    meteredNanos = 0;
  }

  /** Adds one invocation: the unmetered call ran from {@code start} to {@code between}, the metered one to {@code end}. */
  void add(long start, long between, long end) {
    unmeteredNanos += between - start;
    meteredNanos += end - between;
  }
}
