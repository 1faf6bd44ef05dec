package dev.terrarium.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * An {@code --env NAME=VALUE} option: one variable of the guest's environment. The value is everything after the first
 * {@code =} and may be empty. There is deliberately no {@code --env NAME} form that copies the CLI's own environment.
 */
record EnvVar(String name, String value) {
  /** Converts option values, naming what is wrong. */
  static final class Converter implements ITypeConverter<EnvVar> {
    @Override
    public EnvVar convert(String text) {
      return parse(text);
    }
  }

  static EnvVar parse(String text) {
    int at = text.indexOf('=');
    if (at < 0) {
      throw new TypeConversionException(
          "'" + text + "' is not NAME=VALUE; the guest sees only variables given with a value (e.g. --env "
              + (text.isEmpty() ? "NAME" : text) + "=value), never the CLI's own environment");
    }
    if (at == 0) {
      throw new TypeConversionException("'" + text + "' has an empty variable name");
    }
    return new EnvVar(text.substring(0, at), text.substring(at + 1));
  }
}
