/**
 * A modular application that hosts a plugin through typed bindings. Its only line for Terrarium is the {@code
 * requires}: the generated bindings register a lookup of their own (see {@code GeneratedBindings}), so the
 * package of its annotated interfaces is not exported to {@code dev.terrarium.host}, and the processor leaves out
 * {@code @Generated} when the module does not read {@code java.compiler}.
 */
module dev.terrarium.examples.jpms {
  requires dev.terrarium.host;
}
