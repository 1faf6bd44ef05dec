package dev.terrarium.samples.abi;

/** A record with five fields of different kinds, echoed by {@link Greeter#echoSample}. */
public record Sample(int id, long timestamp, double score, boolean active, String label) {}
