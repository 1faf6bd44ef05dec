package dev.terrarium.abi;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;

import com.google.testing.compile.Compilation;
import com.google.testing.compile.JavaFileObjects;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.TypeElement;
import javax.tools.JavaFileObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every misuse of the annotations is a compile error on the element at fault, saying how to fix it. */
class ProcessorErrorsTest {
  private static Compilation compile(JavaFileObject... files) {
    return javac().withProcessors(new TerrariumProcessor()).compile(files);
  }

  private static JavaFileObject source(String name, String... lines) {
    List<String> all = new ArrayList<>();
    all.add("package test;");
    all.add("import dev.terrarium.api.*;");
    all.add("import java.util.*;");
    all.addAll(List.of(lines));
    return JavaFileObjects.forSourceLines("test." + name, all);
  }

  /** An exported interface with one member, plus a nested enum and record to refer to. */
  private static JavaFileObject exports(String member) {
    return source(
        "Api",
        "@PluginExports",
        "public interface Api {",
        "  enum Color { RED }",
        "  record Point(int x, int y) {}",
        "  " + member,
        "}");
  }

  // --- processor options ---------------------------------------------------------------------------

  @Test
  void rustEditionOption_2024_writesTheEdition2024Forms() throws IOException {
    Compilation c =
        javac()
            .withProcessors(new TerrariumProcessor())
            .withOptions("-Aterrarium.rust.edition=2024")
            .compile(exports("String echo(String text);"));
    assertThat(c).succeeded();
    String rs =
        c.generatedFile(javax.tools.StandardLocation.CLASS_OUTPUT, "", "META-INF/terrarium/guest/api.rs")
            .orElseThrow()
            .getCharContent(true)
            .toString();
    org.assertj.core.api.Assertions.assertThat(rs)
        .contains("#[unsafe(export_name = \"echo\")]")
        .contains("#[unsafe(link_section = \"terrarium.manifest\")]")
        .doesNotContain("#[export_name");
  }

  @Test
  void rustEditionOption_unknown_isAnErrorNamingTheEditions() {
    Compilation c =
        javac()
            .withProcessors(new TerrariumProcessor())
            .withOptions("-Aterrarium.rust.edition=2015")
            .compile(exports("String echo(String text);"));
    assertThat(c)
        .hadErrorContaining(
            "the processor option -Aterrarium.rust.edition=2015 names no Rust edition the Terrarium bindings"
                + " support. Use 2018 or 2021");
  }

  // --- the annotated type -------------------------------------------------------------------------

  @Test
  void annotationOnClass_isAnErrorOnTheAnnotation() {
    JavaFileObject file = source("Api", "@PluginExports", "public class Api {}");
    Compilation c = compile(file);
    assertThat(c)
        .hadErrorContaining("@PluginExports applies only to interfaces, but Api is a class")
        .inFile(file)
        .onLineContaining("@PluginExports");
  }

  @Test
  void annotationOnEnum_isAnError() {
    JavaFileObject file = source("Api", "@HostImports(\"kv\")", "public enum Api { A }");
    assertThat(compile(file))
        .hadErrorContaining("@HostImports applies only to interfaces, but Api is an enum")
        .inFile(file)
        .onLineContaining("@HostImports(\"kv\")");
  }

  @Test
  void annotationOnRecord_isAnError() {
    JavaFileObject file = source("Api", "@PluginExports", "public record Api(int x) {}");
    assertThat(compile(file))
        .hadErrorContaining("@PluginExports applies only to interfaces, but Api is a record")
        .inFile(file)
        .onLineContaining("@PluginExports");
  }

  @Test
  void annotationOnAnnotationInterface_isAnError() {
    JavaFileObject file = source("Api", "@PluginExports", "public @interface Api {}");
    assertThat(compile(file))
        .hadErrorContaining("applies only to interfaces, but Api is an annotation interface")
        .inFile(file)
        .onLineContaining("@PluginExports");
  }

