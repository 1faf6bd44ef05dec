package dev.terrarium.abi;

import static com.google.testing.compile.CompilationSubject.assertThat;
import static com.google.testing.compile.Compiler.javac;
import static org.assertj.core.api.Assertions.assertThat;

import dev.terrarium.abi.model.AbiType;
import dev.terrarium.abi.model.FieldModel;
import dev.terrarium.abi.model.FunctionModel;
import dev.terrarium.abi.model.InterfaceModel;
import dev.terrarium.abi.model.RecordModel;
import dev.terrarium.api.HostImports;
import dev.terrarium.api.PluginExports;
import dev.terrarium.api.WasmType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.Element;
import javax.lang.model.element.TypeElement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The analysis of the fixture interfaces: names, wasm signatures, layouts, reachable records and enums. */
class ModelTest {
  private static final Map<String, InterfaceModel> MODELS = new HashMap<>();

  /** Runs the analysis step alone and keeps its models. */
  private static final class Capture extends AbstractProcessor {
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
      for (TypeElement annotation : annotations) {
        InterfaceModel.Kind kind =
            annotation.getSimpleName().contentEquals("HostImports")
                ? InterfaceModel.Kind.HOST_IMPORTS
                : InterfaceModel.Kind.PLUGIN_EXPORTS;
        for (Element e : round.getElementsAnnotatedWith(annotation)) {
          TypeElement type = (TypeElement) e;
          AnnotationMirror mirror =
              type.getAnnotationMirrors().stream()
                  .filter(m -> m.getAnnotationType().asElement().equals(annotation))
                  .findFirst()
                  .orElseThrow();
          new Analyzer(processingEnv, type, kind, mirror)
              .analyze()
              .ifPresent(r -> MODELS.put(r.model().nestedName(), r.model()));
        }
      }
      return true;
    }
  }

  @BeforeAll
  static void analyse() {
    assertThat(javac().withProcessors(new Capture()).compile(Fixtures.sources())).succeeded();
  }

  private static FunctionModel function(InterfaceModel model, String javaName) {
    return model.functions().stream().filter(f -> f.javaName().equals(javaName)).findFirst().orElseThrow();
  }

  private static RecordModel record(InterfaceModel model, String simpleName) {
    return model.records().stream().filter(r -> r.simpleName().equals(simpleName)).findFirst().orElseThrow();
  }

  @Test
  void hostImports_haveTheirModuleAndNames() {
    InterfaceModel shop = MODELS.get("Shop");
    assertThat(shop.kind()).isEqualTo(InterfaceModel.Kind.HOST_IMPORTS);
    assertThat(shop.wasmModule()).isEqualTo("shop");
    assertThat(shop.prefix()).isEmpty();
    assertThat(shop.packageName()).isEqualTo("dev.terrarium.abi.fixtures");
    assertThat(shop.qualifiedName()).isEqualTo("dev.terrarium.abi.fixtures.Shop");
    assertThat(shop.generatedJavaName()).isEqualTo("TerrariumImports_Shop");
    assertThat(shop.guestFileName()).isEqualTo("shop");
    assertThat(shop.needsMemory()).isTrue();
  }

  @Test
  void functions_keepDeclarationOrder_andSkipStaticMethods() {
    assertThat(MODELS.get("Shop").functions())
        .extracting(FunctionModel::javaName)
        .containsExactly("find", "put", "list", "thumbnail", "count", "scale", "favorite", "batch", "ping", "log", "tally");
  }

  @Test
  void exports_prefixTheirSnakeCaseNames() {
    InterfaceModel store = MODELS.get("Storefront");
    assertThat(store.wasmModule()).isNull();
    assertThat(store.prefix()).isEqualTo("shop_");
    assertThat(store.functions())
        .extracting(FunctionModel::wasmName)
        .contains("shop_describe", "shop_lookup", "shop_tick");
  }

  @Test
  void wasmSignatures_flattenParameters_andAddTheErrorSlotLast() {
    InterfaceModel shop = MODELS.get("Shop");
    FunctionModel batch = function(shop, "batch");
    assertThat(batch.fallible()).isTrue();
    // Optional<Point> near: a pointer; List<Integer> ids: (ptr, count); the error slot
    assertThat(batch.wasmParams()).containsExactly(WasmType.I32, WasmType.I32, WasmType.I32, WasmType.I32);
    assertThat(batch.wasmResults()).containsExactly(WasmType.I64);
    assertThat(function(shop, "put").wasmParams()).containsExactly(WasmType.I32, WasmType.I32);
    assertThat(function(shop, "put").wasmResults()).isEmpty();
    assertThat(function(shop, "scale").wasmParams()).containsExactly(WasmType.F32, WasmType.F64);
    assertThat(function(shop, "scale").wasmResults()).containsExactly(WasmType.F32);
    assertThat(function(shop, "count").wasmParams()).containsExactly(WasmType.I32, WasmType.I32);
    assertThat(function(shop, "count").params().get(0).wasmName()).isEqualTo("include_hidden");
    assertThat(function(shop, "thumbnail").wasmParams()).containsExactly(WasmType.I64, WasmType.I32, WasmType.I32);
  }

  @Test
  void records_areListedDependenciesFirst_withEnumsAlongside() {
    InterfaceModel shop = MODELS.get("Shop");
    assertThat(shop.records()).extracting(RecordModel::simpleName).containsExactly("Point", "Item", "Batch");
    assertThat(shop.enums()).hasSize(1);
    assertThat(shop.enums().get(0).constants()).containsExactly("RED", "GREEN", "BLUE");
    assertThat(shop.enums().get(0).qualifiedName()).isEqualTo("dev.terrarium.abi.fixtures.Color");
  }

  @Test
  void recordLayout_followsCLayout() {
    RecordModel item = record(MODELS.get("Shop"), "Item");
    assertThat(item.fields())
        .extracting(FieldModel::name, FieldModel::offset)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("name", 0),
            org.assertj.core.groups.Tuple.tuple("id", 8),
            org.assertj.core.groups.Tuple.tuple("weight", 16),
            org.assertj.core.groups.Tuple.tuple("price", 24),
            org.assertj.core.groups.Tuple.tuple("available", 32),
            org.assertj.core.groups.Tuple.tuple("color", 36),
            org.assertj.core.groups.Tuple.tuple("position", 40),
            org.assertj.core.groups.Tuple.tuple("note", 48),
            org.assertj.core.groups.Tuple.tuple("tags", 56),
            org.assertj.core.groups.Tuple.tuple("origin", 64));
    assertThat(item.size()).isEqualTo(72);
    assertThat(item.align()).isEqualTo(8);
    RecordModel batch = record(MODELS.get("Shop"), "Batch");
    assertThat(batch.size()).isEqualTo(40);
    assertThat(batch.align()).isEqualTo(4);
  }

  @Test
  void types_mapToTheirAbiTypes() {
    RecordModel batch = record(MODELS.get("Shop"), "Batch");
    List<AbiType> types = batch.fields().stream().map(FieldModel::type).toList();
    assertThat(types.get(0)).isInstanceOf(AbiType.ListType.class);
    assertThat(((AbiType.ListType) types.get(1)).element())
        .isEqualTo(new AbiType.Primitive(AbiType.PrimitiveKind.INT));
    assertThat(types.get(2).describe()).isEqualTo("List<List<String>>");
    assertThat(types.get(3).describe()).isEqualTo("Optional<List<Color>>");
    assertThat(types.get(4)).isEqualTo(new AbiType.Bytes());
    RecordModel item = record(MODELS.get("Shop"), "Item");
    assertThat(item.fields().get(9).type().describe()).isEqualTo("Optional<Point>");
    assertThat(item.fields().get(9).type().size()).isEqualTo(4);
  }

  @Test
  void nestedInterface_isNamedAfterItsEnclosingTypes() {
    InterfaceModel counter = MODELS.get("Outer_Counter");
    assertThat(counter.simpleName()).isEqualTo("Counter");
    assertThat(counter.qualifiedName()).isEqualTo("dev.terrarium.abi.fixtures.Outer.Counter");
    assertThat(counter.generatedJavaName()).isEqualTo("TerrariumExports_Outer_Counter");
    assertThat(counter.guestFileName()).isEqualTo("outer_counter");
    assertThat(counter.needsMemory()).isFalse();
  }
}
