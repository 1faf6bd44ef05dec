package dev.terrarium.host.reload;

/**
 * Told of every change of a {@link PluginDirectory}'s plugins, in order, on the thread that made it: the
 * directory's watcher thread, or the caller of {@code start}, {@code stop}, {@code disable}, {@code enable} or
 * {@code close}. Keep it quick: the directory makes no other change meanwhile. An exception it throws is logged
 * (logger {@code dev.terrarium.host}) and changes nothing.
 */
@FunctionalInterface
public interface PluginStateListener {
  void stateChanged(PluginStateEvent event);
}
