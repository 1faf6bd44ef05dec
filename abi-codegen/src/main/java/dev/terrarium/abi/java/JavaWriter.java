package dev.terrarium.abi.java;

import com.palantir.javapoet.AnnotationSpec;
import com.palantir.javapoet.ArrayTypeName;
import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.JavaFile;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.NameAllocator;
import com.palantir.javapoet.ParameterSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import com.palantir.javapoet.TypeVariableName;
import dev.terrarium.abi.model.AbiType;
import dev.terrarium.abi.model.EnumModel;
import dev.terrarium.abi.model.FieldModel;
import dev.terrarium.abi.model.FunctionModel;
import dev.terrarium.abi.model.InterfaceModel;
import dev.terrarium.abi.model.Names;
import dev.terrarium.abi.model.ParamModel;
import dev.terrarium.abi.model.RecordModel;
import dev.terrarium.api.AbiViolationException;
import dev.terrarium.api.GuestMemory;
import dev.terrarium.api.HostCallContext;
import dev.terrarium.api.HostFunctionDefinition;
import dev.terrarium.api.PluginError;
import dev.terrarium.api.WasmType;
import dev.terrarium.api.abi.AbiReader;
import dev.terrarium.api.abi.AbiWriter;
import dev.terrarium.api.abi.Allocator;
import dev.terrarium.api.abi.ExportHandle;
import dev.terrarium.api.abi.GuestExports;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import javax.lang.model.element.Element;
import javax.lang.model.element.Modifier;

/**
 * Writes the Java side of an interface: {@code TerrariumImports_X} (host functions that decode the guest's
 * arguments, call the host's implementation and encode its result) for {@code @HostImports}, and {@code
 * TerrariumExports_X} (a proxy implementing X that encodes arguments into guest memory, calls the guest's
 * export and decodes its result) for {@code @PluginExports}. The layouts and the ownership rules are those of
 * {@code docs/abi.md}; the checks themselves live in {@link AbiReader} and {@link AbiWriter}.
 */
public final class JavaWriter {
  /** The value of the {@code @Generated} annotation on generated classes. */
  public static final String GENERATOR = "dev.terrarium.abi.TerrariumProcessor";

  private static final ClassName GENERATED = ClassName.get("javax.annotation.processing", "Generated");
  private static final ClassName READER = ClassName.get(AbiReader.class);
  private static final ClassName WRITER = ClassName.get(AbiWriter.class);
  private static final ClassName LIST = ClassName.get(List.class);
  private static final ClassName OPTIONAL = ClassName.get(Optional.class);
  private static final ClassName OBJECTS = ClassName.get(Objects.class);
  private static final ClassName WASM_TYPE = ClassName.get(WasmType.class);
  private static final TypeName LONG_ARRAY = ArrayTypeName.of(TypeName.LONG);

  /** Writes the generated class for {@code model}. */
  public static JavaFile write(InterfaceModel model, JavaTypes java) {
    JavaWriter writer = new JavaWriter(model, java);
    TypeSpec type =
        model.kind() == InterfaceModel.Kind.HOST_IMPORTS ? writer.importsClass() : writer.exportsClass();
    return JavaFile.builder(model.packageName(), type).skipJavaLangImports(true).build();
  }

  private final InterfaceModel model;
  private final JavaTypes java;
  private final ClassName className;
  /** Names of the generated class's members (fields, methods, nested classes): one namespace, no clashes. */
  private final NameAllocator members = new NameAllocator();
  private final Map<Object, FieldSpec> constants = new LinkedHashMap<>();
  private final Map<Helper, MethodSpec> helpers = new LinkedHashMap<>();
  private final Map<Helper, String> helperNames = new LinkedHashMap<>();
  /** For export proxies, the names of their fields. */
  private Context context;

  private JavaWriter(InterfaceModel model, JavaTypes java) {
    this.model = model;
    this.java = java;
    this.className = ClassName.get(model.packageName(), model.generatedJavaName());
    if (model.kind() == InterfaceModel.Kind.HOST_IMPORTS) {
      // the public API first: Bindings looks these up by name
      members.newName("MODULE", "MODULE");
      members.newName("definitions", "definitions");
      members.newName("definitionsPerInstance", "definitionsPerInstance");
    }
    // for exports these are the overriding methods, whose names are fixed; for imports, their helpers
    for (FunctionModel f : model.functions()) {
      members.newName(f.javaName(), f);
    }
  }

  // --- TerrariumImports_X -------------------------------------------------------------------------

