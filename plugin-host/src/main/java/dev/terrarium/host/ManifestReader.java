package dev.terrarium.host;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.terrarium.api.Capabilities;
import dev.terrarium.api.MountMode;
import dev.terrarium.api.MountRequest;
import dev.terrarium.api.PluginLimits;
import dev.terrarium.api.PluginManifest;
import dev.terrarium.api.WasiCapability;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a manifest's JSON with Jackson's streaming parser, field by field, into the manifest model.
 *
 * <p>The manifest was read with Jackson's object mapper until 2026-12-05. Setting up a mapper costs a fresh JVM
 * about 40 ms on the loading thread (80 ms of CPU in all), which was most of what a CLI run spent loading a
 * small plugin from the disk cache (docs/performance.md, "Compile once, ever"); the streaming parser needs next to
 * no set-up. The format is small and fixed, and this reader is stricter than the mapper was: integers
 * must be JSON integers (not {@code "256"} or {@code 256.0}), a field may appear once, and nothing may follow the
 * manifest object. Every problem is one {@link Problem} naming the field and its line and column.
 */
final class ManifestReader {
  private static final JsonFactory JSON =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  /** What a manifest may contain, for the message about an unknown field. */
  static final String EXPECTED_FIELDS =
      "Expected fields: id, version, sha256, capabilities {hostModules, wasi, mounts}, limits {maxMemoryPages,"
          + " callTimeout, guestStackBytes, maxModuleBytes, maxFuelPerCall, maxFuelPerInstance, maxTableElements}";

  /** A manifest that cannot be read: {@code json} when the text is not JSON, else a field's value is wrong. */
  static final class Problem extends Exception {
    private static final long serialVersionUID = 1L;
    final boolean json;
    final boolean unknownField;

    Problem(String message, boolean json, boolean unknownField, Throwable cause) {
      super(message, cause, false, false);
      this.json = json;
      this.unknownField = unknownField;
    }
  }

  private final JsonParser p;

  private ManifestReader(JsonParser p) {
    this.p = p;
  }

  /**
   * Reads {@code json}; returns {@code null} when it is the JSON literal {@code null}.
   *
   * @throws Problem saying what is wrong and where
   */
  static PluginManifest read(String json) throws Problem {
    try (JsonParser p = JSON.createParser(json)) {
      ManifestReader r = new ManifestReader(p);
      JsonToken first = p.nextToken();
      if (first == null) {
        throw new Problem("it is empty", true, false, null);
      }
      PluginManifest m = first == JsonToken.VALUE_NULL ? null : r.manifest();
      if (p.nextToken() != null) {
        throw r.problem("there is more after the manifest object", null);
      }
      return m;
    } catch (JsonProcessingException e) {
      throw new Problem(e.getOriginalMessage() + where(e.getLocation()), true, false, e);
    } catch (IOException e) {
      throw new IllegalStateException("reading a string cannot fail", e); // a StringReader's IOException
    }
  }

