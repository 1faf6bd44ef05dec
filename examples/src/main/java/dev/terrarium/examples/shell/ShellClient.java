package dev.terrarium.examples.shell;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A tiny client of the {@link ShellServer}, for scripts on machines without {@code socat}: {@code ShellClient
 * SOCKET < script} sends the script's lines one at a time (the first must be {@code login NAME}), waits for the
 * one answer line to each, and prints the exchange: {@code > } before each line sent, {@code < } before each line
 * received. At the end of the script it closes its side and prints what else the server sends (a session's last
 * {@code error: ...} line, say) until the server closes. Exit code 0, or 1 when the connection failed.
 */
public final class ShellClient {
  private ShellClient() {}

  /** Runs the exchange of {@code script} over {@code socket}, printing it to {@code out}. */
  public static void exchange(Path socket, InputStream script, PrintStream out) throws IOException {
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(socket));
      OutputStream toServer = ChannelStreams.out(channel);
      BufferedReader fromServer =
          new BufferedReader(new InputStreamReader(ChannelStreams.in(channel), StandardCharsets.UTF_8));
      BufferedReader lines = new BufferedReader(new InputStreamReader(script, StandardCharsets.UTF_8));
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        out.println("> " + line);
        try {
          toServer.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
          out.println("(the server closed the connection)");
          return;
        }
        String answer = fromServer.readLine();
        if (answer == null) {
          out.println("(the server closed the connection)");
          return;
        }
        out.println("< " + answer);
      }
      channel.shutdownOutput();
      for (String answer = fromServer.readLine(); answer != null; answer = fromServer.readLine()) {
        out.println("< " + answer);
      }
    }
  }

  public static void main(String[] args) {
    if (args.length != 1) {
      System.err.println("usage: ShellClient SOCKET < script");
      System.exit(64);
    }
    try {
      exchange(Path.of(args[0]), System.in, System.out);
    } catch (IOException e) {
      System.err.println("shell-client: " + e.getMessage());
      System.exit(1);
    }
  }
}
