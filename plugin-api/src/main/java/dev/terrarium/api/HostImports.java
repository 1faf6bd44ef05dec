package dev.terrarium.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an interface that the host implements and plugins import, as functions of the wasm module named by
 * {@link #value}. The {@code abi-codegen} processor generates {@code TerrariumImports_<Name>} (the host-side
 * binding), a C header and a Rust module for plugin authors, and a JSON descriptor. Register an implementation
 * with {@code PluginHost.builder().hostImports(Interface.class, implementation)}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface HostImports {
  /** The wasm import module, e.g. {@code kv}. */
  String value();
}
