package dev.terrarium.abi;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import dev.terrarium.abi.support.FakeInstance;
import dev.terrarium.abi.support.Sandbox;
import dev.terrarium.api.abi.GuestExports;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.util.HashMap;
import java.util.Map;
import javax.tools.JavaFileObject;
import javax.tools.StandardLocation;
import org.junit.jupiter.api.Test;

/**
 * Interfaces that grow: a {@code default} method of a {@code @PluginExports} interface is an optional export, which
 * the generated proxy replaces by the default method when the plugin lacks it; the descriptor carries the
 * interface's version and marks optional functions.
 */
class OptionalExportsTest {
  private static final JavaFileObject CALCULATOR =
      JavaFileObjects.forSourceLines(
          "test.evolve.Calculator",
          "package test.evolve;",
          "import dev.terrarium.api.PluginExports;",
          "/** Version 1 had add only; version 3 added the default methods. */",
          "@PluginExports(version = 3)",
          "public interface Calculator {",
          "  int add(int a, int b);",
          "  default long scale(long x) { return x * 10; }",
          "  default String label(String name) { return \"calc:\" + name; }",
          "  default void reset() {}",
          "}");

  private static Compilation compilation;

  private static synchronized Compilation compilation() {
    if (compilation == null) {
      compilation =
          javac()
              .withProcessors(new TerrariumProcessor())
              .withOptions("-Xlint:all,-processing", "-Werror")
              .compile(CALCULATOR);
      assertThat(compilation).succeededWithoutWarnings();
    }
    return compilation;
  }

  private final Sandbox sandbox = new Sandbox();
  private final FakeInstance plugin = new FakeInstance(sandbox).export("add", args -> new long[] {args[0] + args[1]});

  /** Loads the compiled interface and its proxy in a loader of their own; returns a proxy over {@code exports}. */
  private static Object proxy(GuestExports exports) throws ReflectiveOperationException {
    return load(compilation(), "test.evolve.TerrariumExports_Calculator", exports);
  }

  private static Object invoke(Object proxy, String method, Object... args) throws ReflectiveOperationException {
    for (java.lang.reflect.Method m : proxy.getClass().getMethods()) {
      if (m.getName().equals(method) && m.getParameterCount() == args.length) {
        try {
          return m.invoke(proxy, args);
        } catch (InvocationTargetException e) {
          throw new AssertionError(e.getCause());
        }
      }
    }
    throw new AssertionError("no method " + method);
  }

  @Test
  void proxy_looksUpAnOptionalExportOnlyWhenThePluginHasIt_andOtherwiseRunsTheDefault() throws IOException {
    String source =
        compilation()
            .generatedSourceFile("test.evolve.TerrariumExports_Calculator")
            .orElseThrow()
            .getCharContent(true)
            .toString();
    assertThat(source)
        .contains("guest.hasExport(\"scale\") ? guest.export(\"scale\"")
        .contains("if (scaleExport == null) {")
        .contains("return Calculator.super.scale(x);")
        .contains("Calculator.super.reset();");
  }

  @Test
  void anOlderPluginWithoutTheOptionalExports_getsTheDefaultMethods() throws ReflectiveOperationException {
    Object calculator = proxy(plugin);

    assertThat(invoke(calculator, "add", 2, 3)).isEqualTo(5);
    assertThat(invoke(calculator, "scale", 4L)).isEqualTo(40L);
    assertThat(invoke(calculator, "label", "x")).isEqualTo("calc:x");
    invoke(calculator, "reset");
    assertThat(plugin.calls()).containsExactly("add");
    assertThat(plugin.requestedSignature("scale")).as("an absent optional export is not looked up").isNull();
  }

  @Test
  void aPluginWithTheOptionalExport_isCalled() throws ReflectiveOperationException {
    plugin.export("scale", args -> new long[] {args[0] * 2});
    Object calculator = proxy(plugin);

    assertThat(invoke(calculator, "scale", 4L)).isEqualTo(8L);
    assertThat(plugin.requestedSignature("scale")).isEqualTo("(i64) -> (i64)");
    assertThat(plugin.calls()).containsExactly("scale");
  }

