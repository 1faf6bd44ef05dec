//! greeter-rust: the sample Greeter plugin in Rust (exports dev.terrarium.samples.abi.Greeter, imports the
//! host's KeyValueStore as wasm module "kv"). It uses only the modules that the Terrarium annotation processor
//! generates from those interfaces (greeter.rs and key_value_store.rs in target/classes/META-INF/terrarium/guest/,
//! found through the TERRARIUM_GUEST_DIR environment variable at compile time) and std.
//!
//! Built by scripts/build-sample-plugins.sh (std only, no cargo):
//!   TERRARIUM_GUEST_DIR=<guest bindings dir> /usr/bin/rustc --edition 2021 --crate-type cdylib \
//!     --target wasm32-wasi -C opt-level=2 -C strip=debuginfo -o greeter-rust.wasm greeter.rs
//! Rust's std links its panic machinery, which imports four WASI functions (fd_write, environ_get,
//! environ_sizes_get, proc_exit) that this plugin never calls unless it panics; the build script replaces
//! them with functions that trap, so the module imports only kv.* (see sample-plugins/README.md).
//!
//! Behaviour: identical to greeter-c (see src/main/c/greeter/greeter.c and sample-plugins/README.md).

#[allow(dead_code)]
mod greeter {
    include!(concat!(env!("TERRARIUM_GUEST_DIR"), "/greeter.rs"));
}

#[allow(dead_code)]
mod key_value_store {
    include!(concat!(env!("TERRARIUM_GUEST_DIR"), "/key_value_store.rs"));
}

use greeter::{Entry, Greeter, Mode, Options, PluginError, Sample, Stats, Summary};
use key_value_store as kv;

struct GreeterPlugin;

impl Greeter for GreeterPlugin {
    fn greet(name: String) -> String {
        format!("Hello, {}!", name)
    }

    fn summarize(document: Vec<u8>, options: Options) -> Result<Summary, PluginError> {
        summarize(&document, &options)
    }

    // Arguments arrive owned, so echoing them moves them back out.
    fn echo(text: String) -> String {
        text
    }

    fn echo_bytes(data: Vec<u8>) -> Vec<u8> {
        data
    }

    fn echo_sample(sample: Sample) -> Sample {
        sample
    }

    fn noop() {}

    fn collect(prefix: String) -> Vec<Entry> {
        // kv::Entry and greeter::Entry are distinct Rust types (one per generated module) with the same fields.
        kv::scan(&prefix)
            .into_iter()
            .map(|e| Entry { key: e.key, value: e.value.to_ascii_uppercase(), version: e.version })
            .collect()
    }

    fn lookup(key: String) -> Option<String> {
        kv::get(&key)
    }

    fn store(key: String, value: String) -> Result<(), PluginError> {
        kv::put(&key, &value).map_err(|e| PluginError::new(e.code(), e.into_message()))
    }

    fn count(delta: i32, times: i32) -> i64 {
        let mut last = 0;
        for _ in 0..times {
            last = kv::add(delta);
        }
        last
    }
}

greeter::export_greeter!(GreeterPlugin);
greeter::terrarium_allocator!();

/// Word characters: ASCII letters and digits, and every byte of a non-ASCII character.
fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c >= 0x80
}

/// See greeter.c: counts words, lines and bytes, then the most frequent units of the (folded) document.
fn summarize(doc: &[u8], options: &Options) -> Result<Summary, PluginError> {
    if doc.is_empty() {
        return Err(PluginError::new(22, "the document is empty"));
    }
    if std::str::from_utf8(doc).is_err() {
        return Err(PluginError::new(84, "the document is not valid UTF-8"));
    }
    let mut words = 0;
    let mut lines = 0;
    for (i, &c) in doc.iter().enumerate() {
        if c == b'\n' {
            lines += 1;
        }
        if is_word_byte(c) && (i == 0 || !is_word_byte(doc[i - 1])) {
            words += 1;
        }
    }
    if doc[doc.len() - 1] != b'\n' {
        lines += 1;
    }

    let folded: Vec<u8> =
        if options.case_sensitive { doc.to_vec() } else { doc.iter().map(|c| c.to_ascii_lowercase()).collect() };
    let hex: String;
    let units: Vec<&[u8]> = match options.mode {
        Mode::Words => folded.split(|&c| !is_word_byte(c)).filter(|w| !w.is_empty()).collect(),
        Mode::Lines => folded
            .split(|&c| c == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
            .filter(|l| !l.is_empty())
            .collect(),
        Mode::Bytes => {
            hex = folded.iter().map(|b| format!("{:02x}", b)).collect();
            hex.as_bytes().chunks(2).collect()
        }
    };

    let count = units.len();
    let total_len: usize = units.iter().map(|u| u.len()).sum();
    let mut sorted = units.clone();
    sorted.sort();
    let mut counted: Vec<(usize, &[u8])> = Vec::new();
    for u in sorted {
        match counted.last_mut() {
            Some((n, last)) if *last == u => *n += 1,
            _ => counted.push((1, u)),
        }
    }
    let distinct = counted.len();
    counted.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    let top = options.max_words.max(0) as usize;
    let top_words = counted
        .iter()
        .take(top)
        .map(|(_, u)| String::from_utf8_lossy(u).into_owned())
        .collect();

    Ok(Summary {
        words,
        lines,
        bytes: doc.len() as i64,
        top_words,
        stats: Stats {
            average_word_length: if count == 0 { 0.0 } else { total_len as f64 / count as f64 },
            unique_ratio: if count == 0 { 0.0 } else { (distinct as f64 / count as f64) as f32 },
        },
    })
}
