package dev.terrarium.abi;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The generated Java for the fixture interfaces, compared with golden files under {@code
 * src/test/resources/java/}. After an intended change to the generated code, regenerate the goldens with {@code
 * mvn -o install -pl abi-codegen -Dterrarium.updateGoldens=true} and review the diff.
 */
class JavaGoldenTest {
  private static final Path GOLDENS = Path.of("src/test/resources/java");
  private static final boolean UPDATE = Boolean.getBoolean("terrarium.updateGoldens");

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"TerrariumImports_Shop", "TerrariumExports_Storefront", "TerrariumExports_Outer_Counter"})
  void generatedSource_matchesItsGoldenFile(String name) throws IOException {
    String actual =
        Fixtures.compilation()
            .generatedSourceFile(Fixtures.PACKAGE + "." + name)
            .orElseThrow(() -> new AssertionError("not generated: " + name))
            .getCharContent(true)
            .toString();
    Path golden = GOLDENS.resolve(Fixtures.PACKAGE.replace('.', '/')).resolve(name + ".java");
    if (UPDATE) {
      Files.createDirectories(golden.getParent());
      Files.writeString(golden, actual, StandardCharsets.UTF_8);
    }
    assertThat(actual)
        .as("generated %s differs from %s; if the change is intended, rerun with -Dterrarium.updateGoldens=true", name, golden)
        .isEqualTo(Files.readString(golden, StandardCharsets.UTF_8));
  }

  @Test
  void generatedCode_compilesWithoutAnyLintWarning() {
    // Fixtures.compilation() compiles with -Xlint:all,-processing -Werror; -processing only because no processor
    // claims @Generated, which is what the parent pom excludes too
    assertThat(Fixtures.compilation()).succeededWithoutWarnings();
  }

  @Test
  void generatedClasses_areFinal_andMarkedGenerated() {
    for (String name : Set.of("TerrariumImports_Shop", "TerrariumExports_Storefront")) {
      assertThat(Fixtures.compilation())
          .generatedSourceFile(Fixtures.PACKAGE + "." + name)
          .contentsAsUtf8String()
          .contains("@Generated(\"dev.terrarium.abi.TerrariumProcessor\")\npublic final class " + name);
    }
  }

  @Test
  void resources_areWrittenOnlyUnderTheirDocumentedNames() throws IOException {
    Set<String> expected =
        Set.of(
            "META-INF/terrarium/dev.terrarium.abi.fixtures.Shop.json",
            "META-INF/terrarium/dev.terrarium.abi.fixtures.Storefront.json",
            "META-INF/terrarium/dev.terrarium.abi.fixtures.Outer.Counter.json",
            "META-INF/terrarium/guest/shop.h",
            "META-INF/terrarium/guest/shop.rs",
            "META-INF/terrarium/guest/storefront.h",
            "META-INF/terrarium/guest/storefront.rs",
            "META-INF/terrarium/guest/outer_counter.h",
            "META-INF/terrarium/guest/outer_counter.rs",
            "META-INF/terrarium/guest/shop.ts",
            "META-INF/terrarium/guest/storefront.ts",
            "META-INF/terrarium/guest/storefront_exports.ts",
            "META-INF/terrarium/guest/outer_counter.ts",
            "META-INF/terrarium/guest/outer_counter_exports.ts");
    for (JavaFileObject file : Fixtures.compilation().generatedFiles()) {
      String path = file.toUri().getPath();
      int meta = path.indexOf("META-INF/");
      if (meta < 0) {
        continue;
      }
      assertThat(expected).contains(path.substring(meta));
      // writers that have nothing to say write no file at all
      assertThat(file.getCharContent(true).length()).isPositive();
    }
  }

  @Test
  void namesThatClashWithGeneratedMembers_areRenamedInGeneratedCode() {
    JavaFileObject imports =
        JavaFileObjects.forSourceLines(
            "test.Clash",
            "package test;",
            "import java.util.List;",
            "@dev.terrarium.api.HostImports(\"clash\")",
            "public interface Clash {",
            "  record Entry(String key) {}",
            "  String definitions(String ctx, String args, String implementation);",
            "  int MODULE(String memory, String reader, String writer, String result, String errorSlot, String e)",
            "      throws dev.terrarium.api.PluginError;",
            "  List<Entry> readEntry(List<Entry> writeEntryList);",
            "  boolean decodeBool(boolean decodeBool);",
            "}");
    JavaFileObject exports =
        JavaFileObjects.forSourceLines(
            "test.Clash2",
            "package test;",
            "import java.util.List;",
            "@dev.terrarium.api.PluginExports(prefix = \"clash_\")",
            "public interface Clash2 {",
            "  class GuestAllocator {}",
            "  interface List {}",
            "  String guest(String writer, String reader, String results, String result, String errorSlot);",
            "  String memory(String writerArg, String writer) throws dev.terrarium.api.PluginError;",
            "  int allocator(int guest);",
            "  boolean checkError(boolean decodeBool);",
            "  java.util.List<String> decodeBool(String a, int b, String c);",
            "}");
    Compilation c =
        javac()
            .withProcessors(new TerrariumProcessor())
            .withOptions("-Xlint:all,-processing", "-Werror")
            .compile(imports, exports);
    assertThat(c).succeededWithoutWarnings();
    assertThat(c)
        .generatedSourceFile("test.TerrariumImports_Clash")
        .contentsAsUtf8String()
        .contains("public static List<HostFunctionDefinition> definitions(Clash implementation)");
  }

  @Test
  void deprecatedMethodsAndTypes_generateCodeWithoutWarnings() {
    JavaFileObject file =
        JavaFileObjects.forSourceLines(
            "test.Old",
            "package test;",
            "@Deprecated",
            "@dev.terrarium.api.PluginExports",
            "public interface Old {",
            "  @Deprecated record Legacy(int x) {}",
            "  @Deprecated int f(Legacy legacy);",
            "  int g(byte... data);",
            "}");
    Compilation c =
        javac()
            .withProcessors(new TerrariumProcessor())
            .withOptions("-Xlint:all,-processing", "-Werror")
            .compile(file);
    assertThat(c).succeededWithoutWarnings();
  }

  @Test
  void interfaceInTheUnnamedPackage_isSupported() {
    JavaFileObject file =
        JavaFileObjects.forSourceLines(
            "Top", "@dev.terrarium.api.HostImports(\"top\")", "public interface Top {", "  int f(String s);", "}");
    Compilation c = javac().withProcessors(new TerrariumProcessor()).compile(file);
    assertThat(c).succeededWithoutWarnings();
    assertThat(c).generatedSourceFile("TerrariumImports_Top");
  }
}
