package dev.terrarium.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Converts {@code --timeout} values: a whole number with a unit ({@code 500ms}, {@code 2s}, {@code 1m}, {@code 1h})
 * or an ISO-8601 duration ({@code PT2S}, {@code PT0.5S}). The duration must be positive.
 */
final class DurationConverter implements ITypeConverter<Duration> {
  private static final Pattern SIMPLE = Pattern.compile("(\\d+)(ms|s|m|h)");
  private static final String EXPECTED = "use a whole number with a unit (500ms, 2s, 1m, 1h) or ISO-8601 (PT2S)";

  @Override
  public Duration convert(String value) {
    return parse(value);
  }

  /**
   * Parses a duration.
   *
   * @throws TypeConversionException saying what is accepted
   */
  static Duration parse(String value) {
    String text = value.strip().toLowerCase(Locale.ROOT);
    Duration duration;
    Matcher m = SIMPLE.matcher(text);
    if (m.matches()) {
      long amount;
      try {
        amount = Long.parseLong(m.group(1));
        duration =
            switch (m.group(2)) {
              case "ms" -> Duration.ofMillis(amount);
              case "s" -> Duration.ofSeconds(amount);
              case "m" -> Duration.ofMinutes(amount);
              default -> Duration.ofHours(amount);
            };
      } catch (NumberFormatException | ArithmeticException e) {
        throw new TypeConversionException("'" + value + "' is too long a duration; " + EXPECTED);
      }
    } else if (text.startsWith("p") || text.startsWith("-p") || text.startsWith("+p")) {
      try {
        duration = Duration.parse(text.toUpperCase(Locale.ROOT));
      } catch (DateTimeParseException e) {
        throw new TypeConversionException("'" + value + "' is not an ISO-8601 duration; " + EXPECTED);
      }
    } else {
      throw new TypeConversionException("'" + value + "' is not a duration; " + EXPECTED);
    }
    if (duration.isZero() || duration.isNegative()) {
      throw new TypeConversionException("'" + value + "' is not positive; a timeout must be longer than zero");
    }
    return duration;
  }
}
