package dev.terrarium.host;

import java.time.Duration;
import java.util.OptionalLong;

/**
 * Whether a compiling host starts a module in the interpreter while it compiles the module in the background
 * (tiered start), for hosts in {@link ExecutionMode#COMPILER} mode ({@link PluginHost.Builder#tiering}).
 *
 * <p>A tiered module's {@link Plugin} is returned as soon as the module is checked and ready to interpret; the
 * compiler works on a thread of the host meanwhile, and instances created after it finishes run compiled code
 * ({@link Plugin#whenCompiled()}). Instances created before keep the interpreter. Both tiers run the same checked,
 * metered module, so fuel, limits and results are the same in both; only speed differs. Compiling a large module
 * takes long, from about a second per megabyte for simple code to over ten for a large program (yosys, 31 MB: six
 * to eight minutes on one core; see docs/performance.md), while the interpreter starts at once.
 */
public final class Tiering {
  /**
   * The size above which {@link #auto()} starts a module in the interpreter: 1 MiB, where compiling starts taking
   * seconds on a typical core (and a module of tens of megabytes, minutes).
   */
  public static final long DEFAULT_THRESHOLD_BYTES = 1024L * 1024;

  private static final Tiering OFF = new Tiering(-1, Duration.ZERO);

  /** The size a module must exceed to start interpreted, or -1 for never. */
  private final long thresholdBytes;

  /** How long after the load the background compile starts. */
  private final Duration compileDelay;

  private Tiering(long thresholdBytes, Duration compileDelay) {
    this.thresholdBytes = thresholdBytes;
    this.compileDelay = compileDelay;
  }

  /** Never tiers: every module is compiled before {@code load} returns. */
  public static Tiering off() {
    return OFF;
  }

  /** Tiers modules larger than {@link #DEFAULT_THRESHOLD_BYTES} (the default of a compiling host). */
  public static Tiering auto() {
    return auto(DEFAULT_THRESHOLD_BYTES);
  }

  /**
   * Tiers modules larger than {@code thresholdBytes} (their binary's size, before metering).
   *
   * @throws IllegalArgumentException when the threshold is negative
   */
  public static Tiering auto(long thresholdBytes) {
    if (thresholdBytes < 0) {
      throw new IllegalArgumentException(
          "the tiering threshold must not be negative, was " + thresholdBytes + "; use Tiering.off() to never tier");
    }
    return new Tiering(thresholdBytes, Duration.ZERO);
  }

  /** Tiers every module, whatever its size. */
  public static Tiering always() {
    return auto(0);
  }

  /**
   * Returns this tiering with the background compile started {@code delay} after the load instead of at once (the
   * default). A run that ends before then never pays for a compile it would not have used: on a machine with few
   * cores a compile started at once competes with the interpreter's own start-up, the JIT compiling its hot paths.
   * The CLI's {@code --tier auto} waits {@code 2 s}; a service that wants compiled instances as soon as possible
   * keeps the default. Delays for tiered modules only; a module compiled first is compiled at once.
   *
   * @throws IllegalArgumentException when {@code delay} is negative
   */
  public Tiering withCompileDelay(Duration delay) {
    java.util.Objects.requireNonNull(delay, "delay");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("the compile delay must not be negative, was " + delay);
    }
    return thresholdBytes < 0 ? this : new Tiering(thresholdBytes, delay);
  }

  /** Returns how long after the load a tiered module's background compile starts (zero: at once). */
  public Duration compileDelay() {
    return compileDelay;
  }

  /** Returns the size a module must exceed to start in the interpreter, or empty when tiering is off. */
  public OptionalLong thresholdBytes() {
    return thresholdBytes < 0 ? OptionalLong.empty() : OptionalLong.of(thresholdBytes);
  }

  /** Returns whether a module of {@code moduleBytes} starts in the interpreter. */
  public boolean tiers(long moduleBytes) {
    return thresholdBytes >= 0 && moduleBytes > thresholdBytes;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Tiering t && t.thresholdBytes == thresholdBytes && t.compileDelay.equals(compileDelay);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(thresholdBytes) * 31 + compileDelay.hashCode();
  }

  @Override
  public String toString() {
    return thresholdBytes < 0
        ? "Tiering.off()"
        : "Tiering.auto(" + thresholdBytes + ")" + (compileDelay.isZero() ? "" : ".withCompileDelay(" + compileDelay + ")");
  }
}
