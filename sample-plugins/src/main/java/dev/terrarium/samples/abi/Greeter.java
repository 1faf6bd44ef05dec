package dev.terrarium.samples.abi;

import dev.terrarium.api.PluginError;
import dev.terrarium.api.PluginExports;
import java.util.List;
import java.util.Optional;

/**
 * What the sample Greeter plugins (in C and in Rust) export. The host calls it through the generated proxy:
 * {@code instance.exports(Greeter.class).greet("Ana")}.
 */
@PluginExports
public interface Greeter {
  /** Returns {@code "Hello, <name>!"}. */
  String greet(String name);

  /**
   * Summarises a UTF-8 document. {@code words} counts maximal runs of ASCII letters, ASCII digits and non-ASCII
   * characters; {@code lines} counts {@code \n} bytes, plus one when the document does not end with one; {@code
   * bytes} is its length. Unless {@code options.caseSensitive()}, ASCII letters are lower-cased; the document is
   * then split into units by {@code options.mode()} (words; non-empty lines without {@code \n} and one trailing
   * {@code \r}; or each byte as two lower-case hex digits). {@code topWords} lists the most frequent units, ties
   * in code point order, at most {@code options.maxWords()}; {@code stats} gives the units' average length in
   * bytes and the ratio of distinct units. {@code options.language()} is not used. Fails with code 22 when the
   * document is empty and 84 when it is not UTF-8. The full definition, with an example, is in {@code
   * sample-plugins/README.md}.
   */
  Summary summarize(byte[] document, Options options) throws PluginError;

  /** Returns its argument (for measuring the cost of passing a string both ways). */
  String echo(String text);

  /** Returns its argument. */
  byte[] echoBytes(byte[] data);

  /** Returns its argument (for measuring the cost of passing a record both ways). */
  Sample echoSample(Sample sample);

  /** Does nothing. */
  void noop();

  /** Calls {@code kv.scan(prefix)} and returns the entries with their values upper-cased. */
  List<Entry> collect(String prefix);

  /** Calls {@code kv.get(key)} and returns what it got. */
  Optional<String> lookup(String key);

  /** Calls {@code kv.put(key, value)}; a host error comes back as this call's error, with the same code. */
  void store(String key, String value) throws PluginError;

  /** Calls {@code kv.add(delta)} {@code times} times and returns the last result. */
  long count(int delta, int times);
}
