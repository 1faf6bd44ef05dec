package dev.terrarium.api;

/**
 * The Java implementation of a function that guests import. Arguments and results are encoded as {@link
 * WasmType} describes. Whatever it throws fails the guest's call with a {@link HostFunctionException} (or, for a
 * {@link PluginException}, with that exception itself); it never reaches the guest and never escapes untyped.
 */
@FunctionalInterface
public interface HostFunction {
  /**
   * Runs the function.
   *
   * @param context the calling guest
   * @param args the arguments, one per parameter
   * @return the results, one per result type; an empty array (or {@code null}) when there are none
   */
  long[] call(HostCallContext context, long[] args) throws Exception;
}
