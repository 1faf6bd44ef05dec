package dev.terrarium.samples.abi;

import dev.terrarium.api.HostImports;
import dev.terrarium.api.PluginError;
import java.util.Optional;

/**
 * The application state that the embedded shell server shares between its sessions, imported by the shell REPL
 * plugin as module {@code shell}. Every failure reaches the guest as a {@link PluginError} value, so the REPL can
 * print it in-band ({@code error: ...}) and carry on.
 */
@HostImports("shell")
public interface SharedState {
  /** Appends {@code n} to the shared list of integers. */
  void add(long n) throws PluginError;

  /** Returns the sum of the shared list; fails when it does not fit in a {@code long}. */
  long sum() throws PluginError;

  /** Sets {@code key} to {@code value} in the shared map, replacing any earlier value. */
  void set(String key, String value) throws PluginError;

  /** Returns the value of {@code key} in the shared map, or empty when it has none. */
  Optional<String> get(String key) throws PluginError;
}
