package dev.terrarium.samples.abi;

import dev.terrarium.api.PluginExports;

/**
 * A later version of part of {@link Greeter}: version 2 added {@link #farewell} as a {@code default} method, so the
 * greeter plugins, built against version 1, still serve it: their proxy runs the default method for the export
 * they lack. (Tests use it to show how an interface grows; no plugin is built against it.)
 */
@PluginExports(version = 2)
public interface GreeterV2 {
  String greet(String name);

  long count(int delta, int times);

  /** New in version 2: plugins built before it do not export {@code farewell}. */
  default String farewell(String name) {
    return "Goodbye, " + name + ".";
  }
}
