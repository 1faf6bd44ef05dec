package dev.terrarium.cli;

import dev.terrarium.host.CompileEvent;
import dev.terrarium.host.CompileListener;
import java.io.PrintStream;
import java.util.Locale;

/**
 * Shows a long compile on a terminal's stderr: one line, rewritten in place every second, with the module's name,
 * size and the time so far, and how long the compile took at the end. Only compiles the run waits for are shown:
 * one in the background (tiered start) would write into the module's own output.
 */
final class CompileProgress implements CompileListener {
  private final PrintStream err;
  private final String moduleName;
  /** Whether a progress line is on screen (then the end finishes it). */
  private boolean shown;

  CompileProgress(PrintStream err, String moduleName) {
    this.err = err;
    this.moduleName = moduleName;
  }

  @Override
  public synchronized void onCompile(CompileEvent event) {
    if (event.background()) {
      return;
    }
    String what = moduleName + " (" + size(event.moduleBytes()) + ")";
    switch (event.kind()) {
      case STARTED -> {}
      case PROGRESS -> {
        err.print("\rterrarium: compiling " + what + " to JVM bytecode: " + event.elapsed().toSeconds() + " s");
        err.flush();
        shown = true;
      }
      case FINISHED -> end("\rterrarium: compiled " + what + " in " + seconds(event) + " s   ");
      case FAILED -> end("\rterrarium: compiling " + what + " failed after " + seconds(event) + " s");
    }
  }

  private void end(String line) {
    if (shown) {
      err.println(line);
      err.flush();
      shown = false;
    }
  }

  private static String seconds(CompileEvent event) {
    return String.format(Locale.ROOT, "%.1f", event.elapsed().toMillis() / 1000.0);
  }

  /** A size in the largest unit that keeps it at least 1: bytes, KiB or MiB. */
  static String size(long bytes) {
    if (bytes < 1024) {
      return bytes + " bytes";
    }
    if (bytes < 1024 * 1024) {
      return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }
    return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
  }
}
