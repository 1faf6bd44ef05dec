package dev.terrarium.abi;

import dev.terrarium.abi.guest.AssemblyScriptWriter;
import dev.terrarium.abi.guest.CHeaderWriter;
import dev.terrarium.abi.guest.DescriptorWriter;
import dev.terrarium.abi.guest.RustWriter;
import dev.terrarium.abi.java.JavaWriter;
import dev.terrarium.abi.model.InterfaceModel;
import dev.terrarium.abi.model.InterfaceModel.Kind;
import dev.terrarium.api.HostImports;
import dev.terrarium.api.PluginExports;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.Filer;
import javax.annotation.processing.Messager;
import javax.annotation.processing.ProcessingEnvironment;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;
import javax.tools.FileObject;
import javax.tools.StandardLocation;

/**
 * The Terrarium annotation processor. For every interface annotated with {@link HostImports} or {@link
 * PluginExports} it validates the interface against the ABI ({@code docs/abi.md}) and generates:
 *
 * <ul>
 *   <li>{@code TerrariumImports_X} (host imports) or {@code TerrariumExports_X} (plugin exports), in X's package;
 *   <li>{@code META-INF/terrarium/<qualified name>.json}, a descriptor of the interface;
 *   <li>{@code META-INF/terrarium/guest/<name>.h}, {@code .rs} and {@code .ts} (with {@code <name>_exports.ts} for
 *       plugin exports), bindings for plugin authors in C, Rust and AssemblyScript.
 * </ul>
 *
 * <p>Every misuse is a compile error on the element at fault, saying how to fix it. The processor works in one
 * step per annotation; each step analyses an interface into an immutable model first and writes afterwards. An
 * interface whose types are not resolved yet (because another processor generates them) is retried in the next
 * round.
 */
public final class TerrariumProcessor extends AbstractProcessor {
  private static final String GUEST_DIR = "META-INF/terrarium/guest/";
  private static final String DESCRIPTOR_DIR = "META-INF/terrarium/";
  /** The processor option choosing the Rust edition of the generated modules (2018, 2021 or 2024). */
  public static final String RUST_EDITION_OPTION = "terrarium.rust.edition";

  /** One step per annotation. */
  private record Step(Kind kind, Class<? extends java.lang.annotation.Annotation> annotation) {}

  private static final List<Step> STEPS =
      List.of(new Step(Kind.HOST_IMPORTS, HostImports.class), new Step(Kind.PLUGIN_EXPORTS, PluginExports.class));

  private Messager messager;
  private Filer filer;
  /** The Rust edition of the generated modules, or null when the option is bad (then no Rust is written). */
  private String rustEdition = RustWriter.DEFAULT_EDITION;
  /** Interfaces waiting for unresolved types, by step: qualified name → the unresolved type. */
  private final Map<Kind, Map<String, String>> deferred = new HashMap<>();
  /** Interfaces already generated, by step, so that no file is written twice. */
  private final Map<Kind, Set<String>> done = new HashMap<>();
  /** Guest binding file names already written, with the interface that wrote them. */
  private final Map<String, String> guestFiles = new HashMap<>();

  @Override
  public synchronized void init(ProcessingEnvironment processingEnv) {
    super.init(processingEnv);
    this.messager = processingEnv.getMessager();
    this.filer = processingEnv.getFiler();
    String edition = processingEnv.getOptions().get(RUST_EDITION_OPTION);
    if (edition != null) {
      if (RustWriter.EDITIONS.contains(edition.strip())) {
        rustEdition = edition.strip();
      } else {
        rustEdition = null;
        messager.printMessage(
            Diagnostic.Kind.ERROR,
            "the processor option -A" + RUST_EDITION_OPTION + "=" + edition + " names no Rust edition the Terrarium"
                + " bindings support. Use 2018 or 2021 (rustc 1.63 and later, the default is "
                + RustWriter.DEFAULT_EDITION + ") or 2024 (rustc 1.85 and later)");
      }
    }
  }

  @Override
  public Set<String> getSupportedOptions() {
    return Set.of(RUST_EDITION_OPTION);
  }

  @Override
  public Set<String> getSupportedAnnotationTypes() {
    return Set.of(HostImports.class.getCanonicalName(), PluginExports.class.getCanonicalName());
  }

  @Override
  public SourceVersion getSupportedSourceVersion() {
    return SourceVersion.latestSupported();
  }

