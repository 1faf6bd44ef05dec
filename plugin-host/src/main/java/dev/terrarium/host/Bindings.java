package dev.terrarium.host;

import dev.terrarium.api.HostFunctionDefinition;
import dev.terrarium.api.HostImports;
import dev.terrarium.api.PluginExports;
import dev.terrarium.api.abi.GeneratedBindings;
import dev.terrarium.api.abi.GuestExports;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;

/**
 * Finds the classes that {@code abi-codegen} generated for an annotated interface, through the lookups they
 * register ({@link GeneratedBindings}). Lookups happen once per interface (cached); calls through the bindings use
 * none.
 */
final class Bindings {
  private Bindings() {}

  private static final ClassValue<MethodHandle> PROXIES =
      new ClassValue<>() {
        @Override
        protected MethodHandle computeValue(Class<?> type) {
          Class<?> generated = generated(type, "TerrariumExports_", PluginExports.class);
          return handle(generated, null, MethodType.methodType(void.class, GuestExports.class),
              "no constructor taking GuestExports");
        }
      };

  private static final ClassValue<MethodHandle> IMPORTS =
      new ClassValue<>() {
        @Override
        protected MethodHandle computeValue(Class<?> type) {
          Class<?> generated = generated(type, "TerrariumImports_", HostImports.class);
          return handle(generated, "definitions", MethodType.methodType(List.class, type),
              "no definitions(" + type.getSimpleName() + ")");
        }
      };

  private static final ClassValue<MethodHandle> IMPORTS_PER_INSTANCE =
      new ClassValue<>() {
        @Override
        protected MethodHandle computeValue(Class<?> type) {
          Class<?> generated = generated(type, "TerrariumImports_", HostImports.class);
          return handle(generated, "definitionsPerInstance",
              MethodType.methodType(List.class, java.util.function.Function.class),
              "no definitionsPerInstance(Function): rebuild it with this version of the Terrarium annotation"
                  + " processor");
        }
      };

  /**
   * A handle to the generated class's public constructor ({@code name} null) or static method: through the lookup
   * the class registered ({@link GeneratedBindings}), so that a modular application need not export its package to
   * this module; by reflection for a class generated before bindings registered one.
   */
  private static MethodHandle handle(Class<?> generated, String name, MethodType type, String missing) {
    try {
      MethodHandle h =
          name == null
              ? GeneratedBindings.constructor(generated, type)
              : GeneratedBindings.staticMethod(generated, name, type);
      if (h != null) {
        return h;
      }
      MethodHandles.Lookup here = MethodHandles.publicLookup();
      return name == null
          ? here.unreflectConstructor(generated.getConstructor(type.parameterArray()))
          : here.unreflect(generated.getMethod(name, type.parameterArray()));
    } catch (NoSuchMethodException e) {
      throw new IllegalArgumentException(generated + " has " + missing, e);
    } catch (IllegalAccessException e) {
      throw new IllegalArgumentException(
          "cannot reach " + generated + " (" + e.getMessage() + "): rebuild it with this version of the Terrarium"
              + " annotation processor, or export its package to dev.terrarium.host",
          e);
    }
  }

  private static Class<?> generated(Class<?> type, String prefix, Class<? extends java.lang.annotation.Annotation> annotation) {
    if (!type.isInterface() || !type.isAnnotationPresent(annotation)) {
      throw new IllegalArgumentException(
          type.getName() + " is not an interface annotated @" + annotation.getSimpleName());
    }
    String pkg = type.getPackageName();
    String nested = pkg.isEmpty() ? type.getName() : type.getName().substring(pkg.length() + 1);
    String name = (pkg.isEmpty() ? "" : pkg + ".") + prefix + nested.replace('$', '_');
    try {
      return Class.forName(name, true, type.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException(
          "no generated binding " + name + " for " + type.getName() + ": compile it with the Terrarium annotation"
              + " processor (dev.terrarium:abi-codegen) on the annotation processor path",
          e);
    }
  }

  /**
   * Creates the generated proxy of {@code type} over {@code exports}; with {@link InstanceExports}, a module that lacks
   * exports or has others of other signatures fails with one exception naming them all.
   */
  static <T> T proxy(Class<T> type, GuestExports exports) {
    try {
      T proxy = type.cast(PROXIES.get(type).invoke(exports));
      if (exports instanceof InstanceExports checked) {
        checked.checkComplete(type);
      }
      return proxy;
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException("cannot instantiate the binding of " + type.getName(), e);
    }
  }

  static <T> List<HostFunctionDefinition> definitions(Class<T> type, T implementation) {
    return invoke(IMPORTS.get(type), type, implementation);
  }

  static <T> List<HostFunctionDefinition> definitionsPerInstance(
      Class<T> type, java.util.function.Function<dev.terrarium.api.HostCallContext, T> implementations) {
    return invoke(IMPORTS_PER_INSTANCE.get(type), type, implementations);
  }

  @SuppressWarnings("unchecked")
  private static List<HostFunctionDefinition> invoke(MethodHandle method, Class<?> type, Object argument) {
    try {
      return (List<HostFunctionDefinition>) method.invoke(argument);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException("cannot call the binding of " + type.getName(), e);
    }
  }
}
