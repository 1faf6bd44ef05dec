package dev.terrarium.host.guice;

import com.google.inject.Provider;
import dev.terrarium.host.PluginHost;
import java.util.Objects;

/** A typed host-imports interface and where its implementation comes from (the injector). */
record HostImportsContribution<T>(Class<T> type, Provider<T> implementation) {
  HostImportsContribution {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(implementation, "implementation");
  }

  void applyTo(PluginHost.Builder builder) {
    builder.hostImports(type, implementation.get());
  }
}
