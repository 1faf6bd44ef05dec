package dev.terrarium.abi.model;

import java.util.List;

/**
 * An enum that crosses the boundary as its ordinal.
 *
 * @param qualifiedName the Java canonical name, e.g. {@code com.acme.Color}
 * @param simpleName the Java simple name
 * @param constants the constants, in ordinal order
 */
public record EnumModel(String qualifiedName, String simpleName, List<String> constants) {
  public EnumModel {
    constants = List.copyOf(constants);
  }
}
