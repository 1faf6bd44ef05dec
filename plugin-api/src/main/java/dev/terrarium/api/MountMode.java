package dev.terrarium.api;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Whether a mounted directory may be written. Read-only is the lower of the two. */
public enum MountMode {
  @JsonProperty("ro")
  READ_ONLY,
  @JsonProperty("rw")
  READ_WRITE;

  /** Returns the more restrictive of this mode and {@code other}. */
  public MountMode narrow(MountMode other) {
    return this == READ_ONLY || other == READ_ONLY ? READ_ONLY : READ_WRITE;
  }
}
