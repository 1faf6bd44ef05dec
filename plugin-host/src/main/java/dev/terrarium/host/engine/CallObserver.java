package dev.terrarium.host.engine;

/**
 * Hears how the calls of one exported function end, for metrics: the small interface the hot path records
 * through. An {@link ExportCall} without an observer records nothing. Each export call counts its own calls in
 * fields of its own (it is used by one thread at a time), which the observer sums when metrics are read: it {@link
 * #register}s every export call when it is made and {@link #retire}s it when its instance closes. Calls are timed
 * one in {@link #timingInterval()}, because reading the clock twice costs more than the rest of the recording.
 */
public interface CallObserver {
  /**
   * Returns how often calls are timed: every call for 1, every 16th for 16 (a power of two from 1 to 1024). The
   * first call of each function of each instance is timed.
   */
  int timingInterval();

  /** Starts summing {@code call}'s counts. */
  void register(ExportCall call);

  /** Keeps {@code call}'s counts and stops reading them: its instance closed. Idempotent. */
  void retire(ExportCall call);

  /** A call returned after {@code nanos} (a timed one). */
  void succeeded(long nanos);

  /** A call failed with {@code failure}, not timed. */
  void failed(RuntimeException failure);

  /** A call failed with {@code failure} after {@code nanos}. */
  void failed(RuntimeException failure, long nanos);
}
