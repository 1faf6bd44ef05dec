package dev.terrarium.host.engine;

/**
 * Carries a host function's exception through the engine to the call boundary, where it becomes a {@code
 * HostFunctionException}. Never seen outside this package.
 */
final class HostFailure extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final String hostFunction;

  HostFailure(String hostFunction, Throwable cause) {
    super(hostFunction, cause, false, false);
    this.hostFunction = hostFunction;
  }
}
