package dev.terrarium.cli;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The CLI's one JSON mapper, made on first use. Picocli builds every command object at start-up, so a mapper held
 * in a command's own static field would be made (about 50 ms in a fresh JVM: Jackson initialises its default date
 * format, locales and calendar) by every run, even one that reads and writes no JSON.
 */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}
}