  @Test
  void genericInterface_isAnError() {
    JavaFileObject file = source("Api", "@PluginExports", "public interface Api<T> {", "  int f(int x);", "}");
    assertThat(compile(file))
        .hadErrorContaining("interface Api is generic, but wasm functions have fixed types")
        .inFile(file)
        .onLineContaining("interface Api<T>");
  }

  @Test
  void interfaceExtendingAnother_isAnError() {
    JavaFileObject file =
        source("Api", "@PluginExports", "public interface Api extends Runnable {", "  int f(int x);", "}");
    assertThat(compile(file))
        .hadErrorContaining("only the methods declared in the annotated interface itself become functions")
        .inFile(file)
        .onLineContaining("interface Api extends Runnable");
  }

  @Test
  void privateNestedInterface_isAnError() {
    JavaFileObject file =
        source(
            "Holder",
            "public class Holder {",
            "  @PluginExports",
            "  private interface Api {",
            "    int f(int x);",
            "  }",
            "}");
    assertThat(compile(file))
        .hadErrorContaining("interface Api is private, so the generated TerrariumExports_ class cannot use it")
        .inFile(file)
        .onLineContaining("private interface Api");
  }

  @Test
  void bothAnnotations_isAnError() {
    JavaFileObject file =
        source("Api", "@HostImports(\"kv\")", "@PluginExports", "public interface Api {", "  int f(int x);", "}");
    Compilation c = compile(file);
    assertThat(c).hadErrorCount(1);
    assertThat(c)
        .hadErrorContaining("annotated with both @HostImports and @PluginExports")
        .inFile(file)
        .onLineContaining("@PluginExports");
  }

  // --- annotation values --------------------------------------------------------------------------

  @Test
  void blankModuleName_isAnErrorOnTheAnnotation() {
    JavaFileObject file = source("Api", "@HostImports(\" \")", "public interface Api {", "  int f(int x);", "}");
    assertThat(compile(file))
        .hadErrorContaining("@HostImports needs a wasm import module name, but it is blank")
        .inFile(file)
        .onLineContaining("@HostImports(\" \")");
  }

  @Test
  void emptyModuleName_isAnError() {
    JavaFileObject file = source("Api", "@HostImports(\"\")", "public interface Api {", "  int f(int x);", "}");
    assertThat(compile(file)).hadErrorContaining("but it is blank").inFile(file).onLineContaining("@HostImports");
  }

  @Test
  void moduleNameStartingWithWasi_isAnError() {
    JavaFileObject file =
        source("Api", "@HostImports(\"wasi_snapshot_preview1\")", "public interface Api {", "  int f(int x);", "}");
    assertThat(compile(file))
        .hadErrorContaining("module 'wasi_snapshot_preview1' starts with 'wasi', which is reserved for WASI")
        .inFile(file)
        .onLineContaining("@HostImports");
  }

  @Test
  void moduleNameWithSpaces_isAnError() {
    JavaFileObject file = source("Api", "@HostImports(\"k v\")", "public interface Api {", "  int f(int x);", "}");
    assertThat(compile(file))
        .hadErrorContaining("module 'k v' contains characters that C and Rust bindings cannot quote safely")
        .inFile(file)
        .onLineContaining("@HostImports");
  }

  @Test
  void invalidPrefix_isAnError() {
    JavaFileObject file =
        source("Api", "@PluginExports(prefix = \"my-plugin.\")", "public interface Api {", "  int f(int x);", "}");
    assertThat(compile(file))
        .hadErrorContaining("prefix 'my-plugin.' is not a valid C and Rust identifier prefix")
        .inFile(file)
        .onLineContaining("@PluginExports(prefix");
  }

  // --- methods ------------------------------------------------------------------------------------

  @Test
  void defaultMethodOfHostImports_isAnErrorThatMentionsStaticHelpers() {
    JavaFileObject file =
        source("Api", "@HostImports(\"kv\")", "public interface Api {", "  default int f(int x) { return x; }", "}");
    assertThat(compile(file))
        .hadErrorContaining("default method f cannot be a function: the host implements every method")
        .inFile(file)
        .onLineContaining("default int f");
    assertThat(compile(file)).hadErrorContaining("static methods are not part of the ABI and are ignored");
  }

