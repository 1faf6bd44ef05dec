package dev.terrarium.examples.jpms;

import dev.terrarium.api.HostImports;

/** What the application offers the plugin: module {@code audit}. */
@HostImports("audit")
interface Audit {
  void note(int value);
}
