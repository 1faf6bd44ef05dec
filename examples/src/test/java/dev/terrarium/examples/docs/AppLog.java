package dev.terrarium.examples.docs;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Stands in for the application's logger in the snippets ({@code log.debug("{}", call)}, {@code log::info}, as
 * with SLF4J, which Terrarium does not depend on); it keeps what it is given, so the tests can check it.
 */
final class AppLog {
  final List<String> lines = new CopyOnWriteArrayList<>();

  void debug(String format, Object argument) {
    lines.add(format.replace("{}", String.valueOf(argument)));
  }

  void info(String line) {
    lines.add(line);
  }
}