  private PluginManifest manifest() throws IOException, Problem {
    expectObject("the manifest");
    String id = null;
    String version = null;
    String sha256 = null;
    Capabilities capabilities = null;
    PluginLimits limits = null;
    JsonLocation start = p.currentTokenLocation();
    for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
      p.nextToken();
      switch (field) {
        case "id" -> id = string(field);
        case "version" -> version = string(field);
        case "sha256" -> sha256 = string(field);
        case "capabilities" -> capabilities = capabilities();
        case "limits" -> limits = limits();
        default -> throw unknown(field, "the manifest");
      }
    }
    String i = id;
    String v = version;
    String h = sha256;
    Capabilities c = capabilities;
    PluginLimits l = limits;
    return build(start, () -> new PluginManifest(i, v, h, c, l));
  }

  private Capabilities capabilities() throws IOException, Problem {
    if (p.currentToken() == JsonToken.VALUE_NULL) {
      return null;
    }
    expectObject("capabilities");
    JsonLocation start = p.currentTokenLocation();
    Set<String> hostModules = null;
    Set<WasiCapability> wasi = null;
    List<MountRequest> mounts = null;
    for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
      p.nextToken();
      switch (field) {
        case "hostModules" -> hostModules = hostModules();
        case "wasi" -> wasi = wasi();
        case "mounts" -> mounts = mounts();
        default -> throw unknown(field, "capabilities");
      }
    }
    Set<String> h = hostModules;
    Set<WasiCapability> w = wasi;
    List<MountRequest> m = mounts;
    return build(start, () -> new Capabilities(h, w, m));
  }

  private Set<String> hostModules() throws IOException, Problem {
    return names("capabilities.hostModules", name -> name);
  }

  private Set<WasiCapability> wasi() throws IOException, Problem {
    return names("capabilities.wasi", WasiCapability::fromManifestName);
  }

  /**
   * An array of names, each made into a {@code T} by {@code parse} (whose {@link IllegalArgumentException} is a
   * problem at that name), or {@code null} for JSON null.
   */
  private <T> Set<T> names(String field, java.util.function.Function<String, T> parse)
      throws IOException, Problem {
    if (!array(field)) {
      return null;
    }
    Set<T> names = new LinkedHashSet<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      String name = string(field);
      if (name == null) {
        throw problem(field + " must list names, not null", null);
      }
      try {
        names.add(parse.apply(name));
      } catch (IllegalArgumentException e) {
        throw problem(e.getMessage(), e);
      }
    }
    return names;
  }

  private List<MountRequest> mounts() throws IOException, Problem {
    if (!array("capabilities.mounts")) {
      return null;
    }
    List<MountRequest> mounts = new ArrayList<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      expectObject("each of capabilities.mounts");
      JsonLocation start = p.currentTokenLocation();
      String guestPath = null;
      MountMode mode = null;
      for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
        p.nextToken();
        switch (field) {
          case "guestPath" -> guestPath = string("guestPath");
          case "mode" -> mode = mode();
          default -> throw unknown(field, "a mount");
        }
      }
      String g = guestPath;
      MountMode m = mode;
      mounts.add(build(start, () -> new MountRequest(g, m)));
    }
    return mounts;
  }

  private MountMode mode() throws IOException, Problem {
    String mode = string("mode");
    if (mode == null) {
      return null;
    }
    return switch (mode) {
      case "ro" -> MountMode.READ_ONLY;
      case "rw" -> MountMode.READ_WRITE;
      default -> throw problem("a mount's mode must be \"ro\" or \"rw\", was \"" + mode + "\"", null);
    };
  }

  private PluginLimits limits() throws IOException, Problem {
    if (p.currentToken() == JsonToken.VALUE_NULL) {
      return null;
    }
    expectObject("limits");
    JsonLocation start = p.currentTokenLocation();
    Integer maxMemoryPages = null;
    Duration callTimeout = null;
    Long guestStackBytes = null;
    Long maxModuleBytes = null;
    Long maxFuelPerCall = null;
    Long maxFuelPerInstance = null;
    Integer maxTableElements = null;
    for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
      p.nextToken();
      switch (field) {
        case "maxMemoryPages" -> maxMemoryPages = intValue(field);
        case "callTimeout" -> callTimeout = duration(field);
        case "guestStackBytes" -> guestStackBytes = longValue(field);
        case "maxModuleBytes" -> maxModuleBytes = longValue(field);
        case "maxFuelPerCall" -> maxFuelPerCall = longValue(field);
        case "maxFuelPerInstance" -> maxFuelPerInstance = longValue(field);
        case "maxTableElements" -> maxTableElements = intValue(field);
        default -> throw unknown(field, "limits");
      }
    }
    Integer pages = maxMemoryPages;
    Duration timeout = callTimeout;
    Long stack = guestStackBytes;
    Long moduleBytes = maxModuleBytes;
    Long perCall = maxFuelPerCall;
    Long perInstance = maxFuelPerInstance;
    Integer elements = maxTableElements;
    return build(
        start, () -> new PluginLimits(pages, timeout, stack, moduleBytes, perCall, perInstance, elements));
  }

  /** A string, or {@code null} for JSON null. */
  private String string(String field) throws IOException, Problem {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    if (t != JsonToken.VALUE_STRING) {
      throw problem(field + " must be a string, was " + describe(t), null);
    }
    return p.getText();
  }

  private Long longValue(String field) throws IOException, Problem {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    if (t != JsonToken.VALUE_NUMBER_INT) {
      throw problem(field + " must be an integer, was " + describe(t), null);
    }
    if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      throw problem(field + " must be at most " + Long.MAX_VALUE + ", was " + p.getText(), null);
    }
    return p.getLongValue();
  }

  private Integer intValue(String field) throws IOException, Problem {
    Long v = longValue(field);
    if (v != null && (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE)) {
      throw problem(field + " must be at most " + Integer.MAX_VALUE + ", was " + v, null);
    }
    return v == null ? null : v.intValue();
  }

  /** An ISO-8601 duration ({@code "PT2S"}), or a number of seconds ({@code 2}, {@code 0.5}). */
  private Duration duration(String field) throws IOException, Problem {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) {
      return null;
    }
    if (t == JsonToken.VALUE_STRING) {
      try {
        return Duration.parse(p.getText());
      } catch (DateTimeParseException e) {
        throw problem(
            field + " must be an ISO-8601 duration such as \"PT2S\" or \"PT0.5S\", was \"" + p.getText() + "\"", e);
      }
    }
    if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
      try {
        BigDecimal seconds = p.getDecimalValue();
        BigDecimal nanos = seconds.movePointRight(9).setScale(0, java.math.RoundingMode.DOWN);
        BigDecimal[] parts = nanos.divideAndRemainder(BigDecimal.valueOf(1_000_000_000L));
        return Duration.ofSeconds(parts[0].longValueExact(), parts[1].longValueExact());
      } catch (ArithmeticException e) {
        throw problem(field + " is out of range, was " + p.getText() + " seconds", e);
      }
    }
    throw problem(field + " must be an ISO-8601 duration such as \"PT2S\", was " + describe(t), null);
  }

  /** Whether the current token starts an array; {@code false} for null; a problem for anything else. */
  private boolean array(String field) throws Problem {
    JsonToken t = p.currentToken();
    if (t == JsonToken.VALUE_NULL) {
      return false;
    }
    if (t != JsonToken.START_ARRAY) {
      throw problem(field + " must be an array, was " + describe(t), null);
    }
    return true;
  }

  private void expectObject(String what) throws Problem {
    JsonToken t = p.currentToken();
    if (t != JsonToken.START_OBJECT) {
      throw problem(what + " must be a JSON object, was " + describe(t), null);
    }
  }

  /** Runs a model constructor, whose checks name what is wrong; the location is where its object starts. */
  private <T> T build(JsonLocation start, ModelConstructor<T> constructor) throws Problem {
    try {
      return constructor.make();
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new Problem(e.getMessage() + where(start), false, false, e);
    }
  }

  @FunctionalInterface
  private interface ModelConstructor<T> {
    T make();
  }

  private Problem unknown(String field, String in) {
    return new Problem(
        "unknown field \"" + field + "\" in " + in + where(p.currentTokenLocation()), false, true, null);
  }

  private Problem problem(String message, Throwable cause) {
    return new Problem(message + where(p.currentTokenLocation()), false, false, cause);
  }

  private static String where(JsonLocation location) {
    return location == null || location.getLineNr() < 0
        ? ""
        : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
  }

  private static String describe(JsonToken t) {
    return switch (t) {
      case START_OBJECT -> "an object";
      case START_ARRAY -> "an array";
      case VALUE_STRING -> "a string";
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
      case VALUE_TRUE, VALUE_FALSE -> "a boolean";
      case VALUE_NULL -> "null";
      default -> t.toString();
    };
  }
}
