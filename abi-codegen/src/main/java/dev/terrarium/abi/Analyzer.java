package dev.terrarium.abi;

import com.palantir.javapoet.ClassName;
import dev.terrarium.abi.java.JavaTypes;
import dev.terrarium.abi.model.AbiType;
import dev.terrarium.abi.model.EnumModel;
import dev.terrarium.abi.model.FunctionModel;
import dev.terrarium.abi.model.InterfaceModel;
import dev.terrarium.abi.model.InterfaceModel.Kind;
import dev.terrarium.abi.model.Names;
import dev.terrarium.abi.model.ParamModel;
import dev.terrarium.abi.model.RecordModel;
import dev.terrarium.api.HostImports;
import dev.terrarium.api.PluginError;
import dev.terrarium.api.PluginExports;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.annotation.processing.Messager;
import javax.annotation.processing.ProcessingEnvironment;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.PackageElement;
import javax.lang.model.element.RecordComponentElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.DeclaredType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import javax.lang.model.util.ElementFilter;
import javax.lang.model.util.Elements;
import javax.lang.model.util.Types;
import javax.tools.Diagnostic;

/**
 * Analyses one annotated interface into an {@link InterfaceModel}, reporting every misuse as a compile error on
 * the element at fault. Writers run only on a model that was built without errors. One instance serves one
 * interface.
 */
final class Analyzer {
  /** Thrown when a type the interface uses is not resolved yet (it may be generated in a later round). */
  static final class Deferred extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Deferred(String type) {
      super(type, null, false, false);
    }

