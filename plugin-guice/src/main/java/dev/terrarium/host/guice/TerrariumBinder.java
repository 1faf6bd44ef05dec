package dev.terrarium.host.guice;

import com.google.inject.Binder;
import com.google.inject.Key;
import com.google.inject.Provider;
import com.google.inject.TypeLiteral;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.OptionalBinder;
import dev.terrarium.api.HostFunctionDefinition;
import dev.terrarium.host.Grants;
import dev.terrarium.host.Plugin;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Contributes to the {@link dev.terrarium.host.PluginHost} that {@link TerrariumModule} binds, from any module of the
 * application ({@link Multibinder} underneath, so several modules may contribute):
 *
 * <pre>{@code
 * protected void configure() {
 *   bind(KeyValueStore.class).to(RedisStore.class);
 *   TerrariumBinder.of(binder())
 *       .hostImports(KeyValueStore.class)                       // implemented by whatever KeyValueStore is bound to
 *       .grants(Grants.builder().wasi(WasiCapability.STDIO).build())
 *       .plugin("greeter", Path.of("plugins/greeter.wasm"));    // then: @Inject @PluginId("greeter") Plugin greeter
 * }
 * }</pre>
 */
public final class TerrariumBinder {
  static final TypeLiteral<HostImportsContribution<?>> HOST_IMPORTS = new TypeLiteral<>() {};

  private final Binder binder;

  private TerrariumBinder(Binder binder) {
    this.binder = binder.skipSources(TerrariumBinder.class);
  }

  /** Returns a binder of contributions through {@code binder} (in a module's {@code configure}). */
  public static TerrariumBinder of(Binder binder) {
    return new TerrariumBinder(Objects.requireNonNull(binder, "binder"));
  }

  /**
   * Registers the host imports of {@code type} (an interface annotated {@code @HostImports}), implemented by what
   * the injector binds {@code type} to. Without such a binding, the injector's creation fails saying so.
   */
  public <T> TerrariumBinder hostImports(Class<T> type) {
    Objects.requireNonNull(type, "type");
    Provider<T> implementation = binder.getProvider(type);
    Multibinder.newSetBinder(binder, HOST_IMPORTS).addBinding().toInstance(new HostImportsContribution<>(type, implementation));
    return this;
  }

  /** Registers the host imports of {@code type} (an interface annotated {@code @HostImports}), implemented by {@code implementation}. */
  public <T> TerrariumBinder hostImports(Class<T> type, T implementation) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(implementation, "implementation of " + type.getName());
    Multibinder.newSetBinder(binder, HOST_IMPORTS)
        .addBinding()
        .toInstance(new HostImportsContribution<>(type, () -> implementation));
    return this;
  }

  /** Registers a host function that plugins can import (which grants its module). */
  public TerrariumBinder hostFunction(HostFunctionDefinition definition) {
    Multibinder.newSetBinder(binder, HostFunctionDefinition.class)
        .addBinding()
        .toInstance(Objects.requireNonNull(definition, "definition"));
    return this;
  }

  /** Grants plugins what {@code grants} grants, besides what other contributions grant (the host grants the union). */
  public TerrariumBinder grants(Grants grants) {
    Multibinder.newSetBinder(binder, Grants.class).addBinding().toInstance(Objects.requireNonNull(grants, "grants"));
    return this;
  }

  /**
   * Declares plugin {@code id}, loaded from {@code module} (its manifest beside it as {@code NAME.manifest.json}, or
   * embedded, must give it that id) when the injector is created, and injectable as {@code @PluginId("id") Plugin}.
   */
  public TerrariumBinder plugin(String id, Path module) {
    return plugin(new PluginSource(id, Objects.requireNonNull(module, "module"), null));
  }

  /** Declares plugin {@code id} from a module's bytes, whose embedded manifest must give it that id. */
  public TerrariumBinder plugin(String id, byte[] module) {
    return plugin(new PluginSource(id, null, Objects.requireNonNull(module, "module").clone()));
  }

  private TerrariumBinder plugin(PluginSource source) {
    Multibinder.newSetBinder(binder, PluginSource.class).addBinding().toInstance(source);
    Provider<Plugins> plugins = binder.getProvider(Plugins.class);
    String id = source.id();
    binder.bind(Key.get(Plugin.class, PluginIds.of(id))).toProvider(() -> plugins.get().get(id));
    return this;
  }

  /**
   * Keeps compiled modules in {@code directory} across processes (see docs/cache.md), instead of the default
   * process-wide cache in memory. The same as binding {@code @CacheDirectory Path} through its {@link OptionalBinder}.
   */
  public TerrariumBinder cacheDirectory(Path directory) {
    OptionalBinder.newOptionalBinder(binder, Key.get(Path.class, CacheDirectory.class))
        .setBinding()
        .toInstance(Objects.requireNonNull(directory, "directory"));
    return this;
  }
}
