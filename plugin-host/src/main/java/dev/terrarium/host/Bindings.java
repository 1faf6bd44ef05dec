package dev.terrarium.host;

import dev.terrarium.api.HostFunctionDefinition;
import dev.terrarium.api.HostImports;
import dev.terrarium.api.PluginExports;
import dev.terrarium.api.abi.GuestExports;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;

/**
 * Finds the classes that {@code abi-codegen} generated for an annotated interface. Reflection happens once per
 * interface (cached); calls through the bindings use none.
 */
final class Bindings {
  private Bindings() {}

  private static final ClassValue<Constructor<?>> PROXIES =
      new ClassValue<>() {
        @Override
        protected Constructor<?> computeValue(Class<?> type) {
          Class<?> generated = generated(type, "TerrariumExports_", PluginExports.class);
          try {
            return generated.getConstructor(GuestExports.class);
          } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(generated + " has no constructor taking GuestExports", e);
          }
        }
      };

  private static final ClassValue<Method> IMPORTS =
      new ClassValue<>() {
        @Override
        protected Method computeValue(Class<?> type) {
          Class<?> generated = generated(type, "TerrariumImports_", HostImports.class);
          try {
            return generated.getMethod("definitions", type);
          } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(generated + " has no definitions(" + type.getSimpleName() + ")", e);
          }
        }
      };

  private static final ClassValue<Method> IMPORTS_PER_INSTANCE =
      new ClassValue<>() {
        @Override
        protected Method computeValue(Class<?> type) {
          Class<?> generated = generated(type, "TerrariumImports_", HostImports.class);
          try {
            return generated.getMethod("definitionsPerInstance", java.util.function.Function.class);
          } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException(
                generated + " has no definitionsPerInstance(Function): rebuild it with this version of the Terrarium annotation"
                    + " processor",
                e);
          }
        }
      };

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
      T proxy = type.cast(PROXIES.get(type).newInstance(exports));
      if (exports instanceof InstanceExports checked) {
        checked.checkComplete(type);
      }
      return proxy;
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    } catch (ReflectiveOperationException e) {
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
  private static List<HostFunctionDefinition> invoke(Method method, Class<?> type, Object argument) {
    try {
      return (List<HostFunctionDefinition>) method.invoke(null, argument);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new IllegalStateException(e.getCause());
    } catch (IllegalAccessException e) {
      throw new IllegalStateException("cannot call the binding of " + type.getName(), e);
    }
  }
}
