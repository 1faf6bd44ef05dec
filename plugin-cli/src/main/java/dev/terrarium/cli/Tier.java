package dev.terrarium.cli;

import dev.terrarium.host.ExecutionMode;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.Tiering;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code --tier}: how {@code terrarium run} runs the module. */
enum Tier {
  /** Compile, but start a module larger than {@link Tiering#DEFAULT_THRESHOLD_BYTES} in the interpreter meanwhile. */
  AUTO,
  /** Interpret; never compile. */
  INTERPRETER,
  /** Compile before running, whatever the module's size. */
  COMPILER;

  /**
   * How long a tiered run interprets before its module's compile starts: a run is one process with one instance, so
   * a run that ends sooner would not use the compile, and on a small machine a compile started at once slows the
   * interpreter's start-up (yosys {@code -V} on a cold cache: docs/performance.md, "Compile once, ever").
   */
  static final java.time.Duration COMPILE_DELAY = java.time.Duration.ofSeconds(2);

  /** The name on the command line. */
  String optionValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Sets up {@code builder} to run modules this way. */
  PluginHost.Builder configure(PluginHost.Builder builder) {
    return switch (this) {
      case AUTO ->
          builder.executionMode(ExecutionMode.COMPILER).tiering(Tiering.auto().withCompileDelay(COMPILE_DELAY));
      case INTERPRETER -> builder.executionMode(ExecutionMode.INTERPRETER);
      case COMPILER -> builder.executionMode(ExecutionMode.COMPILER).tiering(Tiering.off());
    };
  }

  /** Converts {@code auto}, {@code interpreter} or {@code compiler} (in any case). */
  static final class Converter implements ITypeConverter<Tier> {
    @Override
    public Tier convert(String value) {
      for (Tier t : values()) {
        if (t.optionValue().equals(value.strip().toLowerCase(Locale.ROOT))) {
          return t;
        }
      }
      throw new TypeConversionException(
          "'" + value + "' is not a tier: use "
              + Arrays.stream(values()).map(Tier::optionValue).collect(Collectors.joining(", ")));
    }
  }
}
