package dev.terrarium.host.guice;

import dev.terrarium.api.PluginLoadException;
import dev.terrarium.host.Plugin;
import dev.terrarium.host.PluginHost;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The plugins declared with {@link TerrariumBinder#plugin}, loaded once, when the injector is created (a plugin that
 * cannot be loaded fails the injector's creation with its {@link dev.terrarium.api.PluginException}). Inject one by
 * id with {@link PluginId}, or this to look them up.
 */
@Singleton
public final class Plugins {
  private final Map<String, Plugin> byId;

  @Inject
  Plugins(PluginHost host, Set<PluginSource> sources) {
    Map<String, Plugin> loaded = new LinkedHashMap<>();
    // An id declared twice never gets here: its @PluginId binding is bound twice, which Guice refuses first.
    for (PluginSource s : sources) {
      Plugin p = s.file() != null ? host.load(s.file()) : host.load(s.bytes());
      if (!p.id().equals(s.id())) {
        throw new PluginLoadException(
            dev.terrarium.api.ErrorCode.LOAD_MANIFEST,
            s.id(),
            "it was declared as '" + s.id() + "' but its manifest names it '" + p.id() + "'. Declare it by the id"
                + " its manifest gives, or give it a manifest with that id.",
            null);
      }
      loaded.put(s.id(), p);
    }
    this.byId = Map.copyOf(loaded);
  }

  /**
   * Returns plugin {@code id}.
   *
   * @throws IllegalArgumentException when no plugin of that id was declared, naming those that were
   */
  public Plugin get(String id) {
    Plugin p = byId.get(id);
    if (p == null) {
      throw new IllegalArgumentException(
          "no plugin '" + id + "' was declared; declared: " + new TreeSet<>(byId.keySet())
              + ". Declare it with TerrariumBinder.of(binder()).plugin(\"" + id + "\", path)");
    }
    return p;
  }

  /** Returns every declared plugin by id. */
  public Map<String, Plugin> all() {
    return byId;
  }
}
