package dev.terrarium.samples.abi;

/** Nested in {@link Summary}. */
public record Stats(double averageWordLength, float uniqueRatio) {}
