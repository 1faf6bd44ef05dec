package dev.terrarium.host;

/**
 * Hears about a host's compilations of modules to JVM bytecode ({@link PluginHost.Builder#compileListener}): when
 * each starts, how long it has been running while it runs, and how it ends. Both the compiles that {@code load}
 * waits for and those of {@linkplain Tiering tiered start} in the background are reported; a module that another
 * host (or an earlier load) already compiled into the shared {@link ModuleCache} is not compiled again, and so not
 * reported.
 *
 * <p>Events of one compile arrive one at a time and in order: {@link CompileEvent.Kind#STARTED STARTED} and the
 * end ({@link CompileEvent.Kind#FINISHED FINISHED} or {@link CompileEvent.Kind#FAILED FAILED}) on the thread that
 * compiles, {@link CompileEvent.Kind#PROGRESS PROGRESS} on the host's progress thread. Return quickly: the compile
 * (or the progress of others) waits for the listener. An exception the listener throws is ignored.
 */
@FunctionalInterface
public interface CompileListener {
  /** Called for every event of every compile of the host. */
  void onCompile(CompileEvent event);
}
