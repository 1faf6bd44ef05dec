package dev.terrarium.host.engine;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import run.endive.compiler.MachineFactoryCompiler;
import run.endive.runtime.Instance;
import run.endive.runtime.Machine;

/**
 * Loads a module's stored classes (Endive's class-jar format, from the persistent cache or a precompiled plugin)
 * the way a class path does: each class is defined when the code first needs it, not all at load.
 *
 * <p>Endive's own loader defines and initialises every class of a module at once, which links and verifies all of
 * them: for yosys (158 classes, 40 MB of class files) most of a second, spent on functions a run may never call.
 * The classes are the ones this installation (or a signer it trusts) compiled and Endive verified when it
 * compiled them; a class that were to fail now would fail when first used, as a call's engine failure.
 */
final class StoredClasses extends ClassLoader {
  static {
    registerAsParallelCapable();
  }

  /** Class files by binary name; each is removed when its class is defined. */
  private final Map<String, byte[]> classes;

  private StoredClasses(Map<String, byte[]> classes) {
    // Endive's compiler's loader, as for the classes it defines itself: the generated code names Endive's runtime.
    super(MachineFactoryCompiler.class.getClassLoader());
    this.classes = new ConcurrentHashMap<>(classes);
  }

  /**
   * Returns the machine factory of the module whose classes {@code jar} holds: a function that makes the machine
   * of an instance, as Endive's {@code ClassLoadingCollector} makes it.
   *
   * @throws IllegalArgumentException when the jar does not name its main class or lacks it
   * @throws ReflectiveOperationException when the main class has no public constructor taking an {@link Instance}
   */
  static Function<Instance, Machine> machineFactory(byte[] jar) throws ReflectiveOperationException {
    ClassBytes.Jar contents = ClassBytes.read(jar);
    if (contents.mainClass() == null || !contents.classes().containsKey(contents.mainClass())) {
      throw new IllegalArgumentException("the stored classes name no main class, or lack it");
    }
    StoredClasses loader = new StoredClasses(contents.classes());
    Class<? extends Machine> main = loader.loadClass(contents.mainClass()).asSubclass(Machine.class);
    MethodHandle constructor =
        MethodHandles.publicLookup()
            .unreflectConstructor(main.getConstructor(Instance.class))
            .asType(MethodType.methodType(Machine.class, Instance.class));
    return new Factory(constructor);
  }

  /**
   * Calls the machine's constructor. A class of its own, not {@code MethodHandleProxies.asInterfaceInstance},
   * whose dynamic proxy class cost a fresh JVM about 5 ms on every load from the disk cache.
   */
  private static final class Factory implements Function<Instance, Machine> {
    private final MethodHandle constructor;

    Factory(MethodHandle constructor) {
      this.constructor = constructor;
    }

    @Override
    public Machine apply(Instance instance) {
      try {
        return (Machine) constructor.invokeExact(instance);
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Throwable t) {
        throw new IllegalStateException("the machine's constructor failed: " + t, t); // it declares no exception
      }
    }
  }

  @Override
  protected Class<?> findClass(String name) throws ClassNotFoundException {
    byte[] bytes = classes.remove(name);
    if (bytes == null) {
      throw new ClassNotFoundException(name);
    }
    return defineClass(name, bytes, 0, bytes.length);
  }
}
