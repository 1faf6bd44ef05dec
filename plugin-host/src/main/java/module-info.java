/**
 * Terrarium's runtime. Only {@code dev.terrarium.host} and {@code dev.terrarium.host.fs} (virtual file systems) are
 * API; the engine, capability, cache and internal packages are implementation, and only
 * {@code dev.terrarium.host.engine} touches Endive.
 */
module dev.terrarium.host {
  requires transitive dev.terrarium.api;
  requires run.endive.runtime;
  requires run.endive.wasm;
  requires run.endive.compiler;
  requires run.endive.wasi;
  requires com.github.benmanes.caffeine;
  requires com.google.common.jimfs;
  requires com.fasterxml.jackson.databind;
  requires com.fasterxml.jackson.datatype.jsr310;

  exports dev.terrarium.host;
  exports dev.terrarium.host.fs;
}
