package dev.terrarium.host.guice;

import java.io.Serializable;
import java.lang.annotation.Annotation;
import java.util.Objects;

/** Makes {@link PluginId} values, for binding keys (an annotation's equality and hash, as its contract says). */
final class PluginIds {
  private PluginIds() {}

  static PluginId of(String id) {
    return new Value(id);
  }

  private record Value(String value) implements PluginId, Serializable {
    Value {
      Objects.requireNonNull(value, "plugin id");
    }

    @Override
    public Class<? extends Annotation> annotationType() {
      return PluginId.class;
    }

    @Override
    public int hashCode() {
      // As java.lang.annotation.Annotation#hashCode defines it: 127 * "value".hashCode() ^ value.hashCode().
      return (127 * "value".hashCode()) ^ value.hashCode();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof PluginId other && value.equals(other.value());
    }

    @Override
    public String toString() {
      return "@" + PluginId.class.getName() + "(\"" + value + "\")";
    }
  }
}