    String type() {
      return getMessage();
    }
  }

  /** A successful analysis. */
  record Result(InterfaceModel model, JavaTypes java) {}

  static final String SUPPORTED =
      "Supported types: int, long, float, double, boolean, String, byte[], enums, records (of supported types),"
          + " List<T> of any supported type except Optional (numbers boxed, e.g. List<Integer>), and Optional<T>"
          + " of String, byte[], a List or a record";

  /** Export names that the ABI itself uses (docs/abi.md, section 3) or that WASI gives a meaning to. */
  static final Set<String> RESERVED_EXPORTS = Set.of("memory", "alloc", "dealloc", "_start", "_initialize");

  private static final Pattern MODULE_NAME = Pattern.compile("[A-Za-z0-9_.:-]+");
  private static final Pattern PREFIX = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern GUEST_NAME = Pattern.compile("[a-z_][a-z0-9_]*");

  /** Where a type appears; decides which types are allowed. */
  private enum Use {
    PARAMETER,
    RESULT,
    FIELD,
    ELEMENT,
    OPTIONAL
  }

  private final Elements elements;
  private final Types types;
  private final Messager messager;
  private final TypeElement iface;
  private final Kind kind;
  private final AnnotationMirror annotation;
  private final PackageElement pkg;

  private final TypeElement stringType;
  private final TypeElement listType;
  private final TypeElement optionalType;
  private final TypeElement pluginErrorType;
  private final TypeMirror runtimeException;
  private final TypeMirror error;
  private final Map<TypeElement, AbiType.PrimitiveKind> boxes = new HashMap<>();
  private final Set<TypeElement> narrowBoxes = new HashSet<>();

  private boolean failed;
  private final Map<TypeElement, RecordModel> records = new LinkedHashMap<>();
  private final Set<TypeElement> failedRecords = new HashSet<>();
  private final List<TypeElement> recordsInProgress = new ArrayList<>();
  private final Map<TypeElement, EnumModel> enums = new LinkedHashMap<>();
  private final Map<String, ClassName> classes = new HashMap<>();
  private boolean deprecated;

  Analyzer(ProcessingEnvironment env, TypeElement iface, Kind kind, AnnotationMirror annotation) {
    this.elements = env.getElementUtils();
    this.types = env.getTypeUtils();
    this.messager = env.getMessager();
    this.iface = iface;
    this.kind = kind;
    this.annotation = annotation;
    this.pkg = elements.getPackageOf(iface);
    this.stringType = type(String.class);
    this.listType = type(List.class);
    this.optionalType = type(Optional.class);
    this.pluginErrorType = type(PluginError.class);
    this.runtimeException = type(RuntimeException.class).asType();
    this.error = type(Error.class).asType();
    boxes.put(type(Integer.class), AbiType.PrimitiveKind.INT);
    boxes.put(type(Long.class), AbiType.PrimitiveKind.LONG);
    boxes.put(type(Float.class), AbiType.PrimitiveKind.FLOAT);
    boxes.put(type(Double.class), AbiType.PrimitiveKind.DOUBLE);
    boxes.put(type(Boolean.class), AbiType.PrimitiveKind.BOOLEAN);
    narrowBoxes.add(type(Byte.class));
    narrowBoxes.add(type(Short.class));
    narrowBoxes.add(type(Character.class));
  }

  private TypeElement type(Class<?> c) {
    TypeElement t = elements.getTypeElement(c.getCanonicalName());
    if (t == null) {
      throw new IllegalStateException(c.getCanonicalName() + " is not on the compile classpath");
    }
    return t;
  }

  /** Returns the model, or empty when errors were reported. Throws {@link Deferred} when a type is unresolved. */
  Optional<Result> analyze() {
    String annotationName = "@" + annotationSimpleName();
    if (iface.getKind() != ElementKind.INTERFACE) {
      error(
          iface,
          annotation,
          null,
          annotationName + " applies only to interfaces, but " + iface.getSimpleName() + " is "
              + article(iface.getKind()) + ". Declare " + iface.getSimpleName() + " as an interface whose methods are"
              + " the functions that cross the boundary");
      return Optional.empty();
    }
    checkBothAnnotations();
    checkAccessible(iface);
    if (!iface.getTypeParameters().isEmpty()) {
      error(
          iface,
          "interface " + iface.getSimpleName() + " is generic, but wasm functions have fixed types. Remove the type"
              + " parameters " + iface.getTypeParameters() + " and use concrete types");
    }
    if (!iface.getInterfaces().isEmpty()) {
      error(
          iface,
          "interface " + iface.getSimpleName() + " extends " + iface.getInterfaces() + ", but only the methods"
              + " declared in the annotated interface itself become functions. Declare every function in "
              + iface.getSimpleName() + " and remove the extends clause");
    }
    String module = kind == Kind.HOST_IMPORTS ? checkModule() : null;
    String prefix = kind == Kind.PLUGIN_EXPORTS ? checkPrefix() : "";
    int version = kind == Kind.PLUGIN_EXPORTS ? checkVersion() : 1;
    if (isDeprecated(iface)) {
      deprecated = true;
    }

    List<FunctionModel> functions = new ArrayList<>();
    Set<String> varargs = new HashSet<>();
    Set<String> deprecatedMethods = new HashSet<>();
    Map<String, ExecutableElement> byJavaName = new HashMap<>();
    Map<String, ExecutableElement> byWasmName = new HashMap<>();
    for (ExecutableElement method : ElementFilter.methodsIn(iface.getEnclosedElements())) {
      Set<Modifier> modifiers = method.getModifiers();
      if (modifiers.contains(Modifier.STATIC) || modifiers.contains(Modifier.PRIVATE)) {
        continue; // helpers, not functions
      }
      String javaName = method.getSimpleName().toString();
      boolean optional = modifiers.contains(Modifier.DEFAULT);
      if (optional && kind == Kind.HOST_IMPORTS) {
        error(
            method,
            "default method " + javaName + " cannot be a function: the host implements every method of host"
                + " imports, so its body would never run. Make it abstract (remove the body), or make it a static"
                + " helper (static methods are not part of the ABI and are ignored)");
        continue;
      }
      ExecutableElement previous = byJavaName.putIfAbsent(javaName, method);
      if (previous != null) {
        error(
            method,
            "method " + javaName + " is overloaded, but wasm functions are identified by name only. Give each"
                + " overload of " + javaName + " its own name");
        continue;
      }
      String snake = Names.snakeCase(javaName);
      String wasmName = prefix + snake;
      if (!GUEST_NAME.matcher(snake).matches()) {
        error(
            method,
            "method " + javaName + " maps to the wasm name '" + wasmName + "', which C and Rust cannot use as an"
                + " identifier. Rename the method using only ASCII letters and digits");
        continue;
      }
      ExecutableElement clash = byWasmName.putIfAbsent(wasmName, method);
      if (clash != null) {
        error(
            method,
            "methods " + clash.getSimpleName() + " and " + javaName + " both map to the wasm name '" + wasmName
                + "' (names are converted to snake_case). Rename one of them");
        continue;
      }
      if (kind == Kind.PLUGIN_EXPORTS && RESERVED_EXPORTS.contains(wasmName)) {
        error(
            method,
            "method " + javaName + " would be exported as '" + wasmName + "', a name the ABI reserves for the"
                + " guest's own exports (memory, alloc, dealloc, _start, _initialize; see docs/abi.md). Rename it,"
                + " or set a prefix with @PluginExports(prefix = \"...\")");
        continue;
      }
      FunctionModel function = function(method, javaName, wasmName, optional);
      if (function != null) {
        functions.add(function);
        if (method.isVarArgs()) {
          varargs.add(javaName);
        }
        if (isDeprecated(method)) {
          deprecatedMethods.add(javaName);
          deprecated = true;
        }
      }
    }
    checkGuestTypeNames();
    if (failed) {
      return Optional.empty();
    }

    String packageName = pkg.isUnnamed() ? "" : pkg.getQualifiedName().toString();
    String binary = elements.getBinaryName(iface).toString();
    String nested = (packageName.isEmpty() ? binary : binary.substring(packageName.length() + 1)).replace('$', '_');
    InterfaceModel model =
        new InterfaceModel(
            kind,
            packageName,
            iface.getSimpleName().toString(),
            nested,
            iface.getQualifiedName().toString(),
            module,
            prefix,
            functions,
            List.copyOf(records.values()),
            List.copyOf(enums.values()),
            version);
    List<Element> originating = new ArrayList<>();
    originating.add(iface);
    originating.addAll(records.keySet());
    originating.addAll(enums.keySet());
    JavaTypes java =
        new JavaTypes(
            iface,
            ClassName.get(iface),
            classes,
            varargs,
            deprecated,
            deprecatedMethods,
            originating,
            generatedVisible(iface));
    return Optional.of(new Result(model, java));
  }

  /**
   * Whether generated code next to {@code iface} can use {@code javax.annotation.processing.Generated}: it exists,
   * and the interface's module (when it has one) reads {@code java.compiler}, directly or through a chain of
   * {@code requires transitive}. A modular application need not require {@code java.compiler} for Terrarium.
   */
  private boolean generatedVisible(Element iface) {
    if (elements.getTypeElement("javax.annotation.processing.Generated") == null) {
      return false;
    }
    javax.lang.model.element.ModuleElement module = elements.getModuleOf(iface);
    return module == null || module.isUnnamed() || reads(module, "java.compiler", new java.util.HashSet<>(), true);
  }

  private static boolean reads(
      javax.lang.model.element.ModuleElement module, String target, java.util.Set<String> seen, boolean direct) {
    if (!seen.add(module.getQualifiedName().toString() + direct)) {
      return false;
    }
    for (var d : javax.lang.model.util.ElementFilter.requiresIn(module.getDirectives())) {
      if (!direct && !d.isTransitive()) {
        continue;
      }
      javax.lang.model.element.ModuleElement dependency = d.getDependency();
      if (dependency.getQualifiedName().contentEquals(target) || reads(dependency, target, seen, false)) {
        return true;
      }
    }
    return false;
  }

  private String annotationSimpleName() {
    return kind == Kind.HOST_IMPORTS ? HostImports.class.getSimpleName() : PluginExports.class.getSimpleName();
  }

  private static String article(ElementKind kind) {
    return switch (kind) {
      case CLASS -> "a class";
      case ENUM -> "an enum";
      case RECORD -> "a record";
      case ANNOTATION_TYPE -> "an annotation interface";
      default -> "a " + kind.name().toLowerCase(java.util.Locale.ROOT);
    };
  }

  // --- the interface ------------------------------------------------------------------------------

  private void checkBothAnnotations() {
    TypeElement other =
        elements.getTypeElement(
            (kind == Kind.PLUGIN_EXPORTS ? HostImports.class : PluginExports.class).getCanonicalName());
    for (AnnotationMirror m : iface.getAnnotationMirrors()) {
      if (!m.getAnnotationType().asElement().equals(other)) {
        continue;
      }
      if (kind == Kind.HOST_IMPORTS) {
        failed = true; // generate nothing; the @PluginExports step reports it, once
      } else {
        error(
            iface,
            annotation,
            null,
            "interface " + iface.getSimpleName() + " is annotated with both @HostImports and @PluginExports, but an"
                + " interface is implemented either by the host or by the plugin. Split it into two interfaces");
      }
    }
  }

  /** The generated class lives in the interface's package: the interface (and its enclosing types) must be visible. */
  private void checkAccessible(TypeElement type) {
    String problem = accessProblem(type);
    if (problem != null) {
      error(
          type,
          "interface " + type.getSimpleName() + " " + problem + ", so the generated "
              + (kind == Kind.HOST_IMPORTS ? "TerrariumImports_" : "TerrariumExports_") + " class cannot use it."
              + " Make it (and the types enclosing it) public or package-private");
    }
  }

  /** Returns why generated code in the interface's package cannot name {@code type}, or null when it can. */
  private String accessProblem(TypeElement type) {
    Element e = type;
    while (e instanceof TypeElement t) {
      Element enclosing = t.getEnclosingElement();
      if (!(enclosing instanceof TypeElement) && !(enclosing instanceof PackageElement)) {
        return "is declared locally, inside " + enclosing.getSimpleName();
      }
      if (t.getModifiers().contains(Modifier.PRIVATE)) {
        return t == type ? "is private" : "is nested in the private type " + t.getSimpleName();
      }
      if (!t.getModifiers().contains(Modifier.PUBLIC) && !elements.getPackageOf(t).equals(pkg)) {
        return (t == type ? "is not public" : "is nested in the non-public type " + t.getSimpleName())
            + " and lies in package " + elements.getPackageOf(t).getQualifiedName() + ", not in "
            + (pkg.isUnnamed() ? "the unnamed package" : pkg.getQualifiedName());
      }
      e = enclosing;
    }
    return null;
  }

  private String checkModule() {
    AnnotationValue value = annotationValue("value");
    Object module = value == null ? null : value.getValue();
    if (!(module instanceof String name)) {
      error(iface, annotation, value, "@HostImports needs the wasm import module as a string constant, e.g. @HostImports(\"kv\")");
      return "";
    }
    if (name.isBlank()) {
      error(
          iface,
          annotation,
          value,
          "@HostImports needs a wasm import module name, but it is blank. Name the module guests import these"
              + " functions from, e.g. @HostImports(\"kv\")");
    } else if (name.startsWith("wasi")) {
      error(
          iface,
          annotation,
          value,
          "@HostImports module '" + name + "' starts with 'wasi', which is reserved for WASI. Choose another module"
              + " name, e.g. @HostImports(\"kv\")");
    } else if (!MODULE_NAME.matcher(name).matches()) {
      error(
          iface,
          annotation,
          value,
          "@HostImports module '" + name + "' contains characters that C and Rust bindings cannot quote safely. Use"
              + " only ASCII letters, digits, '_', '.', ':' and '-', e.g. @HostImports(\"kv\")");
    }
    return name;
  }

  private String checkPrefix() {
    AnnotationValue value = annotationValue("prefix");
    Object prefix = value == null ? "" : value.getValue();
    if (!(prefix instanceof String p)) {
      error(iface, annotation, value, "@PluginExports(prefix = ...) must be a string constant");
      return "";
    }
    if (!p.isEmpty() && !PREFIX.matcher(p).matches()) {
      error(
          iface,
          annotation,
          value,
          "@PluginExports prefix '" + p + "' is not a valid C and Rust identifier prefix. Use only ASCII letters,"
              + " digits and '_', not starting with a digit, e.g. prefix = \"greeter_\"");
    }
    return p;
  }

  private int checkVersion() {
    AnnotationValue value = annotationValue("version");
    Object version = value == null ? 1 : value.getValue();
    if (!(version instanceof Integer v) || v < 1) {
      error(
          iface,
          annotation,
          value,
          "@PluginExports version " + version + " is not a version: start at 1 (the default) and raise it when the"
              + " interface grows, e.g. version = 2");
      return 1;
    }
    return v;
  }

  private AnnotationValue annotationValue(String name) {
    for (Map.Entry<? extends ExecutableElement, ? extends AnnotationValue> e :
        elements.getElementValuesWithDefaults(annotation).entrySet()) {
      if (e.getKey().getSimpleName().contentEquals(name)) {
        return e.getValue();
      }
    }
    return null;
  }

  // --- functions ----------------------------------------------------------------------------------

  private FunctionModel function(ExecutableElement method, String javaName, String wasmName, boolean optional) {
    boolean ok = true;
    String where = iface.getSimpleName() + "." + javaName;
    if (!method.getTypeParameters().isEmpty()) {
      error(
          method,
          "method " + javaName + " is generic, but wasm functions have fixed types. Remove the type parameters "
              + method.getTypeParameters() + " and use concrete types");
      ok = false;
    }
    boolean fallible = false;
    for (TypeMirror thrown : method.getThrownTypes()) {
      checkResolved(thrown);
      Element thrownElement = types.asElement(thrown);
      if (thrownElement != null && thrownElement.equals(pluginErrorType)) {
        fallible = true;
      } else if (types.isSubtype(thrown, runtimeException) || types.isSubtype(thrown, error)) {
        continue; // unchecked: documentation only
      } else if (types.isSubtype(thrown, pluginErrorType.asType())) {
        error(
            method,
            "method " + javaName + " declares throws " + thrown + ", a subclass of PluginError, but only a code and a"
                + " message cross the boundary, so the other side can only recreate PluginError itself. Declare"
                + " throws PluginError");
        ok = false;
      } else {
        error(
            method,
            "method " + javaName + " declares the checked exception " + thrown + ", which cannot cross the"
                + " boundary. Declare only throws PluginError (its code and message reach the other side); handle "
                + thrown + " inside the implementation or convert it to a PluginError");
        ok = false;
      }
    }

    List<ParamModel> params = new ArrayList<>();
    Map<String, VariableElement> byWasmName = new HashMap<>();
    for (VariableElement p : method.getParameters()) {
      String name = p.getSimpleName().toString();
      AbiType type = type(p.asType(), Use.PARAMETER, p, "parameter " + name + " of " + where);
      if (type == null) {
        ok = false;
        continue;
      }
      String snake = Names.snakeCase(name);
      if (!GUEST_NAME.matcher(snake).matches()) {
        error(
            p,
            "parameter " + name + " of " + where + " maps to '" + snake + "', which C and Rust cannot use as an"
                + " identifier. Rename it using only ASCII letters and digits");
        ok = false;
        continue;
      }
      VariableElement clash = byWasmName.putIfAbsent(snake, p);
      if (clash != null) {
        error(
            p,
            "parameters " + clash.getSimpleName() + " and " + name + " of " + where + " both map to '" + snake
                + "' in C and Rust (names are converted to snake_case). Rename one of them");
        ok = false;
        continue;
      }
      params.add(new ParamModel(name, snake, type));
    }

    AbiType result;
    if (method.getReturnType().getKind() == TypeKind.VOID) {
      result = new AbiType.Void();
    } else {
      result = type(method.getReturnType(), Use.RESULT, method, "the result of " + where);
      if (result == null) {
        ok = false;
      }
    }
    return ok ? new FunctionModel(javaName, wasmName, params, result, fallible, optional) : null;
  }

  // --- types --------------------------------------------------------------------------------------

  private void checkResolved(TypeMirror type) {
    if (type.getKind() == TypeKind.ERROR) {
      throw new Deferred(type.toString());
    }
  }

  /** Maps a Java type to its ABI type, or reports an error on {@code at} and returns null. */
  private AbiType type(TypeMirror type, Use use, Element at, String where) {
    checkResolved(type);
    switch (type.getKind()) {
      case INT:
        return new AbiType.Primitive(AbiType.PrimitiveKind.INT);
      case LONG:
        return new AbiType.Primitive(AbiType.PrimitiveKind.LONG);
      case FLOAT:
        return new AbiType.Primitive(AbiType.PrimitiveKind.FLOAT);
      case DOUBLE:
        return new AbiType.Primitive(AbiType.PrimitiveKind.DOUBLE);
      case BOOLEAN:
        return new AbiType.Primitive(AbiType.PrimitiveKind.BOOLEAN);
      case BYTE:
        return unsupported(type, at, where, "use int for a number, or byte[] for binary data");
      case SHORT:
        return unsupported(type, at, where, "use int");
      case CHAR:
        return unsupported(type, at, where, "use int for a code point, or String for text");
      case VOID:
        return unsupported(type, at, where, "void is allowed only as a method's result");
      case ARRAY:
        TypeMirror component = ((ArrayType) type).getComponentType();
        checkResolved(component);
        if (component.getKind() == TypeKind.BYTE) {
          return new AbiType.Bytes();
        }
        return unsupported(
            type, at, where, "byte[] is the only array type; use a List instead, e.g. List<" + boxedName(component) + ">");
      case DECLARED:
        return declared((DeclaredType) type, use, at, where);
      case TYPEVAR:
        return unsupported(type, at, where, "type variables cannot cross the boundary; use a concrete type");
      case WILDCARD:
        return unsupported(type, at, where, "wildcards cannot cross the boundary; use a concrete type");
      default:
        return unsupported(type, at, where, "it is not an ABI type");
    }
  }

  private String boxedName(TypeMirror component) {
    if (component.getKind().isPrimitive()) {
      return types.boxedClass((javax.lang.model.type.PrimitiveType) component).getSimpleName().toString();
    }
    Element element = types.asElement(component);
    return element == null ? component.toString() : element.getSimpleName().toString();
  }

  private AbiType declared(DeclaredType type, Use use, Element at, String where) {
    TypeElement element = (TypeElement) type.asElement();
    if (element.equals(stringType)) {
      return new AbiType.Str();
    }
    if (element.equals(listType)) {
      return list(type, use, at, where);
    }
    if (element.equals(optionalType)) {
      return optional(type, use, at, where);
    }
    AbiType.PrimitiveKind boxed = boxes.get(element);
    if (boxed != null) {
      if (use == Use.ELEMENT) {
        return new AbiType.Primitive(boxed);
      }
      if (use == Use.OPTIONAL) {
        return unsupported(
            type,
            at,
            where,
            "Optional may hold only String, byte[], a List or a record; for an optional number use a record with"
                + " the number and a boolean, or a value that means 'none'");
      }
      return unsupported(
          type,
          at,
          where,
          "use " + boxed.name().toLowerCase(java.util.Locale.ROOT) + " (values crossing the boundary are never null;"
              + " boxed numbers are allowed only as list elements, e.g. List<" + element.getSimpleName() + ">)");
    }
    if (narrowBoxes.contains(element)) {
      return unsupported(type, at, where, "use int (or List<Integer> for a list of numbers, byte[] for bytes)");
    }
    if (element.getKind() == ElementKind.RECORD) {
      RecordModel model = record(element, at, where);
      return model == null ? null : new AbiType.RecordType(model);
    }
    if (element.getKind() == ElementKind.ENUM) {
      if (use == Use.OPTIONAL) {
        return unsupported(
            type,
            at,
            where,
            "Optional may hold only String, byte[], a List or a record; for an optional enum add a constant that"
                + " means 'none'");
      }
      EnumModel model = enumModel(element, at, where);
      return model == null ? null : new AbiType.EnumType(model);
    }
    String hint;
    if (types.isAssignable(types.erasure(type), types.erasure(elements.getTypeElement("java.util.Map").asType()))) {
      hint = "use a List of records instead, e.g. List<Entry> with record Entry(String key, String value)";
    } else if (types.isAssignable(
        types.erasure(type), types.erasure(elements.getTypeElement("java.util.Collection").asType()))) {
      hint = "use List<T>";
    } else {
      hint = "it is not an ABI type";
    }
    return unsupported(type, at, where, hint);
  }

  private TypeMirror onlyTypeArgument(DeclaredType type, Element at, String where, String example) {
    List<? extends TypeMirror> args = type.getTypeArguments();
    if (args.isEmpty()) {
      unsupported(type, at, where, "it is a raw type; declare its element type, e.g. " + example);
      return null;
    }
    TypeMirror arg = args.get(0);
    checkResolved(arg);
    if (arg.getKind() == TypeKind.WILDCARD) {
      unsupported(type, at, where, "wildcards cannot cross the boundary; use a concrete type, e.g. " + example);
      return null;
    }
    return arg;
  }

  private AbiType list(DeclaredType type, Use use, Element at, String where) {
    TypeMirror arg = onlyTypeArgument(type, at, where, "List<String>");
    if (arg == null) {
      return null;
    }
    if (arg.getKind() == TypeKind.DECLARED && types.asElement(arg).equals(optionalType)) {
      return unsupported(
          type,
          at,
          where,
          "list elements cannot be absent, so List<Optional<...>> has no encoding. Leave the empty values out, or"
              + " use a list of records with an Optional component");
    }
    AbiType element = type(arg, Use.ELEMENT, at, where);
    return element == null ? null : new AbiType.ListType(element);
  }

  private AbiType optional(DeclaredType type, Use use, Element at, String where) {
    if (use == Use.ELEMENT) {
      return unsupported(
          type,
          at,
          where,
          "list elements cannot be absent. Leave the empty values out, or use a list of records with an Optional"
              + " component");
    }
    if (use == Use.OPTIONAL) {
      return unsupported(type, at, where, "an Optional cannot hold another Optional; use a single Optional");
    }
    TypeMirror arg = onlyTypeArgument(type, at, where, "Optional<String>");
    if (arg == null) {
      return null;
    }
    if (arg.getKind() == TypeKind.DECLARED && types.asElement(arg).equals(optionalType)) {
      return unsupported(type, at, where, "an Optional cannot hold another Optional; use a single Optional");
    }
    AbiType inner = type(arg, Use.OPTIONAL, at, where);
    if (inner == null) {
      return null;
    }
    if (!(inner instanceof AbiType.Pair) && !(inner instanceof AbiType.RecordType)) {
      return unsupported(type, at, where, "Optional may hold only String, byte[], a List or a record");
    }
    return new AbiType.OptionalType(inner);
  }

  private AbiType unsupported(TypeMirror type, Element at, String where, String hint) {
    error(at, "unsupported type " + type + " for " + where + ": " + hint + ". " + SUPPORTED);
    return null;
  }

  // --- records and enums --------------------------------------------------------------------------

  private RecordModel record(TypeElement record, Element at, String where) {
    RecordModel done = records.get(record);
    if (done != null) {
      return done;
    }
    if (failedRecords.contains(record)) {
      failed = true;
      return null;
    }
    int cycleStart = recordsInProgress.indexOf(record);
    if (cycleStart >= 0) {
      List<TypeElement> cycle = recordsInProgress.subList(cycleStart, recordsInProgress.size());
      String path =
          cycle.stream().map(t -> t.getSimpleName().toString()).collect(Collectors.joining(" → "))
              + " → " + record.getSimpleName();
      error(
          at,
          "record " + record.getSimpleName() + " contains itself (" + path + "), through " + where + ". Records cross"
              + " the boundary as C structs, and the generated bindings do not support recursive records, not even"
              + " through a List or an Optional. Break the cycle, e.g. keep the items in one List and refer to"
              + " them by index or key");
      failedRecords.addAll(cycle);
      return null;
    }
    String name = record.getSimpleName().toString();
    if (!record.getTypeParameters().isEmpty()) {
      error(
          at,
          "record " + name + " used by " + where + " is generic, but structs have fixed layouts. Declare a"
              + " non-generic record with concrete component types");
      failedRecords.add(record);
      return null;
    }
    String access = accessProblem(record);
    if (access != null) {
      error(
          at,
          "record " + name + " used by " + where + " " + access + ", so generated code in "
              + (pkg.isUnnamed() ? "the unnamed package" : "package " + pkg.getQualifiedName())
              + " cannot construct or read it. Make it public, or move it to the same package as "
              + iface.getSimpleName());
      failedRecords.add(record);
      return null;
    }
    if (record.getRecordComponents().isEmpty()) {
      error(
          at,
          "record " + name + " used by " + where + " has no components, and an empty struct cannot be passed (it"
              + " would have size 0). Add a component, or drop the record from the signature");
      failedRecords.add(record);
      return null;
    }

    recordsInProgress.add(record);
    boolean ok = true;
    List<RecordModel.Component> components = new ArrayList<>();
    Map<String, Element> bySnake = new HashMap<>();
    try {
      for (RecordComponentElement component : record.getRecordComponents()) {
        Element c = site(component);
        String cname = component.getSimpleName().toString();
        AbiType type = type(component.asType(), Use.FIELD, c, "component " + cname + " of record " + name);
        if (type == null) {
          ok = false;
          continue;
        }
        String snake = Names.snakeCase(cname);
        if (!GUEST_NAME.matcher(snake).matches()) {
          error(
              c,
              "component " + cname + " of record " + name + " maps to the field name '" + snake + "', which C and"
                  + " Rust cannot use. Rename it using only ASCII letters and digits");
          ok = false;
          continue;
        }
        Element clash = bySnake.putIfAbsent(snake, c);
        if (clash != null) {
          error(
              c,
              "components " + clash.getSimpleName() + " and " + cname + " of record " + name + " both map to the"
                  + " field name '" + snake + "' (names are converted to snake_case). Rename one of them");
          ok = false;
          continue;
        }
        components.add(new RecordModel.Component(cname, type));
      }
    } finally {
      recordsInProgress.remove(recordsInProgress.size() - 1);
    }
    if (!ok || failedRecords.contains(record)) {
      failedRecords.add(record);
      failed = true;
      return null;
    }
    RecordModel model = RecordModel.layout(record.getQualifiedName().toString(), name, components);
    records.put(record, model); // after its components: dependencies first
    classes.put(model.qualifiedName(), ClassName.get(record));
    if (isDeprecated(record)) {
      deprecated = true;
    }
    return model;
  }

  private EnumModel enumModel(TypeElement type, Element at, String where) {
    EnumModel done = enums.get(type);
    if (done != null) {
      return done;
    }
    String access = accessProblem(type);
    if (access != null) {
      error(
          at,
          "enum " + type.getSimpleName() + " used by " + where + " " + access + ", so generated code in "
              + (pkg.isUnnamed() ? "the unnamed package" : "package " + pkg.getQualifiedName())
              + " cannot use it. Make it public, or move it to the same package as " + iface.getSimpleName());
      return null;
    }
    List<String> constants = new ArrayList<>();
    Set<String> snakes = new HashSet<>();
    for (Element e : type.getEnclosedElements()) {
      if (e.getKind() == ElementKind.ENUM_CONSTANT) {
        String constant = e.getSimpleName().toString();
        String snake = Names.snakeCase(constant);
        if (!GUEST_NAME.matcher(snake).matches() || !snakes.add(snake)) {
          error(
              e,
              "enum constant " + constant + " of " + type.getSimpleName() + " cannot be named in C and Rust (it"
                  + " must be unique and use only ASCII letters, digits and '_'). Rename it");
          return null;
        }
        constants.add(constant);
      }
    }
    EnumModel model = new EnumModel(type.getQualifiedName().toString(), type.getSimpleName().toString(), constants);
    enums.put(type, model);
    classes.put(model.qualifiedName(), ClassName.get(type));
    if (isDeprecated(type)) {
      deprecated = true;
    }
    return model;
  }

  /**
   * The element to report a record component's errors on. javac (17) attaches no source position to diagnostics
   * on a {@link RecordComponentElement}, so use the record's private field of the same name, which it declares at
   * the component; failing that, the record.
   */
  private static Element site(RecordComponentElement component) {
    for (VariableElement field : ElementFilter.fieldsIn(component.getEnclosingElement().getEnclosedElements())) {
      if (field.getSimpleName().equals(component.getSimpleName())) {
        return field;
      }
    }
    return component.getEnclosingElement();
  }

  /** Records and enums become named types in C and Rust: two with the same name would collide there. */
  private void checkGuestTypeNames() {
    Map<String, String> seen = new HashMap<>();
    List<String[]> named = new ArrayList<>();
    records.values().forEach(r -> named.add(new String[] {r.simpleName(), r.qualifiedName()}));
    enums.values().forEach(e -> named.add(new String[] {e.simpleName(), e.qualifiedName()}));
    for (String[] n : named) {
      String previous = seen.putIfAbsent(Names.snakeCase(n[0]), n[1]);
      if (previous != null) {
        error(
            iface,
            "interface " + iface.getSimpleName() + " uses both " + previous + " and " + n[1] + ", which would get the"
                + " same type name in the C and Rust bindings. Rename one of them");
      }
    }
  }

  // --- diagnostics --------------------------------------------------------------------------------

  private boolean isDeprecated(Element e) {
    return elements.isDeprecated(e);
  }

  private void error(Element element, String message) {
    failed = true;
    messager.printMessage(Diagnostic.Kind.ERROR, message, element);
  }

  private void error(Element element, AnnotationMirror mirror, AnnotationValue value, String message) {
    failed = true;
    if (value != null) {
      messager.printMessage(Diagnostic.Kind.ERROR, message, element, mirror, value);
    } else {
      messager.printMessage(Diagnostic.Kind.ERROR, message, element, mirror);
    }
  }
}
