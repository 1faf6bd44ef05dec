package dev.terrarium.host.engine;

/**
 * Hears how the calls of one exported function end, for metrics: the small interface the hot path records
 * through. An {@link ExportCall} without an observer records nothing. Calls are timed one in {@link
 * #timingInterval()}, because reading the clock twice costs more than the rest of the recording; every call is
 * counted.
 */
public interface CallObserver {
  /**
   * Returns how often calls are timed: every call for 1, every 16th for 16 (a power of two from 1 to 1024). The
   * first call of each function of each instance is timed.
   */
  int timingInterval();

  /** A call returned, not timed. */
  void succeeded();

  /** A call returned after {@code nanos}. */
  void succeeded(long nanos);

  /** A call failed with {@code failure}, not timed. */
  void failed(RuntimeException failure);

  /** A call failed with {@code failure} after {@code nanos}. */
  void failed(RuntimeException failure, long nanos);
}
