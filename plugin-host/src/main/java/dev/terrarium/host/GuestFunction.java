package dev.terrarium.host;

import dev.terrarium.api.WasmType;
import dev.terrarium.api.abi.ExportHandle;
import dev.terrarium.host.engine.EngineInstance;
import dev.terrarium.host.engine.ExportCall;

/**
 * An exported function of one {@link PluginInstance}, looked up once and called many times: {@link #call}
 * takes and returns values encoded as {@link WasmType} describes, and {@link #name}, {@link #params} and {@link
 * #results} describe it. Like its instance, it is not thread-safe. Failures are typed {@link
 * dev.terrarium.api.PluginCallException}s.
 */
public final class GuestFunction extends ExportCall implements ExportHandle {
  GuestFunction(EngineInstance engine, String name) {
    super(engine, name);
  }

  /** An export that a typed binding calls to pass values ({@code alloc}, {@code dealloc}) when {@code marshalling}. */
  GuestFunction(EngineInstance engine, String name, boolean marshalling) {
    super(engine, name, marshalling);
  }
}
