package dev.terrarium.host.engine;

/** Hears of every settled metered call: the fuel it was charged and how it ended. */
@FunctionalInterface
public interface FuelListener {
  /**
   * Called once per metered call, after it is settled.
   *
   * @param fuel the fuel the tenant was charged
   * @param failure how the call failed, or {@code null}
   */
  void settled(long fuel, RuntimeException failure);
}
