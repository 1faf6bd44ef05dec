package dev.terrarium.samples.abi;

import dev.terrarium.api.HostImports;
import dev.terrarium.api.PluginError;
import java.util.List;
import java.util.Optional;

/** A key-value store that the host implements and the sample Greeter plugins import as module {@code kv}. */
@HostImports("kv")
public interface KeyValueStore {
  /** Returns the value of {@code key}, or empty when there is none. */
  Optional<String> get(String key);

  /** Stores a value; fails with a {@link PluginError} the guest receives as a value (e.g. a read-only key). */
  void put(String key, String value) throws PluginError;

  /** Returns every entry whose key starts with {@code prefix}, sorted by key. */
  List<Entry> scan(String prefix);

  /** Adds {@code delta} to a counter and returns its new value. */
  long add(int delta);
}