  @Override
  public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
    try {
      for (Step step : STEPS) {
        process(step, round);
      }
      if (round.processingOver()) {
        reportUnresolved();
      }
    } catch (Throwable t) { // javac must never see a processor crash
      messager.printMessage(
          Diagnostic.Kind.ERROR,
          "The Terrarium annotation processor failed unexpectedly. This is a bug in abi-codegen; please report it"
              + " with this trace:\n" + trace(t));
    }
    return true; // these annotations are Terrarium's own
  }

  private void process(Step step, RoundEnvironment round) {
    TypeElement annotation = processingEnv.getElementUtils().getTypeElement(step.annotation().getCanonicalName());
    Map<String, String> waiting = deferred.computeIfAbsent(step.kind(), k -> new LinkedHashMap<>());
    List<Element> todo = new ArrayList<>();
    for (String name : List.copyOf(waiting.keySet())) {
      TypeElement e = processingEnv.getElementUtils().getTypeElement(name);
      if (e != null) {
        todo.add(e);
      }
    }
    waiting.clear();
    if (annotation != null) {
      todo.addAll(round.getElementsAnnotatedWith(annotation));
    }
    for (Element element : todo) {
      process(step, element, annotation);
    }
  }

  private void process(Step step, Element element, TypeElement annotation) {
    if (!(element instanceof TypeElement type)) {
      return; // the annotations target types only; javac reports anything else
    }
    String name = type.getQualifiedName().toString();
    if (!done.computeIfAbsent(step.kind(), k -> new HashSet<>()).add(name)) {
      return;
    }
    try {
      AnnotationMirror mirror = mirror(type, annotation);
      Optional<Analyzer.Result> result = new Analyzer(processingEnv, type, step.kind(), mirror).analyze();
      result.ifPresent(r -> write(type, r));
    } catch (Analyzer.Deferred d) {
      done.get(step.kind()).remove(name);
      deferred.get(step.kind()).put(name, d.type());
    } catch (RuntimeException | LinkageError | AssertionError e) {
      messager.printMessage(
          Diagnostic.Kind.ERROR,
          "The Terrarium annotation processor failed on " + name + ". This is a bug in abi-codegen; please report"
              + " it with this trace:\n" + trace(e),
          type);
    }
  }

  private static AnnotationMirror mirror(TypeElement type, TypeElement annotation) {
    for (AnnotationMirror m : type.getAnnotationMirrors()) {
      if (m.getAnnotationType().asElement().equals(annotation)) {
        return m;
      }
    }
    throw new IllegalStateException(type + " is not annotated with " + annotation);
  }

  private void reportUnresolved() {
    for (Map<String, String> waiting : deferred.values()) {
      for (Map.Entry<String, String> e : waiting.entrySet()) {
        TypeElement type = processingEnv.getElementUtils().getTypeElement(e.getKey());
        messager.printMessage(
            Diagnostic.Kind.ERROR,
            "Terrarium cannot generate bindings for " + e.getKey() + " because the type " + e.getValue()
                + " it uses could not be resolved. Check its name and imports",
            type);
      }
      waiting.clear();
    }
  }

  // --- writing ------------------------------------------------------------------------------------

  private void write(TypeElement type, Analyzer.Result result) {
    InterfaceModel model = result.model();
    try {
      JavaWriter.write(model, result.java()).writeTo(filer);
    } catch (IOException e) {
      messager.printMessage(
          Diagnostic.Kind.ERROR,
          "Terrarium could not write " + model.generatedJavaName() + ".java: " + e.getMessage(),
          type);
      return;
    }
    resource(type, DESCRIPTOR_DIR + model.qualifiedName() + ".json", model, DescriptorWriter::write);
    String guest = model.guestFileName();
    String previous = guestFiles.putIfAbsent(guest, model.qualifiedName());
    if (previous != null && !previous.equals(model.qualifiedName())) {
      messager.printMessage(
          Diagnostic.Kind.ERROR,
          "interfaces " + previous + " and " + model.qualifiedName() + " would both write the guest bindings "
              + GUEST_DIR + guest + ".h, .rs and .ts. Rename one of them",
          type);
      return;
    }
    resource(type, GUEST_DIR + guest + ".h", model, CHeaderWriter::write);
    if (rustEdition != null) {
      String edition = rustEdition;
      resource(type, GUEST_DIR + guest + ".rs", model, m -> RustWriter.write(m, edition));
    }
    resource(type, GUEST_DIR + guest + ".ts", model, AssemblyScriptWriter::write);
    if (model.kind() == Kind.PLUGIN_EXPORTS) {
      // <guest>_exports.ts is also the .ts of an interface whose file name is <guest>_exports
      String other = guestFiles.putIfAbsent(guest + "_exports", model.qualifiedName());
      if (other != null && !other.equals(model.qualifiedName())) {
        messager.printMessage(
            Diagnostic.Kind.ERROR,
            "interfaces " + other + " and " + model.qualifiedName() + " would both write the guest binding "
                + GUEST_DIR + guest + "_exports.ts. Rename one of them",
            type);
        return;
      }
      resource(type, GUEST_DIR + guest + "_exports.ts", model, AssemblyScriptWriter::writeExports);
    }
  }

  /** Writes a resource to the class output, unless the writer has nothing to say. */
  private void resource(
      TypeElement type, String path, InterfaceModel model, Function<InterfaceModel, String> writer) {
    String text;
    try {
      text = writer.apply(model);
    } catch (RuntimeException e) {
      messager.printMessage(
          Diagnostic.Kind.ERROR,
          "Terrarium failed to generate " + path + ". This is a bug in abi-codegen; please report it with this"
              + " trace:\n" + trace(e),
          type);
      return;
    }
    if (text == null || text.isEmpty()) {
      return;
    }
    try {
      FileObject file = filer.createResource(StandardLocation.CLASS_OUTPUT, "", path, type);
      try (Writer out = new java.io.OutputStreamWriter(file.openOutputStream(), StandardCharsets.UTF_8)) {
        out.write(text);
      }
    } catch (IOException e) {
      messager.printMessage(
          Diagnostic.Kind.ERROR, "Terrarium could not write " + path + ": " + e.getMessage(), type);
    }
  }

  private static String trace(Throwable t) {
    StringWriter out = new StringWriter();
    t.printStackTrace(new PrintWriter(out));
    return out.toString();
  }
}