  private TypeSpec importsClass() {
    String module = members.get("MODULE");
    String definitions = members.get("definitions");
    String perInstance = members.get("definitionsPerInstance");
    TypeSpec.Builder type = classBuilder();
    type.addJavadoc(
        "The host functions that guests import from the wasm module {@code $L}, implemented by a {@link $T}.\n"
            + "Register an implementation with {@code PluginHost.builder().hostImports($T.class, implementation)},"
            + " or one per\ninstance with {@code hostImportsPerInstance($T.class, ctx -> ...)}.\n"
            + "\n<p>Arguments are borrowed from the guest for the duration of a call; results are allocated in the"
            + " guest with its\n{@code alloc} export and owned by the guest. See {@code docs/abi.md}.\n",
        model.wasmModule(),
        java.iface(),
        java.iface(),
        java.iface());
    FieldSpec moduleField =
        FieldSpec.builder(String.class, module, Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
            .addJavadoc("The wasm module guests import these functions from.\n")
            .initializer("$S", model.wasmModule())
            .build();
    List<MethodSpec> methods = new ArrayList<>();
    methods.add(MethodSpec.constructorBuilder().addModifiers(Modifier.PRIVATE).build());

    TypeName factory =
        ParameterizedTypeName.get(
            ClassName.get(java.util.function.Function.class),
            com.palantir.javapoet.WildcardTypeName.supertypeOf(HostCallContext.class),
            com.palantir.javapoet.WildcardTypeName.subtypeOf(java.iface()));
    MethodSpec.Builder shared =
        MethodSpec.methodBuilder(definitions)
            .addJavadoc(
                "Returns one host function per method of {@link $T}, each calling {@code implementation}, whichever"
                    + " instance calls.\n",
                java.iface())
            .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
            .returns(ParameterizedTypeName.get(LIST, ClassName.get(HostFunctionDefinition.class)))
            .addParameter(java.iface(), "implementation")
            .addStatement("$T.requireNonNull(implementation, $S)", OBJECTS, "implementation")
            .addStatement("return $N(ctx -> implementation)", perInstance);
    MethodSpec.Builder defs =
        MethodSpec.methodBuilder(perInstance)
            .addJavadoc(
                "Returns one host function per method of {@link $T}, each calling the implementation that {@code"
                    + " implementations}\nreturns for the calling instance (its tenant, plugin, instance and"
                    + " attachment are in the {@link $T}).\n",
                java.iface(),
                HostCallContext.class)
            .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
            .returns(ParameterizedTypeName.get(LIST, ClassName.get(HostFunctionDefinition.class)))
            .addParameter(factory, "implementations")
            .addStatement("$T.requireNonNull(implementations, $S)", OBJECTS, "implementations");
    List<MethodSpec> functions = new ArrayList<>();
    if (model.functions().isEmpty()) {
      defs.addStatement("return $T.of()", LIST);
    } else {
      CodeBlock.Builder list = CodeBlock.builder().add("return $T.of(\n", LIST);
      for (int i = 0; i < model.functions().size(); i++) {
        FunctionModel f = model.functions().get(i);
        String helper = members.get(f);
        list.add(
            "new $T(\n$>$>$N,\n$S,\n$L,\n$L,\n(ctx, args) -> $N(implementations.apply(ctx), ctx, args))$<$<",
            HostFunctionDefinition.class,
            module,
            f.wasmName(),
            wasmTypes(f.wasmParams()),
            wasmTypes(f.wasmResults()),
            helper);
        list.add(i + 1 < model.functions().size() ? ",\n" : "");
        functions.add(importFunction(f, helper));
      }
      defs.addStatement(list.add(")").build());
    }
    methods.add(shared.build());
    methods.add(defs.build());
    methods.addAll(functions);
    return finish(type, List.of(moduleField), List.of(), methods, List.of());
  }

  private MethodSpec importFunction(FunctionModel f, String helperName) {
    String qualified = model.wasmModule() + "." + f.wasmName();
    NameAllocator names = new NameAllocator();
    names.newName("implementation");
    names.newName("ctx");
    names.newName("args");
    for (ParamModel p : f.params()) {
      names.newName(p.name(), p);
    }
    String memory = names.newName("memory");
    String reader = names.newName("reader");
    String writer = names.newName("writer");
    String slot = names.newName("errorSlot");
    String result = names.newName("result");
    String caught = names.newName("e");

    MethodSpec.Builder m =
        MethodSpec.methodBuilder(helperName)
            .addJavadoc(
                "Runs {@link $T#$L} for the guest's import {@code $L}, {@code $L}.\n",
                java.iface(),
                f.javaName(),
                qualified,
                HostFunctionDefinition.signature(f.wasmParams(), f.wasmResults()))
            .addModifiers(Modifier.PRIVATE, Modifier.STATIC)
            .returns(LONG_ARRAY)
            .addParameter(java.iface(), "implementation")
            .addParameter(HostCallContext.class, "ctx")
            .addParameter(LONG_ARRAY, "args");

    boolean memoryNeeded = needsMemory(f);
    boolean writerNeeded = f.fallible() || f.result().inMemory();
    if (memoryNeeded) {
      m.addStatement("$T $N = ctx.memory()", GuestMemory.class, memory);
      m.addStatement("$T $N = new $T(ctx.pluginId(), $N, false)", READER, reader, READER, memory);
    }
    if (f.fallible()) {
      int slotIndex = f.wasmParams().size() - 1;
      m.addStatement("int $N = (int) args[$L]", slot, slotIndex);
      m.addStatement(
          "$N.checkRange($N, $T.ERROR_SLOT_SIZE, $S)", reader, slot, WRITER, "the error slot of " + qualified);
    }
    List<CodeBlock> callArgs = new ArrayList<>();
    int index = 0;
    for (ParamModel p : f.params()) {
      String local = names.get(p);
      String what = "argument " + p.name() + " of " + qualified;
      m.addStatement("$T $N = $L", javaType(p.type()), local, decodeArgument(p.type(), index, reader, what));
      callArgs.add(CodeBlock.of("$N", local));
      index += p.type().wasmParams().size();
    }
    if (writerNeeded) {
      m.addStatement(
          "$T $N = new $T(ctx.pluginId(), $N, ctx.allocator())", WRITER, writer, WRITER, memory);
    }
    CodeBlock call = CodeBlock.of("implementation.$N($L)", f.javaName(), CodeBlock.join(callArgs, ",$W"));
    boolean isVoid = f.result() instanceof AbiType.Void;
    if (f.fallible()) {
      if (!isVoid) {
        m.addStatement("$T $N", javaType(f.result()), result);
      }
      m.beginControlFlow("try");
      if (isVoid) {
        m.addStatement("$L", call);
      } else {
        m.addStatement("$N = $L", result, call);
      }
      m.nextControlFlow("catch ($T $N)", PluginError.class, caught);
      m.addStatement("$N.error($N, $N)", writer, slot, caught);
      m.addStatement("return $L", zeroResults(f));
      m.endControlFlow();
    } else if (isVoid) {
      m.addStatement("$L", call);
    } else {
      m.addStatement("$T $N = $L", javaType(f.result()), result, call);
    }

    CodeBlock results;
    if (isVoid) {
      results = CodeBlock.of("new long[0]");
    } else {
      if (f.result() instanceof AbiType.EnumType || f.result() instanceof AbiType.OptionalType) {
        m.addStatement(
            "$T.requireNonNull($N, $S)",
            OBJECTS,
            result,
            java.iface().simpleName() + "." + f.javaName() + " returned null"
                + (f.result() instanceof AbiType.OptionalType ? "; return Optional.empty() for no value" : ""));
      }
      results = CodeBlock.of("new long[] {$L}", encodeResult(f.result(), result, writer, "the result of " + qualified));
    }
    if (f.fallible()) {
      m.addStatement("$N.success($N)", writer, slot);
    }
    m.addStatement("return $L", results);
    return m.build();
  }

  private static CodeBlock zeroResults(FunctionModel f) {
    return f.wasmResults().isEmpty()
        ? CodeBlock.of("new long[0]")
        : CodeBlock.of("new long[] {$L}", f.wasmResults().stream().map(t -> "0L").collect(Collectors.joining(", ")));
  }

  /** The expression that decodes a host import's argument starting at {@code args[index]}. */
  private CodeBlock decodeArgument(AbiType type, int index, String reader, String what) {
    CodeBlock i32 = CodeBlock.of("(int) args[$L]", index);
    CodeBlock second = CodeBlock.of("(int) args[$L]", index + 1);
    if (type instanceof AbiType.Primitive p) {
      return switch (p.kind()) {
        case INT -> i32;
        case LONG -> CodeBlock.of("args[$L]", index);
        case FLOAT -> CodeBlock.of("$T.intBitsToFloat($L)", Float.class, i32);
        case DOUBLE -> CodeBlock.of("$T.longBitsToDouble(args[$L])", Double.class, index);
        case BOOLEAN -> CodeBlock.of("$N(ctx.pluginId(), $L, $S)", helper(Helper.Kind.DECODE_BOOL, null), i32, what);
      };
    }
    if (type instanceof AbiType.EnumType e) {
      return CodeBlock.of(
          "$N(ctx.pluginId(), $N, $L, $S)", helper(Helper.Kind.DECODE_ENUM, null), values(e.model()), i32, what);
    }
    if (type instanceof AbiType.RecordType r) {
      return CodeBlock.of(
          "$N($N, $N.record($L, $N, $S))",
          helper(Helper.Kind.READ_RECORD, r),
          reader,
          reader,
          i32,
          size(r.model()),
          what);
    }
    if (type instanceof AbiType.OptionalType o && o.inner() instanceof AbiType.RecordType r) {
      return CodeBlock.of("$N($N, $L, $S)", helper(Helper.Kind.READ_OPTIONAL_RECORD, r), reader, i32, what);
    }
    return readPair(type, reader, i32, second, what);
  }

  /** The expression that encodes a host import's result as one {@code long}. */
  private CodeBlock encodeResult(AbiType type, String result, String writer, String what) {
    if (type instanceof AbiType.Primitive p) {
      return switch (p.kind()) {
        case INT, LONG -> CodeBlock.of("$N", result);
        case FLOAT -> CodeBlock.of("$T.floatToRawIntBits($N) & 0xFFFFFFFFL", Float.class, result);
        case DOUBLE -> CodeBlock.of("$T.doubleToRawLongBits($N)", Double.class, result);
        case BOOLEAN -> CodeBlock.of("$N ? 1 : 0", result);
      };
    }
    if (type instanceof AbiType.EnumType) {
      return CodeBlock.of("$N.ordinal()", result);
    }
    if (type instanceof AbiType.RecordType r) {
      return CodeBlock.of(
          "$T.pack($N($N, $N, $S), $N)", WRITER, helper(Helper.Kind.ALLOC_RECORD, r), writer, result, what, size(r.model()));
    }
    if (type instanceof AbiType.OptionalType o && o.inner() instanceof AbiType.RecordType r) {
      return CodeBlock.of(
          "$N.isPresent() ? $T.pack($N($N, $N.get(), $S), $N) : $T.ABSENT",
          result,
          WRITER,
          helper(Helper.Kind.ALLOC_RECORD, r),
          writer,
          result,
          what,
          size(r.model()),
          WRITER);
    }
    return writePair(type, writer, CodeBlock.of("$N", result), what);
  }

  // --- TerrariumExports_X -------------------------------------------------------------------------

  private TypeSpec exportsClass() {
    String guest = members.newName("guest");
    String memory = members.newName("memory");
    String allocator = members.newName("allocator");
    Map<FunctionModel, String> handles = new LinkedHashMap<>();
    for (FunctionModel f : model.functions()) {
      handles.put(f, members.newName(f.javaName() + "Export"));
    }
    boolean memoryNeeded = model.needsMemory();
    String allocatorClass = memoryNeeded ? members.newName("GuestAllocator") : null;

    TypeSpec.Builder type = classBuilder().addSuperinterface(java.iface());
    type.addJavadoc(
        "Calls a plugin's exports through {@link $T}. Obtain one with {@code instance.exports($T.class)};\nlike the"
            + " instance, it serves one call at a time.\n"
            + "\n<p>Arguments are written into guest memory with the guest's {@code alloc} export and owned by the"
            + " guest from the\ncall on; results are owned by the host, which frees them with {@code dealloc} after"
            + " reading them. See\n{@code docs/abi.md}.\n",
        java.iface(),
        java.iface());
    List<FieldSpec> fields = new ArrayList<>();
    fields.add(FieldSpec.builder(GuestExports.class, guest, Modifier.PRIVATE, Modifier.FINAL).build());
    if (memoryNeeded) {
      fields.add(FieldSpec.builder(GuestMemory.class, memory, Modifier.PRIVATE, Modifier.FINAL).build());
      fields.add(FieldSpec.builder(Allocator.class, allocator, Modifier.PRIVATE, Modifier.FINAL).build());
    }
    handles.values().forEach(h -> fields.add(FieldSpec.builder(ExportHandle.class, h, Modifier.PRIVATE, Modifier.FINAL).build()));

    MethodSpec.Builder ctor =
        MethodSpec.constructorBuilder()
            .addJavadoc(
                "Looks up and type-checks every export of {@link $T}$L, once.\n\n"
                    + "@throws dev.terrarium.api.BadExportException if the plugin lacks one, or exports it with"
                    + " another signature\n",
                java.iface(),
                memoryNeeded ? ",\nand the guest's {@code memory}, {@code alloc} and {@code dealloc}" : "")
            .addModifiers(Modifier.PUBLIC)
            .addParameter(GuestExports.class, "guest")
            .addStatement("this.$N = $T.requireNonNull(guest, $S)", guest, OBJECTS, "guest");
    // Only optional exports pass values in memory: a plugin that predates them all may lack memory, alloc, dealloc.
    List<FunctionModel> optionalInMemory =
        model.functions().stream().filter(f -> f.optional() && needsMemory(f)).toList();
    boolean memoryOptional =
        memoryNeeded && model.functions().stream().noneMatch(f -> !f.optional() && needsMemory(f));
    if (memoryOptional) {
      ctor.addStatement(
          "boolean usesMemory = $L",
          CodeBlock.join(
              optionalInMemory.stream().map(f -> CodeBlock.of("guest.hasExport($S)", f.wasmName())).toList(),
              "$W|| "));
      ctor.addStatement("this.$N = usesMemory ? guest.memory() : null", memory);
      ctor.addStatement(
          "this.$N =\nusesMemory\n$>$>? new $N(\n$>$>guest.export($S, $L, $L),\nguest.export($S, $L, $L))$<$<\n: null$<$<",
          allocator,
          allocatorClass,
          "alloc",
          wasmTypes(List.of(WasmType.I32)),
          wasmTypes(List.of(WasmType.I32)),
          "dealloc",
          wasmTypes(List.of(WasmType.I32, WasmType.I32)),
          wasmTypes(List.of()));
    } else if (memoryNeeded) {
      ctor.addStatement("this.$N = guest.memory()", memory);
      ctor.addStatement(
          "this.$N =\nnew $N(\n$>$>guest.export($S, $L, $L),\nguest.export($S, $L, $L))$<$<",
          allocator,
          allocatorClass,
          "alloc",
          wasmTypes(List.of(WasmType.I32)),
          wasmTypes(List.of(WasmType.I32)),
          "dealloc",
          wasmTypes(List.of(WasmType.I32, WasmType.I32)),
          wasmTypes(List.of()));
    }
    for (Map.Entry<FunctionModel, String> h : handles.entrySet()) {
      FunctionModel f = h.getKey();
      if (f.optional()) {
        // A default method: a plugin built before it was added lacks the export, and the method then runs the default.
        ctor.addStatement(
            "this.$N =$Wguest.hasExport($S)$W? guest.export($S,$W$L,$W$L)$W: null",
            h.getValue(),
            f.wasmName(),
            f.wasmName(),
            wasmTypes(f.wasmParams()),
            wasmTypes(f.wasmResults()));
        continue;
      }
      ctor.addStatement(
          "this.$N =$Wguest.export($S,$W$L,$W$L)",
          h.getValue(),
          f.wasmName(),
          wasmTypes(f.wasmParams()),
          wasmTypes(f.wasmResults()));
    }
    List<MethodSpec> methods = new ArrayList<>();
    methods.add(ctor.build());
    context = new Context(guest, memory, allocator);
    for (FunctionModel f : model.functions()) {
      methods.add(exportMethod(f, handles.get(f), context));
    }
    List<TypeSpec> nested = memoryNeeded ? List.of(allocatorClass(allocatorClass)) : List.of();
    return finish(type, List.of(), fields, methods, nested);
  }

  /** The member names an export method refers to. */
  private record Context(String guest, String memory, String allocator) {}

  private MethodSpec exportMethod(FunctionModel f, String handle, Context c) {
    NameAllocator names = new NameAllocator();
    for (ParamModel p : f.params()) {
      names.newName(p.name(), p);
    }
    String writer = names.newName("writer");
    String reader = names.newName("reader");
    String slot = names.newName("errorSlot");
    String results = names.newName("results");
    String result = names.newName("result");
    String began = names.newName("typedCall");
    String failure = names.newName("failure");

    MethodSpec.Builder m =
        MethodSpec.methodBuilder(f.javaName())
            .addAnnotation(Override.class)
            .addModifiers(Modifier.PUBLIC)
            .returns(javaType(f.result()));
    if (java.deprecatedMethods().contains(f.javaName())) {
      m.addAnnotation(Deprecated.class);
    }
    for (ParamModel p : f.params()) {
      m.addParameter(ParameterSpec.builder(javaType(p.type()), p.name()).build());
    }
    if (java.varargs().contains(f.javaName())) {
      m.varargs(true);
    }
    if (f.fallible()) {
      m.addException(PluginError.class);
    }
    if (f.optional()) {
      CodeBlock params =
          CodeBlock.join(f.params().stream().map(p -> CodeBlock.of("$N", p.name())).toList(), ", ");
      m.beginControlFlow("if ($N == null)", handle);
      m.addComment("the plugin does not export $L (it predates it): run the interface's default method", f.wasmName());
      if (f.result() instanceof AbiType.Void) {
        m.addStatement("$T.super.$N($L)", java.iface(), f.javaName(), params);
        m.addStatement("return");
      } else {
        m.addStatement("return $T.super.$N($L)", java.iface(), f.javaName(), params);
      }
      m.endControlFlow();
    }
    for (ParamModel p : f.params()) {
      if (!(p.type() instanceof AbiType.Primitive)) {
        m.addStatement(
            "$T.requireNonNull($N, $S)",
            OBJECTS,
            p.name(),
            p.name() + " must not be null" + (p.type() instanceof AbiType.OptionalType ? "; pass Optional.empty()" : ""));
      }
    }
    CodeBlock.Builder body = CodeBlock.builder();
    boolean writerNeeded = f.fallible() || f.params().stream().anyMatch(p -> p.type().inMemory());
    if (writerNeeded) {
      // Declared before the try, so that a failure while writing the arguments can free what was written.
      m.addStatement("$T $N = new $T($N.pluginId(), $N, $N)", WRITER, writer, WRITER, c.guest(), c.memory(), c.allocator());
    }
    String sentWriter = writerNeeded ? writer : null;
    List<CodeBlock> args = new ArrayList<>();
    for (ParamModel p : f.params()) {
      String what = "argument " + p.name() + " of " + f.wasmName();
      AbiType t = p.type();
      if (t instanceof AbiType.Primitive prim) {
        args.add(
            switch (prim.kind()) {
              case INT, LONG -> CodeBlock.of("$N", p.name());
              case FLOAT -> CodeBlock.of("$T.floatToRawIntBits($N) & 0xFFFFFFFFL", Float.class, p.name());
              case DOUBLE -> CodeBlock.of("$T.doubleToRawLongBits($N)", Double.class, p.name());
              case BOOLEAN -> CodeBlock.of("$N ? 1 : 0", p.name());
            });
      } else if (t instanceof AbiType.EnumType) {
        args.add(CodeBlock.of("$N.ordinal()", p.name()));
      } else {
        String local = names.newName(p.name() + "Arg");
        if (t instanceof AbiType.RecordType r) {
          body.addStatement(
              "int $N = $N($N, $N, $S)", local, helper(Helper.Kind.ALLOC_RECORD, r), writer, p.name(), what);
          args.add(CodeBlock.of("$N", local));
        } else if (t instanceof AbiType.OptionalType o && o.inner() instanceof AbiType.RecordType r) {
          body.addStatement(
              "int $N = $N($N, $N, $S)", local, helper(Helper.Kind.ALLOC_OPTIONAL_RECORD, r), writer, p.name(), what);
          args.add(CodeBlock.of("$N", local));
        } else {
          body.addStatement("long $N = $L", local, writePair(t, writer, CodeBlock.of("$N", p.name()), what));
          args.add(CodeBlock.of("$T.pointer($N)", READER, local));
          args.add(CodeBlock.of("$T.length($N)", READER, local));
        }
      }
    }
    if (f.fallible()) {
      body.addStatement(
          "int $N = $N.alloc($T.ERROR_SLOT_SIZE, $S)", slot, writer, WRITER, "the error slot of " + f.wasmName());
      body.addStatement("$N.success($N)", writer, slot);
      args.add(CodeBlock.of("$N", slot));
    }
    if (writerNeeded) {
      body.addStatement("$N.sent()", writer);
    }
    CodeBlock call = CodeBlock.of("$N.call($L)", handle, CodeBlock.join(args, ",$W"));
    boolean isVoid = f.result() instanceof AbiType.Void;
    boolean readerNeeded = f.fallible() || f.result().inMemory();
    boolean typed = writerNeeded || readerNeeded;
    if (isVoid && !f.fallible()) {
      body.addStatement("$L", call);
      return finishExport(m, body, c, sentWriter, typed ? new TypedCall(began, failure, f.wasmName()) : null);
    }
    if (isVoid) {
      body.addStatement("$L", call);
    } else {
      body.addStatement("$T $N = $L", LONG_ARRAY, results, call);
    }
    if (readerNeeded) {
      body.addStatement("$T $N = new $T($N.pluginId(), $N, true)", READER, reader, READER, c.guest(), c.memory());
    }
    if (f.fallible()) {
      body.addStatement("$N($N, $N, $S)", helper(Helper.Kind.CHECK_ERROR, null), reader, slot, f.wasmName());
    }
    if (isVoid) {
      return finishExport(m, body, c, sentWriter, typed ? new TypedCall(began, failure, f.wasmName()) : null);
    }
    CodeBlock decoded = decodeResult(f.result(), results, reader, "the result of " + f.wasmName(), c);
    if (f.result().inMemory()) {
      body.addStatement("$T $N = $L", javaType(f.result()), result, decoded);
      body.addStatement("$N.freeOwned($N)", reader, c.allocator());
      body.addStatement("return $N", result);
    } else {
      body.addStatement("return $L", decoded);
    }
    return finishExport(m, body, c, sentWriter, typed ? new TypedCall(began, failure, f.wasmName()) : null);
  }

  /**
   * Wraps an export method's body so that an ABI violation found while encoding or decoding marks the
   * instance broken (through {@link dev.terrarium.api.abi.GuestExports#violated}) before it propagates, and, when
   * the method writes arguments with {@code writer}, so that any other failure before the call (a {@code null}
   * inside an argument) frees what was already written ({@link dev.terrarium.api.abi.AbiWriter#abandon}). When
   * the call passes values in memory ({@code typed}), the whole is bracketed by {@link
   * dev.terrarium.api.abi.GuestExports#beginTypedCall} and {@code endTypedCall}, so that a metering host charges
   * {@code alloc}, the call and {@code dealloc} as one call.
   */
  private MethodSpec finishExport(
      MethodSpec.Builder m, CodeBlock.Builder body, Context c, String writer, TypedCall typed) {
    if (typed != null) {
      // alloc, the call and dealloc are one call for fuel (GuestExports.beginTypedCall)
      m.addStatement("boolean $N = $N.beginTypedCall($S)", typed.began(), c.guest(), typed.export());
      m.addStatement("$T $N = null", RuntimeException.class, typed.failure());
      m.beginControlFlow("try");
    }
    m.beginControlFlow("try");
    m.addCode(body.build());
    m.nextControlFlow("catch ($T e)", dev.terrarium.api.AbiViolationException.class);
    m.addStatement("throw $N.violated(e)", c.guest());
    m.nextControlFlow("catch ($T e)", dev.terrarium.api.MemoryLimitException.class);
    m.addStatement("throw $N.failed(e)", c.guest());
    if (writer != null) {
      m.nextControlFlow("catch ($T e)", RuntimeException.class);
      m.addStatement("$N.abandon(e)", writer);
      m.addStatement("throw e");
    }
    m.endControlFlow();
    if (typed != null) {
      m.nextControlFlow("catch ($T e)", RuntimeException.class);
      m.addStatement("$N = e", typed.failure());
      m.addStatement("throw e");
      m.nextControlFlow("finally");
      m.addStatement("$N.endTypedCall($N, $N)", c.guest(), typed.began(), typed.failure());
      m.endControlFlow();
    }
    return m.build();
  }

  /** The local names of a typed call's bracket ({@code GuestExports.beginTypedCall}), and the export's name. */
  private record TypedCall(String began, String failure, String export) {}

  /** The expression that decodes a guest export's result from {@code results[0]}. */
  private CodeBlock decodeResult(AbiType type, String results, String reader, String what, Context c) {
    CodeBlock raw = CodeBlock.of("$N[0]", results);
    CodeBlock i32 = CodeBlock.of("(int) $L", raw);
    if (type instanceof AbiType.Primitive p) {
      return switch (p.kind()) {
        case INT -> i32;
        case LONG -> raw;
        case FLOAT -> CodeBlock.of("$T.intBitsToFloat($L)", Float.class, i32);
        case DOUBLE -> CodeBlock.of("$T.longBitsToDouble($L)", Double.class, raw);
        case BOOLEAN -> CodeBlock.of(
            "$N($N.pluginId(), $L, $S)", helper(Helper.Kind.DECODE_BOOL, null), c.guest(), i32, what);
      };
    }
    if (type instanceof AbiType.EnumType e) {
      return CodeBlock.of(
          "$N($N.pluginId(), $N, $L, $S)",
          helper(Helper.Kind.DECODE_ENUM, null),
          c.guest(),
          values(e.model()),
          i32,
          what);
    }
    CodeBlock pointer = CodeBlock.of("$T.pointer($L)", READER, raw);
    CodeBlock length = CodeBlock.of("$T.length($L)", READER, raw);
    if (type instanceof AbiType.RecordType r) {
      return CodeBlock.of(
          "$N($N, $N($N, $L, $N, $S))",
          helper(Helper.Kind.READ_RECORD, r),
          reader,
          helper(Helper.Kind.RECORD_RESULT, null),
          reader,
          raw,
          size(r.model()),
          what);
    }
    if (type instanceof AbiType.OptionalType o && o.inner() instanceof AbiType.RecordType r) {
      return CodeBlock.of(
          "$N.absent($L, $L, $S)\n? $T.empty()\n: $T.of($N($N, $N($N, $L, $N, $S)))",
          reader,
          pointer,
          length,
          what,
          OPTIONAL,
          OPTIONAL,
          helper(Helper.Kind.READ_RECORD, r),
          reader,
          helper(Helper.Kind.RECORD_RESULT, null),
          reader,
          raw,
          size(r.model()),
          what);
    }
    return readPair(type, reader, pointer, length, what);
  }

  private TypeSpec allocatorClass(String name) {
    return TypeSpec.classBuilder(name)
        .addJavadoc("The guest's {@code alloc} and {@code dealloc} exports.\n")
        .addModifiers(Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
        .addSuperinterface(Allocator.class)
        .addField(ExportHandle.class, "alloc", Modifier.PRIVATE, Modifier.FINAL)
        .addField(ExportHandle.class, "dealloc", Modifier.PRIVATE, Modifier.FINAL)
        .addMethod(
            MethodSpec.constructorBuilder()
                .addParameter(ExportHandle.class, "alloc")
                .addParameter(ExportHandle.class, "dealloc")
                .addStatement("this.alloc = alloc")
                .addStatement("this.dealloc = dealloc")
                .build())
        .addMethod(
            MethodSpec.methodBuilder("alloc")
                .addAnnotation(Override.class)
                .addModifiers(Modifier.PUBLIC)
                .returns(int.class)
                .addParameter(int.class, "size")
                .addStatement("return (int) alloc.call(size)[0]")
                .build())
        .addMethod(
            MethodSpec.methodBuilder("dealloc")
                .addAnnotation(Override.class)
                .addModifiers(Modifier.PUBLIC)
                .addParameter(int.class, "pointer")
                .addParameter(int.class, "size")
                .addStatement("dealloc.call(pointer, size)")
                .build())
        .build();
  }

  // --- values in memory (shared by both sides) ----------------------------------------------------

  /** Decodes a string, byte array or list (optional or not) from its {@code (pointer, length)}. */
  private CodeBlock readPair(AbiType type, String reader, CodeBlock pointer, CodeBlock length, String what) {
    return readPair(type, reader, pointer, length, CodeBlock.of("$S", what));
  }

  private CodeBlock readPair(AbiType type, String reader, CodeBlock pointer, CodeBlock length, CodeBlock what) {
    if (type instanceof AbiType.Str) {
      return CodeBlock.of("$N.string($L, $L, $L)", reader, pointer, length, what);
    }
    if (type instanceof AbiType.Bytes) {
      return CodeBlock.of("$N.bytes($L, $L, $L)", reader, pointer, length, what);
    }
    if (type instanceof AbiType.ListType l) {
      return CodeBlock.of("$N($N, $L, $L, $L)", helper(Helper.Kind.READ_LIST, l), reader, pointer, length, what);
    }
    if (type instanceof AbiType.OptionalType o) {
      if (o.inner() instanceof AbiType.Str) {
        return CodeBlock.of("$T.ofNullable($N.optionalString($L, $L, $L))", OPTIONAL, reader, pointer, length, what);
      }
      if (o.inner() instanceof AbiType.Bytes) {
        return CodeBlock.of("$T.ofNullable($N.optionalBytes($L, $L, $L))", OPTIONAL, reader, pointer, length, what);
      }
      if (o.inner() instanceof AbiType.ListType l) {
        return CodeBlock.of(
            "$N($N, $L, $L, $L)", helper(Helper.Kind.READ_OPTIONAL_LIST, l), reader, pointer, length, what);
      }
    }
    throw new IllegalArgumentException("not a (pointer, length) value: " + type.describe());
  }

  /** Encodes a string, byte array or list (optional or not) and returns it packed. */
  private CodeBlock writePair(AbiType type, String writer, CodeBlock value, String what) {
    return writePair(type, writer, value, CodeBlock.of("$S", what));
  }

  private CodeBlock writePair(AbiType type, String writer, CodeBlock value, CodeBlock what) {
    if (type instanceof AbiType.Str) {
      return CodeBlock.of("$N.string($L, $L)", writer, value, what);
    }
    if (type instanceof AbiType.Bytes) {
      return CodeBlock.of("$N.bytes($L, $L)", writer, value, what);
    }
    if (type instanceof AbiType.ListType l) {
      return CodeBlock.of("$N($N, $L, $L)", helper(Helper.Kind.WRITE_LIST, l), writer, value, what);
    }
    if (type instanceof AbiType.OptionalType o) {
      if (o.inner() instanceof AbiType.Str) {
        return CodeBlock.of("$N.optionalString($L.orElse(null), $L)", writer, value, what);
      }
      if (o.inner() instanceof AbiType.Bytes) {
        return CodeBlock.of("$N.optionalBytes($L.orElse(null), $L)", writer, value, what);
      }
      if (o.inner() instanceof AbiType.ListType l) {
        return CodeBlock.of("$N($N, $L, $L)", helper(Helper.Kind.WRITE_OPTIONAL_LIST, l), writer, value, what);
      }
    }
    throw new IllegalArgumentException("not a (pointer, length) value: " + type.describe());
  }

  /** Decodes a value of {@code type} stored at {@code address} (inside a struct or a list). */
  private CodeBlock readAt(AbiType type, String r, Address a, CodeBlock what) {
    if (type instanceof AbiType.Primitive p) {
      return switch (p.kind()) {
        case INT -> CodeBlock.of("$N.i32($L)", r, a);
        case LONG -> CodeBlock.of("$N.i64($L)", r, a);
        case FLOAT -> CodeBlock.of("$N.f32($L)", r, a);
        case DOUBLE -> CodeBlock.of("$N.f64($L)", r, a);
        case BOOLEAN -> CodeBlock.of("$N.bool($N.i32($L), $L)", r, r, a, what);
      };
    }
    if (type instanceof AbiType.EnumType e) {
      return CodeBlock.of("$N.enumValue($N, $N.i32($L), $L)", r, values(e.model()), r, a, what);
    }
    if (type instanceof AbiType.RecordType rec) {
      return CodeBlock.of("$N($N, $L)", helper(Helper.Kind.READ_RECORD, rec), r, a);
    }
    if (type instanceof AbiType.OptionalType o && o.inner() instanceof AbiType.RecordType rec) {
      return CodeBlock.of("$N($N, $N.i32($L), $L)", helper(Helper.Kind.READ_OPTIONAL_RECORD, rec), r, r, a, what);
    }
    return readPair(
        type, r, CodeBlock.of("$N.i32($L)", r, a), CodeBlock.of("$N.i32($L)", r, a.plus(4)), what);
  }

  /** Encodes {@code value} of {@code type} at {@code address} (inside a struct or a list). */
  private CodeBlock writeAt(AbiType type, String w, Address a, CodeBlock value, CodeBlock what) {
    if (type instanceof AbiType.Primitive p) {
      return switch (p.kind()) {
        case INT -> CodeBlock.of("$N.i32($L, $L)", w, a, value);
        case LONG -> CodeBlock.of("$N.i64($L, $L)", w, a, value);
        case FLOAT -> CodeBlock.of("$N.f32($L, $L)", w, a, value);
        case DOUBLE -> CodeBlock.of("$N.f64($L, $L)", w, a, value);
        case BOOLEAN -> CodeBlock.of("$N.i32($L, $L ? 1 : 0)", w, a, value);
      };
    }
    if (type instanceof AbiType.EnumType) {
      return CodeBlock.of("$N.i32($L, $L.ordinal())", w, a, value);
    }
    if (type instanceof AbiType.RecordType rec) {
      return CodeBlock.of("$N($N, $L, $L, $L)", helper(Helper.Kind.WRITE_RECORD, rec), w, a, value, what);
    }
    if (type instanceof AbiType.OptionalType o && o.inner() instanceof AbiType.RecordType rec) {
      return CodeBlock.of(
          "$N.i32($L, $N($N, $L, $L))", w, a, helper(Helper.Kind.ALLOC_OPTIONAL_RECORD, rec), w, value, what);
    }
    return CodeBlock.of("$N.pair($L, $L)", w, a, writePair(type, w, value, what));
  }

  /** An address in generated code: a variable plus a constant offset. */
  private record Address(String variable, int offset) {
    Address plus(int more) {
      return new Address(variable, offset + more);
    }

    @Override
    public String toString() {
      return offset == 0 ? variable : variable + " + " + offset;
    }
  }

  // --- helper methods, generated on first use -----------------------------------------------------

  /** A private helper method of the generated class. */
  private record Helper(Kind kind, AbiType type) {
    enum Kind {
      READ_RECORD,
      WRITE_RECORD,
      ALLOC_RECORD,
      READ_OPTIONAL_RECORD,
      ALLOC_OPTIONAL_RECORD,
      READ_LIST,
      WRITE_LIST,
      READ_OPTIONAL_LIST,
      WRITE_OPTIONAL_LIST,
      RECORD_RESULT,
      DECODE_BOOL,
      DECODE_ENUM,
      CHECK_ERROR
    }
  }

  /** Returns the name of a helper method, generating it (and the helpers it uses) on first use. */
  private String helper(Helper.Kind kind, AbiType type) {
    Helper key = new Helper(kind, type);
    String name = helperNames.get(key);
    if (name != null) {
      return name;
    }
    name = members.newName(helperName(kind, type));
    helperNames.put(key, name);
    helpers.put(key, null); // keeps the order of first use
    helpers.put(key, helperMethod(key, name));
    return name;
  }

  private static String helperName(Helper.Kind kind, AbiType type) {
    return switch (kind) {
      case READ_RECORD, READ_LIST -> "read" + label(type);
      case WRITE_RECORD, WRITE_LIST -> "write" + label(type);
      case ALLOC_RECORD -> "alloc" + label(type);
      case READ_OPTIONAL_RECORD, READ_OPTIONAL_LIST -> "readOptional" + label(type);
      case ALLOC_OPTIONAL_RECORD -> "allocOptional" + label(type);
      case WRITE_OPTIONAL_LIST -> "writeOptional" + label(type);
      case RECORD_RESULT -> "recordResult";
      case DECODE_BOOL -> "decodeBool";
      case DECODE_ENUM -> "decodeEnum";
      case CHECK_ERROR -> "checkError";
    };
  }

  /** A name for a type inside helper names: {@code Entry}, {@code StringList}, {@code IntListList}. */
  private static String label(AbiType type) {
    if (type instanceof AbiType.Primitive p) {
      String n = p.kind().name().toLowerCase(Locale.ROOT);
      return Character.toUpperCase(n.charAt(0)) + n.substring(1);
    }
    if (type instanceof AbiType.EnumType e) {
      return e.model().simpleName();
    }
    if (type instanceof AbiType.RecordType r) {
      return r.model().simpleName();
    }
    if (type instanceof AbiType.Str) {
      return "String";
    }
    if (type instanceof AbiType.Bytes) {
      return "Bytes";
    }
    if (type instanceof AbiType.ListType l) {
      return label(l.element()) + "List";
    }
    if (type instanceof AbiType.OptionalType o) {
      return "Optional" + label(o.inner());
    }
    return "Void";
  }

  private MethodSpec helperMethod(Helper key, String name) {
    MethodSpec.Builder m = MethodSpec.methodBuilder(name).addModifiers(Modifier.PRIVATE);
    if (key.kind() != Helper.Kind.CHECK_ERROR) {
      m.addModifiers(Modifier.STATIC);
    }
    CodeBlock what = CodeBlock.of("what");
    switch (key.kind()) {
      case READ_RECORD -> {
        RecordModel r = ((AbiType.RecordType) key.type()).model();
        m.addJavadoc("Reads the {@link $T} struct at {@code base}.\n", recordClass(r))
            .returns(recordClass(r))
            .addParameter(READER, "r")
            .addParameter(int.class, "base");
        List<CodeBlock> args = new ArrayList<>();
        for (FieldModel f : r.fields()) {
          args.add(
              readAt(
                  f.type(), "r", new Address("base", f.offset()), CodeBlock.of("$S", r.simpleName() + "." + f.name())));
        }
        m.addStatement("return new $T(\n$L)", recordClass(r), CodeBlock.join(args, ",\n"));
      }
      case WRITE_RECORD -> {
        RecordModel r = ((AbiType.RecordType) key.type()).model();
        m.addJavadoc("Writes {@code v} as the {@link $T} struct at {@code base}.\n", recordClass(r))
            .addParameter(WRITER, "w")
            .addParameter(int.class, "base")
            .addParameter(recordClass(r), "v")
            .addParameter(String.class, "what");
        nullCheck(m, "v");
        for (FieldModel f : r.fields()) {
          if (f.type() instanceof AbiType.EnumType || f.type() instanceof AbiType.OptionalType) {
            m.addStatement(
                "$T.requireNonNull(v.$N(), $S)", OBJECTS, f.name(), r.simpleName() + "." + f.name() + " must not be null");
          }
        }
        for (FieldModel f : r.fields()) {
          m.addStatement(
              "$L",
              writeAt(
                  f.type(),
                  "w",
                  new Address("base", f.offset()),
                  CodeBlock.of("v.$N()", f.name()),
                  CodeBlock.of("$S", r.simpleName() + "." + f.name())));
        }
      }
      case ALLOC_RECORD -> {
        RecordModel r = ((AbiType.RecordType) key.type()).model();
        m.addJavadoc("Allocates the {@link $T} struct of {@code v} in the guest, writes it and returns its address.\n", recordClass(r))
            .returns(int.class)
            .addParameter(WRITER, "w")
            .addParameter(recordClass(r), "v")
            .addParameter(String.class, "what");
        nullCheck(m, "v");
        m.addStatement("int pointer = w.record($N, what)", size(r));
        m.addStatement("$N(w, pointer, v, what)", helper(Helper.Kind.WRITE_RECORD, key.type()));
        m.addStatement("return pointer");
      }
      case READ_OPTIONAL_RECORD -> {
        RecordModel r = ((AbiType.RecordType) key.type()).model();
        m.addJavadoc("Reads an optional {@link $T} struct given by its pointer, 0 when absent.\n", recordClass(r))
            .returns(ParameterizedTypeName.get(OPTIONAL, recordClass(r)))
            .addParameter(READER, "r")
            .addParameter(int.class, "pointer")
            .addParameter(String.class, "what");
        m.beginControlFlow("if (pointer == 0)").addStatement("return $T.empty()", OPTIONAL).endControlFlow();
        m.addStatement(
            "return $T.of($N(r, r.record(pointer, $N, what)))",
            OPTIONAL,
            helper(Helper.Kind.READ_RECORD, key.type()),
            size(r));
      }
      case ALLOC_OPTIONAL_RECORD -> {
        RecordModel r = ((AbiType.RecordType) key.type()).model();
        m.addJavadoc(
                "Allocates the optional {@link $T} struct of {@code v} in the guest and returns its address, 0 when\nabsent.\n",
                recordClass(r))
            .returns(int.class)
            .addParameter(WRITER, "w")
            .addParameter(ParameterizedTypeName.get(OPTIONAL, recordClass(r)), "v")
            .addParameter(String.class, "what");
        nullCheck(m, "v");
        m.addStatement("return v.isPresent() ? $N(w, v.get(), what) : 0", helper(Helper.Kind.ALLOC_RECORD, key.type()));
      }
      case READ_LIST -> {
        AbiType element = ((AbiType.ListType) key.type()).element();
        m.addJavadoc("Reads a list of {@code $L} elements of $L bytes.\n", describe(element, true), element.size())
            .returns(javaType(key.type()))
            .addParameter(READER, "r")
            .addParameter(int.class, "pointer")
            .addParameter(int.class, "count")
            .addParameter(String.class, "what");
        m.addStatement("int base = r.list(pointer, count, $L, what)", elementSize(element));
        m.addStatement("$T list = new $T<>(count)", javaType(key.type()), ArrayList.class);
        m.beginControlFlow("for (int i = 0; i < count; i++)");
        m.addStatement("int address = base + i * $L", elementSize(element));
        m.addStatement("list.add($L)", readAt(element, "r", new Address("address", 0), what));
        m.endControlFlow();
        m.addStatement("return $T.unmodifiableList(list)", Collections.class);
      }
      case WRITE_LIST -> {
        AbiType element = ((AbiType.ListType) key.type()).element();
        m.addJavadoc(
                "Allocates a list of {@code $L} elements of $L bytes in the guest, writes it and returns it packed.\n",
                describe(element, true),
                element.size())
            .returns(long.class)
            .addParameter(WRITER, "w")
            .addParameter(javaType(key.type()), "v")
            .addParameter(String.class, "what");
        nullCheck(m, "v");
        m.addStatement("int count = v.size()");
        m.addStatement("int base = w.list(count, $L, what)", elementSize(element));
        m.addStatement("int address = base");
        m.beginControlFlow("for ($T e : v)", boxedType(element));
        m.beginControlFlow("if (e == null)")
            .addStatement("throw new $T(what + $S)", NullPointerException.class, " must not contain null")
            .endControlFlow();
        m.addStatement("$L", writeAt(element, "w", new Address("address", 0), CodeBlock.of("e"), what));
        m.addStatement("address += $L", elementSize(element));
        m.endControlFlow();
        m.addStatement("return $T.pack(base, count)", WRITER);
      }
      case READ_OPTIONAL_LIST -> {
        AbiType list = key.type();
        m.addJavadoc("Reads an optional list: empty for the absent value.\n")
            .returns(ParameterizedTypeName.get(OPTIONAL, javaType(list)))
            .addParameter(READER, "r")
            .addParameter(int.class, "pointer")
            .addParameter(int.class, "count")
            .addParameter(String.class, "what");
        m.beginControlFlow("if (r.absent(pointer, count, what))")
            .addStatement("return $T.empty()", OPTIONAL)
            .endControlFlow();
        m.addStatement("return $T.of($N(r, pointer, count, what))", OPTIONAL, helper(Helper.Kind.READ_LIST, list));
      }
      case WRITE_OPTIONAL_LIST -> {
        AbiType list = key.type();
        m.addJavadoc("Writes an optional list and returns it packed: the absent value when empty.\n")
            .returns(long.class)
            .addParameter(WRITER, "w")
            .addParameter(ParameterizedTypeName.get(OPTIONAL, javaType(list)), "v")
            .addParameter(String.class, "what");
        nullCheck(m, "v");
        m.addStatement(
            "return v.isPresent() ? $N(w, v.get(), what) : $T.ABSENT", helper(Helper.Kind.WRITE_LIST, list), WRITER);
      }
      case RECORD_RESULT -> {
        m.addJavadoc(
                "Checks a struct returned packed as {@code (pointer, size)} and returns its pointer.\n")
            .returns(int.class)
            .addParameter(READER, "r")
            .addParameter(long.class, "packed")
            .addParameter(int.class, "size")
            .addParameter(String.class, "what");
        m.beginControlFlow("if ($T.length(packed) != size)", READER)
            .addStatement(
                "throw r.violation(\nwhat + $S + size + $S\n+ $T.toUnsignedString($T.length(packed)))",
                " is a struct of ",
                " bytes but the guest returned it with size ",
                Integer.class,
                READER)
            .endControlFlow();
        m.addStatement("return r.record($T.pointer(packed), size, what)", READER);
      }
      case DECODE_BOOL -> {
        m.addJavadoc("Decodes a boolean passed as a wasm value; anything but 0 or 1 breaks the ABI.\n")
            .returns(boolean.class)
            .addParameter(String.class, "pluginId")
            .addParameter(int.class, "raw")
            .addParameter(String.class, "what");
        m.beginControlFlow("if (raw != 0 && raw != 1)")
            .addStatement(
                "throw new $T(pluginId, what + $S + raw + $S)",
                AbiViolationException.class,
                " is a boolean but the guest passed ",
                " (only 0 and 1 are allowed)")
            .endControlFlow();
        m.addStatement("return raw == 1");
      }
      case DECODE_ENUM -> {
        TypeVariableName e = TypeVariableName.get("E");
        m.addJavadoc("Decodes an enum passed as its ordinal; out of range breaks the ABI.\n")
            .addTypeVariable(e)
            .returns(e)
            .addParameter(String.class, "pluginId")
            .addParameter(ArrayTypeName.of(e), "values")
            .addParameter(int.class, "ordinal")
            .addParameter(String.class, "what");
        m.beginControlFlow("if (ordinal < 0 || ordinal >= values.length)")
            .addStatement(
                "throw new $T(\npluginId, what + $S + values.length + $S + ordinal)",
                AbiViolationException.class,
                " is an enum with ",
                " constants but the guest passed ordinal ")
            .endControlFlow();
        m.addStatement("return values[ordinal]");
      }
      case CHECK_ERROR -> {
        m.addJavadoc(
                "Frees the error slot after a call and throws the guest's error, if it reported one (the host owns"
                    + " and frees\nits message).\n")
            .addParameter(READER, "reader")
            .addParameter(int.class, "errorSlot")
            .addParameter(String.class, "function")
            .addException(PluginError.class);
        m.addStatement("int code = reader.i32(errorSlot)");
        m.beginControlFlow("if (code != 0)");
        m.addStatement(
            "String message =\nreader.string(reader.i32(errorSlot + 4), reader.i32(errorSlot + 8), $S + function)",
            "the error message of ");
        m.addStatement("reader.freeOwned($N)", context.allocator());
        m.addStatement("$N.dealloc(errorSlot, $T.ERROR_SLOT_SIZE)", context.allocator(), WRITER);
        m.addStatement("throw new $T(code, message)", PluginError.class);
        m.endControlFlow();
        m.addStatement("$N.dealloc(errorSlot, $T.ERROR_SLOT_SIZE)", context.allocator(), WRITER);
      }
      default -> throw new IllegalStateException(key.kind().name());
    }
    return m.build();
  }

  private static void nullCheck(MethodSpec.Builder m, String variable) {
    m.beginControlFlow("if ($N == null)", variable)
        .addStatement("throw new $T(what + $S)", NullPointerException.class, " must not be null")
        .endControlFlow();
  }

  /** The element size in a list: a record's size constant, or a number. */
  private CodeBlock elementSize(AbiType element) {
    if (element instanceof AbiType.RecordType r) {
      return CodeBlock.of("$N", size(r.model()));
    }
    return CodeBlock.of("$L", element.size());
  }

  // --- constants ----------------------------------------------------------------------------------

  /** The name of the constant holding a record's struct size (documenting its layout). */
  private String size(RecordModel r) {
    FieldSpec field = constants.get(r);
    if (field == null) {
      String name = members.newName(upperSnake(r.simpleName()) + "_SIZE");
      CodeBlock.Builder doc =
          CodeBlock.builder()
              .add("The struct of {@link $T}: $L bytes, aligned to $L.\n<ul>\n", recordClass(r), r.size(), r.align());
      for (FieldModel f : r.fields()) {
        doc.add("  <li>{@code $L} at $L: {@code $L}\n", f.name(), f.offset(), describe(f.type(), false));
      }
      doc.add("</ul>\n");
      field =
          FieldSpec.builder(int.class, name, Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
              .addJavadoc(doc.build())
              .initializer("$L", r.size())
              .build();
      constants.put(r, field);
    }
    return field.name();
  }

  /** The name of the constant caching an enum's {@code values()}. */
  private String values(EnumModel e) {
    FieldSpec field = constants.get(e);
    if (field == null) {
      ClassName type = java.classNamed(e.qualifiedName());
      String name = members.newName(upperSnake(e.simpleName()) + "_VALUES");
      field =
          FieldSpec.builder(ArrayTypeName.of(type), name, Modifier.PRIVATE, Modifier.STATIC, Modifier.FINAL)
              .initializer("$T.values()", type)
              .build();
      constants.put(e, field);
    }
    return field.name();
  }

  private static String upperSnake(String simpleName) {
    return Names.snakeCase(simpleName).toUpperCase(Locale.ROOT);
  }

  // --- types --------------------------------------------------------------------------------------

  private ClassName recordClass(RecordModel r) {
    return java.classNamed(r.qualifiedName());
  }

  private TypeName javaType(AbiType type) {
    if (type instanceof AbiType.Primitive p) {
      return switch (p.kind()) {
        case INT -> TypeName.INT;
        case LONG -> TypeName.LONG;
        case FLOAT -> TypeName.FLOAT;
        case DOUBLE -> TypeName.DOUBLE;
        case BOOLEAN -> TypeName.BOOLEAN;
      };
    }
    if (type instanceof AbiType.EnumType e) {
      return java.classNamed(e.model().qualifiedName());
    }
    if (type instanceof AbiType.RecordType r) {
      return recordClass(r.model());
    }
    if (type instanceof AbiType.Str) {
      return ClassName.get(String.class);
    }
    if (type instanceof AbiType.Bytes) {
      return ArrayTypeName.of(TypeName.BYTE);
    }
    if (type instanceof AbiType.ListType l) {
      return ParameterizedTypeName.get(LIST, boxedType(l.element()));
    }
    if (type instanceof AbiType.OptionalType o) {
      return ParameterizedTypeName.get(OPTIONAL, boxedType(o.inner()));
    }
    return TypeName.VOID;
  }

  /** A type as Java declares it, e.g. {@code List<Integer>}; {@code boxed} for type arguments. */
  private static String describe(AbiType type, boolean boxed) {
    if (type instanceof AbiType.Primitive p && boxed) {
      return p.kind() == AbiType.PrimitiveKind.INT ? "Integer" : label(type);
    }
    if (type instanceof AbiType.ListType l) {
      return "List<" + describe(l.element(), true) + ">";
    }
    if (type instanceof AbiType.OptionalType o) {
      return "Optional<" + describe(o.inner(), true) + ">";
    }
    return type.describe();
  }

  private TypeName boxedType(AbiType type) {
    return javaType(type).box();
  }

  private static CodeBlock wasmTypes(List<WasmType> types) {
    if (types.isEmpty()) {
      return CodeBlock.of("$T.of()", LIST);
    }
    return CodeBlock.of(
        "$T.of($L)",
        LIST,
        types.stream().map(t -> CodeBlock.of("$T.$L", WASM_TYPE, t.name())).collect(CodeBlock.joining(", ")));
  }

  private static boolean needsMemory(FunctionModel f) {
    return f.fallible() || f.result().inMemory() || f.params().stream().anyMatch(p -> p.type().inMemory());
  }

  // --- the class ----------------------------------------------------------------------------------

  private TypeSpec.Builder classBuilder() {
    TypeSpec.Builder type =
        TypeSpec.classBuilder(className)
            .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
            .avoidClashesWithNestedClasses(java.element());
    if (java.markGenerated()) {
      type.addAnnotation(AnnotationSpec.builder(GENERATED).addMember("value", "$S", GENERATOR).build());
    }
    if (java.deprecated()) {
      type.addAnnotation(
          AnnotationSpec.builder(SuppressWarnings.class).addMember("value", "$S", "deprecation").build());
    }
    // The host reaches this class through the lookup it registers, so that a modular application needs no
    // "exports PKG to dev.terrarium.host" for it.
    type.addStaticBlock(
        CodeBlock.of(
            "$T.register($T.lookup());\n",
            dev.terrarium.api.abi.GeneratedBindings.class,
            java.lang.invoke.MethodHandles.class));
    for (Element e : java.originating()) {
      type.addOriginatingElement(e);
    }
    return type;
  }

  /**
   * Assembles the class: public constants, the private constants the code asked for, fields, methods, then the
   * helpers in order of first use and nested classes.
   */
  private TypeSpec finish(
      TypeSpec.Builder type,
      List<FieldSpec> publicConstants,
      List<FieldSpec> fields,
      List<MethodSpec> methods,
      List<TypeSpec> nested) {
    return type.addFields(publicConstants)
        .addFields(constants.values())
        .addFields(fields)
        .addMethods(methods)
        .addMethods(helpers.values())
        .addTypes(nested)
        .build();
  }
}
