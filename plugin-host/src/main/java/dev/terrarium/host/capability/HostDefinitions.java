package dev.terrarium.host.capability;

import dev.terrarium.api.HostGlobalDefinition;
import dev.terrarium.api.HostTableDefinition;
import java.util.Map;

/**
 * The host's definitions that guests import besides functions, by {@code module.name}.
 *
 * @param globals the host globals
 * @param tables the host tables
 */
public record HostDefinitions(Map<String, HostGlobalDefinition> globals, Map<String, HostTableDefinition> tables) {
  /** No globals, no tables. */
  public static final HostDefinitions NONE = new HostDefinitions(Map.of(), Map.of());

  public HostDefinitions {
    globals = Map.copyOf(globals);
    tables = Map.copyOf(tables);
  }
}