  @Test
  void defaultMethodOfPluginExports_isAnOptionalFunction() {
    assertThat(compile(exports("default int f(int x) { return x; }"))).succeededWithoutWarnings();
  }

  @Test
  void versionBelowOne_isAnErrorOnTheAnnotation() {
    JavaFileObject file =
        source("Api", "@PluginExports(version = 0)", "public interface Api {", "  int f(int x);", "}");
    assertThat(compile(file))
        .hadErrorContaining("@PluginExports version 0 is not a version: start at 1")
        .inFile(file)
        .onLineContaining("@PluginExports(version");
  }

  @Test
  void staticMethods_areIgnored() {
    JavaFileObject file =
        source(
            "Api",
            "@PluginExports",
            "public interface Api {",
            "  int f(int x);",
            "  static Object helper(Map<String, Object> anything) { return anything; }",
            "}");
    Compilation c = compile(file);
    assertThat(c).succeededWithoutWarnings();
    assertThat(c).generatedSourceFile("test.TerrariumExports_Api").contentsAsUtf8String().doesNotContain("helper");
  }

  @Test
  void genericMethod_isAnError() {
    JavaFileObject file = exports("<T> String f(String s);");
    assertThat(compile(file))
        .hadErrorContaining("method f is generic, but wasm functions have fixed types")
        .inFile(file)
        .onLineContaining("<T> String f");
  }

  @Test
  void overloadedMethods_areAnErrorOnTheSecond() {
    JavaFileObject file =
        source(
            "Api",
            "@PluginExports",
            "public interface Api {",
            "  int size(int x);",
            "  int size(long x);",
            "}");
    assertThat(compile(file))
        .hadErrorContaining("method size is overloaded, but wasm functions are identified by name only")
        .inFile(file)
        .onLineContaining("int size(long x)");
  }

  @Test
  void methodsWithTheSameWasmName_areAnError() {
    JavaFileObject file =
        source(
            "Api",
            "@HostImports(\"kv\")",
            "public interface Api {",
            "  int getValue(int x);",
            "  int get_value(int x);",
            "}");
    assertThat(compile(file))
        .hadErrorContaining("methods getValue and get_value both map to the wasm name 'get_value'")
        .inFile(file)
        .onLineContaining("int get_value");
  }

  @Test
  void exportNamedLikeAnAbiExport_isAnError() {
    JavaFileObject file = exports("int alloc(int size);");
    assertThat(compile(file))
        .hadErrorContaining("would be exported as 'alloc', a name the ABI reserves")
        .inFile(file)
        .onLineContaining("int alloc");
  }

  @Test
  void reservedExportNameWithPrefix_isAllowed() {
    JavaFileObject file =
        source("Api", "@PluginExports(prefix = \"my_\")", "public interface Api {", "  int alloc(int size);", "}");
    assertThat(compile(file)).succeededWithoutWarnings();
  }

  @Test
  void nonAsciiMethodName_isAnError() {
    JavaFileObject file = exports("int größe(int x);");
    assertThat(compile(file))
        .hadErrorContaining("which C and Rust cannot use as an identifier")
        .inFile(file)
        .onLineContaining("int größe");
  }

  @Test
  void parametersWithTheSameGuestName_areAnError() {
    JavaFileObject file = exports("int f(int fooBar, int foo_bar);");
    assertThat(compile(file))
        .hadErrorContaining("parameters fooBar and foo_bar of Api.f both map to 'foo_bar'")
        .inFile(file)
        .onLineContaining("int f(int fooBar");
  }

  @Test
  void checkedExceptionOtherThanPluginError_isAnError() {
    JavaFileObject file = exports("String read(String path) throws java.io.IOException;");
    assertThat(compile(file))
        .hadErrorContaining("method read declares the checked exception java.io.IOException")
        .inFile(file)
        .onLineContaining("throws java.io.IOException");
  }

