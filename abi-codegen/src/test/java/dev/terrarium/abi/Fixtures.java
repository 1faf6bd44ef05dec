package dev.terrarium.abi;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.tools.JavaFileObject;

/**
 * The fixture interfaces of {@code dev.terrarium.abi.fixtures}, compiled from source with the processor. The
 * test sources are also compiled normally (without the processor), so a generated class loaded with {@link
 * #generatedClass} links against the ordinary fixture types and can be driven through them without reflection.
 */
final class Fixtures {
  static final String PACKAGE = "dev.terrarium.abi.fixtures";
  static final Path SOURCES = Path.of("src/test/java/dev/terrarium/abi/fixtures");

  private static Compilation compilation;
  private static ClassLoader loader;

  private Fixtures() {}

  static List<JavaFileObject> sources() {
    try (Stream<Path> files = Files.list(SOURCES)) {
      return files.filter(f -> f.toString().endsWith(".java")).sorted().map(Fixtures::source).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JavaFileObject source(Path file) {
    try {
      return JavaFileObjects.forResource(file.toUri().toURL());
    } catch (MalformedURLException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** The fixtures compiled with the processor, with every lint warning an error. */
  static synchronized Compilation compilation() {
    if (compilation == null) {
      compilation =
          javac()
              .withProcessors(new TerrariumProcessor())
              .withOptions("-Xlint:all,-processing", "-Werror")
              .compile(sources());
      assertThat(compilation).succeededWithoutWarnings();
    }
    return compilation;
  }

  /** Loads a generated class (e.g. {@code TerrariumImports_Shop}) on top of the test's own fixture classes. */
  static Class<?> generatedClass(String simpleName) {
    try {
      return Class.forName(PACKAGE + "." + simpleName, true, loader());
    } catch (ClassNotFoundException e) {
      throw new AssertionError("the processor did not generate " + simpleName, e);
    }
  }

  private static synchronized ClassLoader loader() {
    if (loader == null) {
      Map<String, byte[]> classes = new HashMap<>();
      for (JavaFileObject file : compilation().generatedFiles()) {
        String path = file.toUri().getPath();
        int start = path.indexOf("/dev/terrarium/");
        if (file.getKind() != JavaFileObject.Kind.CLASS || start < 0 || !path.contains("/Terrarium")) {
          continue;
        }
        String name = path.substring(start + 1, path.length() - ".class".length()).replace('/', '.');
        try (InputStream in = file.openInputStream()) {
          classes.put(name, in.readAllBytes());
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      loader = new GeneratedClassLoader(classes, Fixtures.class.getClassLoader());
    }
    return loader;
  }

  /** Defines only the generated classes; everything else comes from the test's class loader. */
  private static final class GeneratedClassLoader extends ClassLoader {
    private final Map<String, byte[]> classes;

    GeneratedClassLoader(Map<String, byte[]> classes, ClassLoader parent) {
      super(parent);
      this.classes = classes;
    }

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
      byte[] bytes = classes.get(name);
      if (bytes == null) {
        throw new ClassNotFoundException(name);
      }
      return defineClass(name, bytes, 0, bytes.length);
    }
  }
}
