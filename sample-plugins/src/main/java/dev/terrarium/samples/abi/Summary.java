package dev.terrarium.samples.abi;

import java.util.List;

/** What {@link Greeter#summarize} returns: nested records and a list of strings. */
public record Summary(int words, int lines, long bytes, List<String> topWords, Stats stats) {}
