package dev.terrarium.samples.abi;

import java.util.Optional;

/** Options of {@link Greeter#summarize}. */
public record Options(boolean caseSensitive, int maxWords, Mode mode, Optional<String> language) {}
