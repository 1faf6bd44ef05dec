//! A Terrarium plugin: implements dev.terrarium.samples.abi.Greeter and calls the host's KeyValueStore (module
//! "kv"), through the modules the Terrarium annotation processor generated into bindings/. Replace them with your
//! own interfaces' modules and the trait implementation below with yours.

#[allow(dead_code)]
mod greeter {
    include!(concat!(env!("TERRARIUM_GUEST_DIR"), "/greeter.rs"));
}

#[allow(dead_code)]
mod key_value_store {
    include!(concat!(env!("TERRARIUM_GUEST_DIR"), "/key_value_store.rs"));
}

use greeter::{Entry, Greeter, Options, PluginError, Sample, Stats, Summary};
use key_value_store as kv;

struct MyPlugin;

impl Greeter for MyPlugin {
    fn greet(name: String) -> String {
        format!("Hello, {}!", name)
    }

    fn summarize(document: Vec<u8>, options: Options) -> Result<Summary, PluginError> {
        if document.is_empty() {
            return Err(PluginError::new(22, "the document is empty"));
        }
        let text = String::from_utf8(document).map_err(|_| PluginError::new(84, "not UTF-8"))?;
        let words: Vec<String> = text.split_whitespace().map(str::to_string).collect();
        Ok(Summary {
            words: words.len() as i32,
            lines: text.lines().count() as i32,
            bytes: text.len() as i64,
            top_words: words.into_iter().take(options.max_words.max(0) as usize).collect(),
            stats: Stats { average_word_length: 0.0, unique_ratio: 0.0 },
        })
    }

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
        kv::scan(&prefix)
            .into_iter()
            .map(|e| Entry { key: e.key, value: e.value, version: e.version })
            .collect()
    }

    fn lookup(key: String) -> Option<String> {
        kv::get(&key)
    }

    fn store(key: String, value: String) -> Result<(), PluginError> {
        kv::put(&key, &value).map_err(|e| PluginError::new(e.code(), e.into_message()))
    }

    fn count(delta: i32, times: i32) -> i64 {
        (0..times).map(|_| kv::add(delta)).last().unwrap_or(0)
    }
}

// The wasm exports of Greeter, alloc and dealloc (once per plugin), and the manifest as the custom section
// terrarium.manifest, which the host reads when no manifest is given beside the module.
greeter::export_greeter!(MyPlugin);
greeter::terrarium_allocator!();
greeter::terrarium_manifest!(include_str!("../manifest.json"));
