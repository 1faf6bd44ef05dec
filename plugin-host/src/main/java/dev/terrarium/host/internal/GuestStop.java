package dev.terrarium.host.internal;

/**
 * Ends a guest's call from inside a host-side wait (a read of its standard input), because its thread was
 * interrupted (a deadline, a cancel) or its session went idle. The file system layers let it through untouched; the
 * engine binding turns it into the engine's interruption, and the call's slot says why.
 */
public final class GuestStop extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public GuestStop(String message) {
    super(message, null, false, false);
  }

  /**
   * Waits on {@code monitor} (held by the caller) for at most {@code nanos} ({@link Long#MAX_VALUE} for no bound)
   * on behalf of a guest: an interrupt, pending or arriving, ends the guest's call with a {@code GuestStop} saying
   * it was stopped while {@code what}, and stays set for the call's slot to clear.
   */
  static void await(Object monitor, long nanos, String what) {
    if (Thread.currentThread().isInterrupted()) {
      throw new GuestStop("stopped while " + what);
    }
    try {
      if (nanos == Long.MAX_VALUE) {
        monitor.wait();
      } else {
        java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(monitor, nanos);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the slot that interrupted clears it when the call exits
      throw new GuestStop("stopped while " + what);
    }
  }
}
