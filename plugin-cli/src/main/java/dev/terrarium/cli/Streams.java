package dev.terrarium.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.Objects;

/**
 * The standard streams of one CLI execution: the process's own in {@code main}, captured ones in tests. The guest's
 * stdin, stdout and stderr are wired to them.
 */
record Streams(InputStream in, PrintStream out, PrintStream err) {
  Streams {
    Objects.requireNonNull(in, "in");
    Objects.requireNonNull(out, "out");
    Objects.requireNonNull(err, "err");
  }

  /** Writes one diagnostic line to stderr, prefixed with {@code terrarium: }. */
  void note(String message) {
    err.println("terrarium: " + message);
    err.flush();
  }

  void flush() {
    out.flush();
    err.flush();
  }
}
