package dev.terrarium.host.metering;

import static dev.terrarium.host.metering.Meter.instantiate;
import static dev.terrarium.host.metering.Meter.wat;
import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.host.metering.Meter.Run;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Exact charges under the segmenting rules of docs/metering.md ("Charging"): which boundaries start a new
 * segment, that the code after a call is paid together with the code before it (also when the callee traps), and
 * that unreachable code is not charged. Every figure is the same under the interpreter and the compiler.
 */
class MeteringSegmentsTest {
  @TempDir Path dir;

  private Run run(byte[] m, boolean compiled) {
    return instantiate(m, true, compiled, 1, Long.MAX_VALUE / 2);
  }

  private long cost(Run run, Object expected, String export, long... args) {
    long before = run.consumed();
    assertThat(run.call(export, args)).isEqualTo(expected);
    return run.consumed() - before;
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void theContinuationOfACallIsPaidBeforeTheCall(boolean compiled) {
    byte[] m =
        wat(
            dir,
            "(module (func $leaf (result i32) (i32.const 7))"
                + " (func $boom (unreachable))"
                + " (func (export \"f\") (result i32) (i32.add (call $leaf) (i32.const 1)))"
                + " (func (export \"g\") (result i32) (call $boom) (i32.const 1)))");
    Run run = run(m, compiled);
    // f: [call, i32.const, i32.add, end] = 4 at f's entry; $leaf: [i32.const, end] = 2 at its entry.
    assertThat(cost(run, List.of(8L), "f")).isEqualTo(4 + 2);
    // g: [call, i32.const, end] = 3 is paid before the call, so the trap in $boom forfeits [i32.const, end];
    // $boom: [unreachable] = 1 (its end cannot run and is not charged).
    long before = run.consumed();
    assertThat(run.call("g")).asString().startsWith("trap:");
    assertThat(run.consumed() - before).isEqualTo(3 + 1);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void blocksNobodyTargetsDoNotSplitAndDeadCodeIsFree(boolean compiled) {
    byte[] m =
        wat(
            dir,
            "(module (func (export \"h\") (param i32) (result i32)"
                + " (block (nop))"
                + " (if (local.get 0) (then (return (i32.const 5)) (drop (i32.const 99))))"
                + " (i32.add (i32.const 6) (i32.const 0))))");
    Run run = run(m, compiled);
    // Entry: [block, nop, end, local.get, if] = 5. Then-arm: [i32.const, return] = 2, and the dead
    // [i32.const 99, drop, end] is not charged. After the if's end: [i32.const, i32.const, i32.add, end] = 4.
    assertThat(cost(run, List.of(5L), "h", 1)).isEqualTo(5 + 2);
    assertThat(cost(run, List.of(6L), "h", 0)).isEqualTo(5 + 4);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void theCodeAfterALoopIsPaidWithTheLoopsLastSegment(boolean compiled) {
    byte[] m =
        wat(
            dir,
            "(module (func (export \"l\") (param i32) (result i32)"
                + " (loop $l (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))"
                + " (i32.const 3)))");
    Run run = run(m, compiled);
    // Entry: [loop] = 1. Header, once per iteration: [local.get, i32.const, i32.sub, local.tee, br_if] = 5.
    // After the br_if falls through: [end of the loop, i32.const, end] = 3.
    assertThat(cost(run, List.of(3L), "l", 3)).isEqualTo(1 + 3 * 5 + 3);
    assertThat(cost(run, List.of(3L), "l", 1)).isEqualTo(1 + 5 + 3);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void aTargetedBlockEndStartsASegment(boolean compiled) {
    byte[] m =
        wat(
            dir,
            "(module (func (export \"b\") (param i32) (result i32)"
                + " (block $out (br_if $out (local.get 0)) (nop) (nop))"
                + " (i32.const 4)))");
    Run run = run(m, compiled);
    // Entry: [block, local.get, br_if] = 3; fall-through: [nop, nop, end] = 3; after the end: [i32.const, end] = 2.
    assertThat(cost(run, List.of(4L), "b", 1)).isEqualTo(3 + 2);
    assertThat(cost(run, List.of(4L), "b", 0)).isEqualTo(3 + 3 + 2);
  }
}
