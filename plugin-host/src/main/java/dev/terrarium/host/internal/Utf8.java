package dev.terrarium.host.internal;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Strict UTF-8 decoding of bytes a guest wrote: malformed input is an error, never U+FFFD. */
public final class Utf8 {
  private Utf8() {}

  /**
   * Decodes {@code bytes}, or throws when they are not valid UTF-8. The JDK's lenient decoder is intrinsic and
   * only substitutes U+FFFD for malformed input, so a result without U+FFFD came from valid UTF-8; otherwise a
   * strict decoder decides (the text may hold U+FFFD itself).
   */
  public static String decode(byte[] bytes) throws CharacterCodingException {
    String s = new String(bytes, StandardCharsets.UTF_8);
    if (s.indexOf('\uFFFD') < 0) {
      return s;
    }
    return StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(bytes))
        .toString();
  }
}
