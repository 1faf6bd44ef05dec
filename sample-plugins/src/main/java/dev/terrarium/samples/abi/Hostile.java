package dev.terrarium.samples.abi;

import java.util.List;

/**
 * Exports of the hostile test plugins ({@code fixtures/hostile-*.wasm}, hand-written in WAT): each function
 * breaks the ABI in its own way, and the host must turn every one into a typed error without reading or
 * allocating past the guest's memory.
 */
@dev.terrarium.api.PluginExports
public interface Hostile {
  /** Returns a string whose pointer lies past the end of memory. */
  String badPointer();

  /** Returns a string whose length runs past the end of memory. */
  String lengthPastMemory();

  /** Returns two bytes that are not UTF-8. */
  String invalidUtf8();

  /** Returns the absent marker where a value is required. */
  String absentWhereRequired();

  /** Returns 2 as a boolean. */
  boolean badBoolean();

  /** Returns an ordinal past the last constant. */
  Mode badEnum();

  /** Returns a list of 4096 strings that all point at the same 32000 bytes: 131 MB from 64 KiB of memory. */
  List<String> amplification();

  /** Echoes a string: harmless unless the module's {@code alloc} misbehaves. */
  String echo(String text);
}