  @Test
  void subclassOfPluginError_isAnError() {
    JavaFileObject error =
        source(
            "MyError",
            "public class MyError extends PluginError {",
            "  public MyError() { super(1, \"x\"); }",
            "}");
    JavaFileObject file = exports("String read(String path) throws MyError;");
    assertThat(compile(error, file))
        .hadErrorContaining("declares throws test.MyError, a subclass of PluginError")
        .inFile(file)
        .onLineContaining("throws MyError");
  }

  @Test
  void uncheckedExceptionsInThrows_areAllowed() {
    JavaFileObject file = exports("String read(String path) throws PluginError, IllegalStateException;");
    assertThat(compile(file)).succeededWithoutWarnings();
  }

  // --- types --------------------------------------------------------------------------------------

  static Stream<Arguments> unsupportedTypes() {
    return Stream.of(
        Arguments.of("void f(Integer value);", "unsupported type java.lang.Integer for parameter value of Api.f: use int"),
        Arguments.of("Long f();", "unsupported type java.lang.Long for the result of Api.f: use long"),
        Arguments.of("void f(char c);", "unsupported type char for parameter c of Api.f: use int for a code point"),
        Arguments.of("void f(short s);", "unsupported type short for parameter s of Api.f: use int"),
        Arguments.of("void f(byte b);", "unsupported type byte for parameter b of Api.f: use int for a number"),
        Arguments.of(
            "void f(Map<String, String> m);",
            "unsupported type java.util.Map<java.lang.String,java.lang.String> for parameter m of Api.f: use a List"
                + " of records"),
        Arguments.of("Object f();", "unsupported type java.lang.Object for the result of Api.f: it is not an ABI type"),
        Arguments.of(
            "void f(int[] values);",
            "unsupported type int[] for parameter values of Api.f: byte[] is the only array type; use a List"
                + " instead, e.g. List<Integer>"),
        Arguments.of("void f(String[] names);", "byte[] is the only array type; use a List instead, e.g. List<String>"),
        Arguments.of(
            "void f(Optional<Integer> o);",
            "unsupported type java.lang.Integer for parameter o of Api.f: Optional may hold only String, byte[], a"
                + " List or a record"),
        Arguments.of(
            "void f(Optional<Optional<String>> o);", "an Optional cannot hold another Optional; use a single Optional"),
        Arguments.of("void f(List<Optional<String>> l);", "list elements cannot be absent"),
        Arguments.of("void f(List<?> l);", "wildcards cannot cross the boundary; use a concrete type, e.g. List<String>"),
        Arguments.of("void f(List<? extends Number> l);", "wildcards cannot cross the boundary"),
        Arguments.of("@SuppressWarnings(\"rawtypes\") void f(List l);", "it is a raw type; declare its element type"),
        Arguments.of("void f(Optional<Color> c);", "for an optional enum add a constant that means 'none'"),
        Arguments.of("void f(Set<String> s);", "unsupported type java.util.Set<java.lang.String> for parameter s of Api.f: use List<T>"),
        Arguments.of("void f(List<Object> l);", "unsupported type java.lang.Object for parameter l of Api.f"),
        Arguments.of("void f(List<Character> l);", "unsupported type java.lang.Character for parameter l of Api.f"),
        Arguments.of("void f(CharSequence s);", "unsupported type java.lang.CharSequence for parameter s of Api.f"),
        Arguments.of("void f(Optional<int[]> o);", "unsupported type int[] for parameter o of Api.f"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unsupportedTypes")
  void unsupportedType_isAnErrorNamingTheTypeAndTheSupportedOnes(String member, String message) {
    JavaFileObject file = exports(member);
    Compilation c = compile(file);
    assertThat(c).hadErrorContaining(message).inFile(file).onLineContaining(member);
    assertThat(c).hadErrorContaining(Analyzer.SUPPORTED);
  }

  @Test
  void boxedNumbersInLists_areSupported() {
    JavaFileObject file = exports("List<Double> f(List<Integer> a, List<Long> b, List<Float> c, List<Boolean> d);");
    assertThat(compile(file)).succeededWithoutWarnings();
  }

  // --- records and enums --------------------------------------------------------------------------

  @Test
  void recordContainingItself_isAnErrorNamingTheCycle() {
    JavaFileObject file =
        source(
            "Api",
            "@PluginExports",
            "public interface Api {",
            "  record Node(String name, Node next) {}",
            "  int size(Node node);",
            "}");
    assertThat(compile(file))
        .hadErrorContaining("record Node contains itself (Node → Node)")
        .inFile(file)
        .onLineContaining("record Node(");
  }

  @Test
  void recordCycleThroughAnotherRecord_isAnErrorNamingTheCycle() {
    JavaFileObject file =
        source(
            "Api",
            "@PluginExports",
            "public interface Api {",
            "  record Parent(String name, Child child) {}",
            "  record Child(int age, Parent parent) {}",
            "  int size(Parent parent);",
            "}");
    assertThat(compile(file))
        .hadErrorContaining("record Parent contains itself (Parent → Child → Parent), through component parent of"
            + " record Child")
        .inFile(file)
        .onLineContaining("record Child(");
  }

  @Test
  void recordCycleThroughList_isAnError() {
    JavaFileObject file =
        source(
            "Api",
            "@PluginExports",
            "public interface Api {",
            "  record Tree(String label, List<Tree> children) {}",
            "  int size(Tree tree);",
            "}");
    assertThat(compile(file))
        .hadErrorContaining("record Tree contains itself (Tree → Tree)")
        .inFile(file)
        .onLineContaining("record Tree(");
    assertThat(compile(file)).hadErrorContaining("not even through a List or an Optional");
  }

  @Test
  void recordCycleThroughOptional_isAnError() {
    JavaFileObject file =
        source(
            "Api",
            "@PluginExports",
            "public interface Api {",
            "  record Link(int value, Optional<Link> next) {}",
            "  Link first();",
            "}");
    assertThat(compile(file))
        .hadErrorContaining("record Link contains itself (Link → Link)")
        .inFile(file)
        .onLineContaining("record Link(");
  }

  @Test
  void recordWithUnsupportedComponent_isAnErrorOnTheComponent() {
    JavaFileObject record = source("Letter", "public record Letter(", "    String name,", "    char initial) {}");
    JavaFileObject file = exports("int f(Letter letter);");
    assertThat(compile(record, file))
        .hadErrorContaining("unsupported type char for component initial of record Letter")
        .inFile(record)
        .onLineContaining("char initial");
  }

  @Test
  void privateNestedRecord_isAnErrorSayingWhy() {
    // a private record is visible to its enclosing interface's own members, but not to generated code
    JavaFileObject file =
        source(
            "Holder",
            "public class Holder {",
            "  private record Secret(int x) {}",
            "  @PluginExports",
            "  interface Api {",
            "    int f(Secret secret);",
            "  }",
            "}");
    assertThat(compile(file))
        .hadErrorContaining("record Secret used by parameter secret of Api.f is private")
        .inFile(file)
        .onLineContaining("int f(Secret secret)");
  }

  @Test
  void packagePrivateRecordOfAnotherPackage_isAnError() {
    JavaFileObject record =
        JavaFileObjects.forSourceLines(
            "other.Hidden",
            "package other;",
            "public class Hidden {",
            "  protected record Shown(int x) {}",
            "}");
    JavaFileObject file =
        source(
            "Api",
            "@PluginExports",
            "public interface Api {",
            "  class Sub extends other.Hidden {",
            "    @PluginExports",
            "    public interface Inner {",
            "      int f(Shown shown);",
            "    }",
            "  }",
            "}");
    assertThat(compile(record, file))
        .hadErrorContaining("record Shown used by parameter shown of Inner.f is not public and lies in package other")
        .inFile(file)
        .onLineContaining("int f(Shown shown)");
  }

  @Test
  void emptyRecord_isAnError() {
    JavaFileObject file = exports("record Nothing() {} int f(Nothing nothing);");
    assertThat(compile(file))
        .hadErrorContaining("record Nothing used by parameter nothing of Api.f has no components")
        .inFile(file)
        .onLineContaining("record Nothing()");
  }

  @Test
  void genericRecord_isAnError() {
    JavaFileObject file = exports("record Box<T>(T value) {} int f(Box<String> box);");
    assertThat(compile(file))
        .hadErrorContaining("record Box used by parameter box of Api.f is generic")
        .inFile(file)
        .onLineContaining("record Box<T>");
  }

  @Test
  void recordComponentsWithTheSameGuestName_areAnError() {
    JavaFileObject file = exports("record Pair(int fooBar, int foo_bar) {} int f(Pair pair);");
    assertThat(compile(file))
        .hadErrorContaining("components fooBar and foo_bar of record Pair both map to the field name 'foo_bar'")
        .inFile(file)
        .onLineContaining("record Pair(");
  }

  @Test
  void twoTypesWithTheSameName_areAnError() {
    JavaFileObject a = JavaFileObjects.forSourceLines("a.Entry", "package a;", "public record Entry(int x) {}");
    JavaFileObject b = JavaFileObjects.forSourceLines("b.Entry", "package b;", "public record Entry(long y) {}");
    JavaFileObject file = exports("int f(a.Entry first, b.Entry second);");
    assertThat(compile(a, b, file))
        .hadErrorContaining("uses both a.Entry and b.Entry, which would get the same type name in the C and Rust")
        .inFile(file)
        .onLineContaining("public interface Api");
  }

  @Test
  void twoInterfacesWithTheSameGuestFileName_areAnError() {
    JavaFileObject a =
        JavaFileObjects.forSourceLines(
            "a.Api", "package a;", "@dev.terrarium.api.PluginExports", "public interface Api { int f(int x); }");
    JavaFileObject b =
        JavaFileObjects.forSourceLines(
            "b.Api", "package b;", "@dev.terrarium.api.PluginExports", "public interface Api { int g(int x); }");
    // the guest writers may still be stubs that write nothing; the clash is detected either way
    assertThat(compile(a, b)).hadErrorContaining("would both write the guest bindings META-INF/terrarium/guest/api");
  }

  @Test
  void anInterfaceNamedLikeTheExportsFileOfAnother_isAnError() {
    JavaFileObject api =
        JavaFileObjects.forSourceLines(
            "a.Api", "package a;", "@dev.terrarium.api.PluginExports", "public interface Api { int f(int x); }");
    JavaFileObject apiExports =
        JavaFileObjects.forSourceLines(
            "a.ApiExports", "package a;", "@dev.terrarium.api.PluginExports",
            "public interface ApiExports { int g(int x); }");
    assertThat(compile(api, apiExports)).hadErrorContaining("META-INF/terrarium/guest/api_exports");
  }

  /** Generates {@code test.Gen} in the first round, like a processor that writes value types. */
  private static final class GeneratesARecord extends AbstractProcessor {
    private boolean done;

    @Override
    public Set<String> getSupportedAnnotationTypes() {
      return Set.of("*");
    }

    @Override
    public SourceVersion getSupportedSourceVersion() {
      return SourceVersion.latestSupported();
    }

    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
      if (!done) {
        done = true;
        try (Writer out = processingEnv.getFiler().createSourceFile("test.Gen").openWriter()) {
          out.write("package test;\npublic record Gen(String name, int size) {}\n");
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      return false;
    }
  }

  @Test
  void typeGeneratedInALaterRound_isWaitedFor() {
    JavaFileObject file = exports("Gen grow(Gen gen);");
    Compilation c = javac().withProcessors(new GeneratesARecord(), new TerrariumProcessor()).compile(file);
    assertThat(c).succeededWithoutWarnings();
    assertThat(c).generatedSourceFile("test.TerrariumExports_Api").contentsAsUtf8String().contains("readGen(");
  }

  @Test
  void unresolvedType_isReportedOnTheInterface() {
    JavaFileObject file = exports("int f(Missing missing);");
    Compilation c = compile(file);
    assertThat(c)
        .hadErrorContaining("Terrarium cannot generate bindings for test.Api because the type Missing it uses could"
            + " not be resolved")
        .inFile(file)
        .onLineContaining("public interface Api");
  }
}
