package dev.terrarium.samples.abi;

/** What {@link Greeter#summarize} counts as units. */
public enum Mode {
  WORDS,
  LINES,
  BYTES
}