  @Test
  void descriptor_carriesTheInterfaceVersion_andMarksOptionalFunctions() throws IOException {
    String json =
        compilation()
            .generatedFile(StandardLocation.CLASS_OUTPUT, "META-INF/terrarium/test.evolve.Calculator.json")
            .orElseThrow()
            .getCharContent(true)
            .toString();

    assertThat(json).contains("\"kind\": \"PLUGIN_EXPORTS\",\n  \"interfaceVersion\": 3,");
    assertThat(json)
        .containsPattern("\"javaName\": \"add\"(.|\\n)*?\"fallible\": false,\\s*\"optional\": false")
        .containsPattern("\"javaName\": \"scale\"(.|\\n)*?\"fallible\": false,\\s*\"optional\": true")
        .containsPattern("\"javaName\": \"reset\"(.|\\n)*?\"optional\": true");
  }

  private static final JavaFileObject COUNTER =
      JavaFileObjects.forSourceLines(
          "test.evolve.Counter",
          "package test.evolve;",
          "import dev.terrarium.api.PluginExports;",
          "/** Version 1 passed numbers only; version 2 added a method that passes a string. */",
          "@PluginExports(version = 2)",
          "public interface Counter {",
          "  int next();",
          "  default String name() { return \"counter\"; }",
          "}");

  @Test
  void anOlderPluginWithoutMemory_isServedWhenOnlyOptionalExportsPassValuesInMemory()
      throws ReflectiveOperationException, IOException {
    Compilation counter =
        javac()
            .withProcessors(new TerrariumProcessor())
            .withOptions("-Xlint:all,-processing", "-Werror")
            .compile(COUNTER);
    assertThat(counter).succeededWithoutWarnings();
    String source =
        counter.generatedSourceFile("test.evolve.TerrariumExports_Counter").orElseThrow().getCharContent(true).toString();
    assertThat(source).contains("boolean usesMemory = guest.hasExport(\"name\");");

    // a version-1 plugin: next() only, no memory, alloc or dealloc
    GuestExports numbersOnly =
        new GuestExports() {
          @Override
          public String pluginId() {
            return "old";
          }

          @Override
          public dev.terrarium.api.GuestMemory memory() {
            throw new AssertionError("an old plugin has no memory to ask for");
          }

          @Override
          public boolean hasExport(String name) {
            return name.equals("next");
          }

          @Override
          public dev.terrarium.api.abi.ExportHandle export(
              String name, java.util.List<dev.terrarium.api.WasmType> params,
              java.util.List<dev.terrarium.api.WasmType> results) {
            if (!name.equals("next")) {
              throw new AssertionError("looked up " + name);
            }
            return args -> new long[] {41};
          }
        };
    Object proxy = load(counter, "test.evolve.TerrariumExports_Counter", numbersOnly);

    assertThat(invoke(proxy, "next")).isEqualTo(41);
    assertThat(invoke(proxy, "name")).isEqualTo("counter");
  }

  private static Object load(Compilation c, String className, GuestExports exports) throws ReflectiveOperationException {
    Map<String, byte[]> classes = new HashMap<>();
    for (JavaFileObject file : c.generatedFiles()) {
      if (file.getKind() != JavaFileObject.Kind.CLASS) {
        continue;
      }
      String path = file.toUri().getPath();
      String name = path.substring(path.indexOf("/test/evolve/") + 1, path.length() - 6).replace('/', '.');
      try (InputStream in = file.openInputStream()) {
        classes.put(name, in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    ClassLoader loader =
        new ClassLoader(OptionalExportsTest.class.getClassLoader()) {
          @Override
          protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] bytes = classes.get(name);
            if (bytes == null) {
              throw new ClassNotFoundException(name);
            }
            return defineClass(name, bytes, 0, bytes.length);
          }
        };
    return Class.forName(className, true, loader).getConstructor(GuestExports.class).newInstance(exports);
  }
}
