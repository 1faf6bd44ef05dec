package dev.terrarium.host.guice;

import com.google.inject.AbstractModule;
import com.google.inject.Key;
import com.google.inject.Provides;
import com.google.inject.multibindings.Multibinder;
import com.google.inject.multibindings.OptionalBinder;
import dev.terrarium.api.HostFunctionDefinition;
import dev.terrarium.api.PluginLimits;
import dev.terrarium.host.Grants;
import dev.terrarium.host.ModuleCache;
import dev.terrarium.host.PluginHost;
import dev.terrarium.host.metrics.TerrariumMetrics;
import dev.terrarium.host.quota.FuelLedger;
import dev.terrarium.host.quota.InMemoryFuelLedger;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * Binds a {@link PluginHost} (a singleton), the {@link Plugins} declared with {@link TerrariumBinder}, and each of
 * those plugins by id ({@link PluginId}). Install it once; contribute from any module with {@link TerrariumBinder}.
 *
 * <p>Defaults, each overridable through its {@link OptionalBinder} ({@code
 * OptionalBinder.newOptionalBinder(binder(), FuelLedger.class).setBinding().to(RedisLedger.class)}):
 *
 * <ul>
 *   <li>{@link TerrariumConfig}: {@link TerrariumConfig#defaults()} (compiler, unmetered);
 *   <li>{@link PluginLimits}: {@link PluginHost#DEFAULT_LIMITS};
 *   <li>{@link FuelLedger}: an {@link InMemoryFuelLedger};
 *   <li>{@link MeterRegistry}: none, and then the host records no metrics; bind one to get {@link TerrariumMetrics}'s
 *       meters in it;
 *   <li>{@code @}{@link CacheDirectory} {@link Path}: none, and then the process-wide cache in memory.
 * </ul>
 *
 * <p>Contributions ({@link Multibinder}): typed host imports, host functions, grants (their union), plugins to load.
 * The host is built when first injected; close it when the application stops ({@code
 * injector.getInstance(PluginHost.class).close()}): Guice has no lifecycle of its own.
 */
public final class TerrariumModule extends AbstractModule {
  @Override
  protected void configure() {
    Multibinder.newSetBinder(binder(), TerrariumBinder.HOST_IMPORTS);
    Multibinder.newSetBinder(binder(), HostFunctionDefinition.class);
    Multibinder.newSetBinder(binder(), Grants.class);
    Multibinder.newSetBinder(binder(), PluginSource.class);
    OptionalBinder.newOptionalBinder(binder(), TerrariumConfig.class).setDefault().toInstance(TerrariumConfig.defaults());
    OptionalBinder.newOptionalBinder(binder(), PluginLimits.class).setDefault().toInstance(PluginHost.DEFAULT_LIMITS);
    OptionalBinder.newOptionalBinder(binder(), FuelLedger.class).setDefault().toProvider(InMemoryFuelLedger::new);
    OptionalBinder.newOptionalBinder(binder(), MeterRegistry.class);
    OptionalBinder.newOptionalBinder(binder(), Key.get(Path.class, CacheDirectory.class));
    bind(Plugins.class).asEagerSingleton();
  }

  @Provides
  @Singleton
  PluginHost pluginHost(
      TerrariumConfig config,
      PluginLimits limits,
      FuelLedger ledger,
      Optional<MeterRegistry> registry,
      @CacheDirectory Optional<Path> cacheDirectory,
      Set<Grants> grants,
      Set<HostFunctionDefinition> hostFunctions,
      Set<HostImportsContribution<?>> hostImports) {
    PluginHost.Builder b =
        PluginHost.builder()
            .executionMode(config.executionMode())
            .fuelSlice(config.fuelSlice())
            .limits(limits)
            .fuelLedger(ledger)
            .grants(union(grants));
    if (config.meterFuel()) {
      b.meterFuel();
    }
    if (config.canonicalizeNaNs()) {
      b.canonicalizeNaNs();
    }
    registry.ifPresent(b::meterRegistry);
    cacheDirectory.ifPresent(dir -> b.moduleCache(ModuleCache.builder().directory(dir).build()));
    hostFunctions.forEach(b::hostFunction);
    hostImports.forEach(c -> c.applyTo(b));
    return b.build();
  }

  /** What every contribution grants, together. */
  private static Grants union(Set<Grants> grants) {
    Grants.Builder b = Grants.builder();
    for (Grants g : grants) {
      g.hostModules().forEach(b::hostModule);
      b.wasi(g.wasi().toArray(dev.terrarium.api.WasiCapability[]::new));
      g.mounts().forEach(m -> b.mount(m.guestPath(), m.hostPath(), m.mode()));
    }
    return b.build();
  }
}
