package dev.terrarium.samples.abi;

/** One entry of the {@link KeyValueStore}. */
public record Entry(String key, String value, long version) {}
