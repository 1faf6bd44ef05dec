package dev.terrarium.host.engine;

/** Hears of every settled metered call: the fuel it was charged and how it ended. */
@FunctionalInterface
public interface FuelListener {
  /**
   * Called once per metered call, after it is settled.
   *
   * @param fuel the fuel the tenant was charged
   * @param failure how the call failed, or {@code null}
   * @param marshalling whether a typed binding made the call to pass values ({@code alloc}, {@code dealloc}),
   *     rather than the application
   */
  void settled(long fuel, RuntimeException failure, boolean marshalling);
}
