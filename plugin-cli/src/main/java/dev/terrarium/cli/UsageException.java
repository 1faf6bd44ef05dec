package dev.terrarium.cli;

/**
 * The command line cannot be carried out as given (found after parsing, e.g. an {@code --invoke} argument that is not
 * a number of the export's parameter type). Reported as one line on stderr with exit status {@link ExitCodes#USAGE}.
 */
final class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  UsageException(String message) {
    super(message);
  }
}
