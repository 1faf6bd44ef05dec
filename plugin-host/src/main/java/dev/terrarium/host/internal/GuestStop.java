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
}
