package dev.terrarium.host.guice;

import dev.terrarium.host.ExecutionMode;
import dev.terrarium.host.quota.FuelAccount;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How {@link TerrariumModule} builds its {@link dev.terrarium.host.PluginHost}: bind one to override the
 * {@linkplain #defaults() defaults}, for instance from the application's configuration with {@link #from(Map)}.
 *
 * @param executionMode compiler (default) or interpreter
 * @param meterFuel whether plugins' work is metered with fuel (then instances are created for tenants)
 * @param fuelSlice the fuel a metered instance draws from its tenant's ledger at a time
 * @param canonicalizeNaNs whether float results are made bit-identical everywhere
 */
public record TerrariumConfig(
    ExecutionMode executionMode, boolean meterFuel, long fuelSlice, boolean canonicalizeNaNs) {
  /** The keys {@link #from(Map)} reads. */
  public static final Set<String> KEYS =
      Set.of(
          "terrarium.execution-mode", "terrarium.meter-fuel", "terrarium.fuel-slice", "terrarium.canonicalize-nans");

  public TerrariumConfig {
    Objects.requireNonNull(executionMode, "executionMode");
    if (fuelSlice < 1) {
      throw new IllegalArgumentException("fuelSlice must be at least 1 unit, was " + fuelSlice);
    }
  }

  /** The compiler, no metering, the default slice, NaNs as the engine makes them. */
  public static TerrariumConfig defaults() {
    return new TerrariumConfig(ExecutionMode.COMPILER, false, FuelAccount.DEFAULT_SLICE, false);
  }

  /**
   * Reads a configuration from {@code properties} (a {@link java.util.Properties} or any map of strings): {@code
   * terrarium.execution-mode} ({@code compiler} or {@code interpreter}), {@code terrarium.meter-fuel} ({@code
   * true}/{@code false}), {@code terrarium.fuel-slice} (units), {@code terrarium.canonicalize-nans}. Missing keys
   * keep their defaults; other keys starting with {@code terrarium.} are refused, so that a misspelt one is not
   * silently ignored.
   *
   * @throws IllegalArgumentException naming the key and the bad value
   */
  public static TerrariumConfig from(Map<?, ?> properties) {
    Objects.requireNonNull(properties, "properties");
    TerrariumConfig d = defaults();
    for (Object k : properties.keySet()) {
      String key = String.valueOf(k);
      if (key.startsWith("terrarium.") && !KEYS.contains(key)) {
        throw new IllegalArgumentException(
            "unknown configuration key '" + key + "'; Terrarium reads " + new java.util.TreeSet<>(KEYS));
      }
    }
    ExecutionMode mode = d.executionMode();
    Object m = properties.get("terrarium.execution-mode");
    if (m != null) {
      try {
        mode = ExecutionMode.valueOf(m.toString().trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "terrarium.execution-mode must be compiler or interpreter, was '" + m + "'", e);
      }
    }
    return new TerrariumConfig(
        mode,
        bool(properties, "terrarium.meter-fuel", d.meterFuel()),
        number(properties, "terrarium.fuel-slice", d.fuelSlice()),
        bool(properties, "terrarium.canonicalize-nans", d.canonicalizeNaNs()));
  }

  private static boolean bool(Map<?, ?> properties, String key, boolean otherwise) {
    Object v = properties.get(key);
    if (v == null) {
      return otherwise;
    }
    String s = v.toString().trim();
    if (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false")) {
      return Boolean.parseBoolean(s);
    }
    throw new IllegalArgumentException(key + " must be true or false, was '" + v + "'");
  }

  private static long number(Map<?, ?> properties, String key, long otherwise) {
    Object v = properties.get(key);
    if (v == null) {
      return otherwise;
    }
    try {
      long n = Long.parseLong(v.toString().trim().replace("_", ""));
      if (n < 1) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a whole number of at least 1, was '" + v + "'", e);
    }
  }
}
