package dev.terrarium.examples.jpms;

import dev.terrarium.api.PluginExports;

/** What the plugin exports. */
@PluginExports
interface Calculator {
  int add(int a, int b);
}
