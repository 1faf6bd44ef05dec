/**
 * Terrarium's runtime. {@code dev.terrarium.host}, {@code dev.terrarium.host.fs} (virtual file systems),
 * {@code dev.terrarium.host.metering} (cost models), {@code dev.terrarium.host.quota} (the fuel ledger SPI), {@code
 * dev.terrarium.host.pool} (instance pools), {@code dev.terrarium.host.reload} (watched plugin directories, hot
 * reload) and
 * the public types of {@code dev.terrarium.host.wasi} (errno, trace records, descriptor listings) are API; the
 * engine, capability, validation and internal packages are implementation, and only {@code
 * dev.terrarium.host.engine} touches Endive.
 */
module dev.terrarium.host {
  requires transitive dev.terrarium.api;
  requires run.endive.runtime;
  requires run.endive.wasm;
  requires run.endive.compiler;
  requires org.objectweb.asm;
  requires run.endive.wasi; // tests compare with Endive's WASI; main code no longer uses it
  requires com.github.benmanes.caffeine;
  requires com.google.common.jimfs;
  requires com.fasterxml.jackson.core;
  requires com.fasterxml.jackson.databind;
  requires com.fasterxml.jackson.datatype.jsr310;
  requires java.management;
  requires micrometer.core;

  exports dev.terrarium.host;
  exports dev.terrarium.host.fs;
  exports dev.terrarium.host.wasi;
  exports dev.terrarium.host.metering;
  exports dev.terrarium.host.quota;
  exports dev.terrarium.host.pool;
  exports dev.terrarium.host.reload;
  exports dev.terrarium.host.metrics;
}
