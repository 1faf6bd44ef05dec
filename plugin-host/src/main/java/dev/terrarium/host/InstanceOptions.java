package dev.terrarium.host;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Per-instance WASI inputs: arguments, environment and standard streams. They matter only to plugins whose
 * effective capabilities let them read them. By default an instance gets no arguments, an empty environment,
 * empty standard input, and its output is discarded. Streams given here are never closed by Terrarium.
 */
public final class InstanceOptions {
  private static final InstanceOptions DEFAULTS = builder().build();

  private final String programName;
  private final List<String> args;
  private final Map<String, String> env;
  private final InputStream stdin;
  private final OutputStream stdout;
  private final OutputStream stderr;

  private InstanceOptions(Builder b) {
    this.programName = b.programName;
    this.args = List.copyOf(b.args);
    this.env = Map.copyOf(b.env);
    this.stdin = b.stdin;
    this.stdout = b.stdout;
    this.stderr = b.stderr;
  }

  /** Options with nothing set. */
  public static InstanceOptions defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Returns the program name the guest sees as {@code argv[0]}, or {@code null} for the plugin's id. */
  public String programName() {
    return programName;
  }

  public List<String> args() {
    return args;
  }

  public Map<String, String> env() {
    return env;
  }

  public InputStream stdin() {
    return stdin;
  }

  public OutputStream stdout() {
    return stdout;
  }

  public OutputStream stderr() {
    return stderr;
  }

  /** Builds {@link InstanceOptions}. */
  public static final class Builder {
    private String programName;
    private final List<String> args = new ArrayList<>();
    private final Map<String, String> env = new LinkedHashMap<>();
    private InputStream stdin = InputStream.nullInputStream();
    private OutputStream stdout = OutputStream.nullOutputStream();
    private OutputStream stderr = OutputStream.nullOutputStream();

    private Builder() {}

    /** Sets {@code argv[0]}; by default it is the plugin's id. */
    public Builder programName(String name) {
      this.programName = Objects.requireNonNull(name, "programName");
      return this;
    }

    /** Adds arguments after the program name. */
    public Builder args(List<String> arguments) {
      for (String a : arguments) {
        args.add(Objects.requireNonNull(a, "argument"));
      }
      return this;
    }

    /** Adds arguments after the program name. */
    public Builder args(String... arguments) {
      return args(List.of(arguments));
    }

    /** Sets an environment variable. */
    public Builder env(String name, String value) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
      if (name.isEmpty() || name.indexOf('=') >= 0) {
        throw new IllegalArgumentException("environment variable name '" + name + "' is empty or contains '='");
      }
      env.put(name, value);
      return this;
    }

    public Builder stdin(InputStream in) {
      this.stdin = Objects.requireNonNull(in, "stdin");
      return this;
    }

    public Builder stdout(OutputStream out) {
      this.stdout = Objects.requireNonNull(out, "stdout");
      return this;
    }

    public Builder stderr(OutputStream err) {
      this.stderr = Objects.requireNonNull(err, "stderr");
      return this;
    }

    public InstanceOptions build() {
      return new InstanceOptions(this);
    }
  }
}
