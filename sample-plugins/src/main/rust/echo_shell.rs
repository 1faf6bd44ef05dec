//! echo-shell: a WASI command that copies standard input to standard output, line by line.
//!
//! Behaviour:
//! - Every line read from stdin is written back to stdout followed by a single `\n`
//!   (a final line without a trailing newline is echoed with one), and stdout is
//!   flushed after each line, so a host sees each answer as soon as it is produced.
//! - Bytes are echoed as they are; the input does not have to be UTF-8.
//! - At end of input the program exits with code 0.
//! - Nothing else is ever written to stdout.
//!
//! This is the first step of a future embedded shell. Shell-like commands may end the
//! program before end of input, always with exit code 0 (through WASI `proc_exit`);
//! today the only such command is a line that is exactly `exit` (a trailing `\r` is
//! ignored), which is not echoed.
//!
//! Build (std only, no crates):
//!   /usr/bin/rustc --target wasm32-wasi -C opt-level=2 -C strip=debuginfo echo_shell.rs
//!
//! The Terrarium manifest is embedded by the compiler: `MANIFEST` below is placed in a
//! wasm custom section named `terrarium.manifest`.

use std::io::{self, BufRead, Write};
use std::process;

/// The plugin manifest (UTF-8 JSON), emitted as the custom section `terrarium.manifest`.
/// The array length must match the JSON text exactly (the compiler checks it).
#[used]
#[link_section = "terrarium.manifest"]
static MANIFEST: [u8; 84] =
    *br#"{"id":"echo-shell","version":"0.1.0","capabilities":{"wasi":["stdio","env","exit"]}}"#;

fn main() {
    if let Err(e) = run() {
        eprintln!("echo-shell: {}", e);
        process::exit(1);
    }
}

fn run() -> io::Result<()> {
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let stdout = io::stdout();
    let mut output = stdout.lock();
    let mut line = Vec::new();
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(()); // end of input: exit code 0
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        if is_exit_command(&line) {
            output.flush()?;
            process::exit(0);
        }
        output.write_all(&line)?;
        output.write_all(b"\n")?;
        output.flush()?;
    }
}

/// True for a line that is exactly `exit`, optionally followed by `\r`.
fn is_exit_command(line: &[u8]) -> bool {
    line == b"exit" || line == b"exit\r"
}
