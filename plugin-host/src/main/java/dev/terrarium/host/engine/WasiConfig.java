package dev.terrarium.host.engine;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * How an instance's WASI is wired: its arguments, environment, streams and mapped directories.
 *
 * @param args the arguments, the program name first
 * @param env the environment
 * @param stdin standard input
 * @param stdout standard output
 * @param stderr standard error
 * @param directories guest path to host directory
 */
public record WasiConfig(
    List<String> args,
    Map<String, String> env,
    InputStream stdin,
    OutputStream stdout,
    OutputStream stderr,
    Map<String, Path> directories) {}
