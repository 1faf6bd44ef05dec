package dev.terrarium.api.abi;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;

/**
 * How the host reaches the classes that {@code abi-codegen} generates, without the application's module exporting
 * their package: each generated class registers a lookup of its own when it is initialized, and the host takes
 * method handles to its public constructor and static methods through it. (Reflection from the host's module
 * would need {@code exports PKG to dev.terrarium.host} in the application's {@code module-info.java}.)
 */
public final class GeneratedBindings {
  /** Lookups by the generated class they were made in; weak, so that an unloaded class is forgotten. */
  private static final Map<Class<?>, MethodHandles.Lookup> LOOKUPS = new WeakHashMap<>();

  private GeneratedBindings() {}

  /**
   * Registers {@code lookup}, made by {@code MethodHandles.lookup()} in a generated class's static initializer.
   *
   * @throws IllegalArgumentException when it is not a lookup with its class's full privileges
   */
  public static void register(MethodHandles.Lookup lookup) {
    Objects.requireNonNull(lookup, "lookup");
    if (!lookup.hasFullPrivilegeAccess()) {
      throw new IllegalArgumentException(
          "a generated binding registers the lookup of its own class (MethodHandles.lookup()), not " + lookup);
    }
    synchronized (LOOKUPS) {
      LOOKUPS.putIfAbsent(lookup.lookupClass(), lookup);
    }
  }

  /** Returns the lookup that {@code generated} registered, or {@code null} (a binding made before it did). */
  private static MethodHandles.Lookup lookup(Class<?> generated) {
    synchronized (LOOKUPS) {
      return LOOKUPS.get(generated);
    }
  }

  /**
   * Returns a handle to {@code generated}'s public constructor of {@code type}, or {@code null} when the class
   * registered no lookup.
   *
   * @throws NoSuchMethodException when it has no such public constructor
   */
  public static MethodHandle constructor(Class<?> generated, MethodType type)
      throws NoSuchMethodException, IllegalAccessException {
    MethodHandles.Lookup lookup = lookup(generated);
    if (lookup == null) {
      return null;
    }
    var c = generated.getConstructor(type.parameterArray());
    return lookup.unreflectConstructor(c);
  }

  /**
   * Returns a handle to {@code generated}'s public static method {@code name} of {@code type}, or {@code null}
   * when the class registered no lookup.
   *
   * @throws NoSuchMethodException when it has no such public static method
   */
  public static MethodHandle staticMethod(Class<?> generated, String name, MethodType type)
      throws NoSuchMethodException, IllegalAccessException {
    MethodHandles.Lookup lookup = lookup(generated);
    if (lookup == null) {
      return null;
    }
    var m = generated.getMethod(name, type.parameterArray());
    if (!Modifier.isStatic(m.getModifiers()) || m.getReturnType() != type.returnType()) {
      throw new NoSuchMethodException(generated.getName() + "." + name + type + " is not a public static method");
    }
    return lookup.unreflect(m);
  }
}
