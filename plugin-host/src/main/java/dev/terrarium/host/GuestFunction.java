package dev.terrarium.host;

import dev.terrarium.api.WasmType;
import dev.terrarium.host.engine.EngineInstance;
import java.util.List;

/**
 * An exported function of one {@link PluginInstance}, looked up once and called many times. Arguments and
 * results are encoded as {@link WasmType} describes. Like its instance, it is not thread-safe.
 */
public final class GuestFunction implements dev.terrarium.api.abi.ExportHandle {
  private final EngineInstance.Function function;

  GuestFunction(EngineInstance.Function function) {
    this.function = function;
  }

  public String name() {
    return function.name();
  }

  public List<WasmType> params() {
    return function.params();
  }

  public List<WasmType> results() {
    return function.results();
  }

  /**
   * Calls the function.
   *
   * @throws dev.terrarium.api.PluginCallException typed by what went wrong
   */
  @Override
  public long[] call(long... args) {
    if (args == null) {
      throw new NullPointerException("arguments must not be null (pass none for a function without parameters)");
    }
    return function.call(args);
  }
}
