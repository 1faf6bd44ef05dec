// A plugin crate that uses every generated module of the guest writer tests: it implements both export traits
// (Greeter and the kitchen sink) and calls every host import (kv and sink). Compiled by RustGuestWriterTest with
// TERRARIUM_GUEST_DIR pointing at the generated files.

#[allow(dead_code)]
mod greeter {
    include!(concat!(env!("TERRARIUM_GUEST_DIR"), "/greeter.rs"));
}

#[allow(dead_code)]
mod key_value_store {
    include!(concat!(env!("TERRARIUM_GUEST_DIR"), "/key_value_store.rs"));
}

#[allow(dead_code)]
mod outer_kitchen_sink {
    include!(concat!(env!("TERRARIUM_GUEST_DIR"), "/outer_kitchen_sink.rs"));
}

pub mod bindings {
    #[allow(dead_code)]
    pub mod sink {
        include!(concat!(env!("TERRARIUM_GUEST_DIR"), "/sink.rs"));
    }
}

use bindings::sink;
use greeter::{Entry, Greeter, Options, PluginError, Sample, Summary};
use outer_kitchen_sink as ks;

pub struct MyGreeter;

impl Greeter for MyGreeter {
    fn greet(name: String) -> String {
        format!("Hello, {}!", name)
    }

    fn summarize(document: Vec<u8>, options: Options) -> Result<Summary, PluginError> {
        if document.is_empty() {
            return Err(PluginError::new(22, "empty"));
        }
        Ok(Summary {
            words: options.max_words,
            lines: options.mode.ordinal(),
            bytes: document.len() as i64,
            top_words: options.language.into_iter().collect(),
            stats: greeter::Stats { average_word_length: 1.0, unique_ratio: 0.5 },
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
        key_value_store::scan(&prefix)
            .into_iter()
            .map(|e| Entry { key: e.key, value: e.value.to_uppercase(), version: e.version })
            .collect()
    }

    fn lookup(key: String) -> Option<String> {
        key_value_store::get(&key)
    }

    fn store(key: String, value: String) -> Result<(), PluginError> {
        key_value_store::put(&key, &value).map_err(|e| PluginError::new(e.code(), e.message()))
    }

    fn count(delta: i32, times: i32) -> i64 {
        let mut last = 0;
        for _ in 0..times {
            last = key_value_store::add(delta);
        }
        last
    }
}

greeter::export_greeter!(MyGreeter);

pub struct Sink;

impl ks::KitchenSink for Sink {
    fn add_ints(a: i32, b: i32) -> i32 {
        a.wrapping_add(b)
    }

    fn add_longs(a: i64, b: i64) -> i64 {
        a.wrapping_add(b)
    }

    fn half(x: f32) -> f32 {
        x / 2.0
    }

    fn twice(x: f64) -> f64 {
        x * 2.0
    }

    fn not(b: bool) -> bool {
        !b
    }

    fn next(c: ks::Color) -> ks::Color {
        ks::Color::from_ordinal((c.ordinal() + 1) % 3).unwrap()
    }

    fn concat(a: String, b: Option<String>) -> String {
        a + &b.unwrap_or_default()
    }

    fn reverse(mut data: Vec<u8>) -> Vec<u8> {
        data.reverse();
        data
    }

    fn maybe_bytes(data: Option<Vec<u8>>) -> Option<Vec<u8>> {
        data
    }

    fn transform(shape: ks::Shape, offset: Option<ks::Point>) -> Result<ks::Shape, ks::PluginError> {
        let mut shape = shape;
        match offset {
            Some(p) => {
                shape.origin = p;
                shape.kind = ks::Kind::BigBox;
                Ok(shape)
            }
            None => Err(ks::PluginError::new(1, "no offset")),
        }
    }

    fn find(root: ks::Node, name: String) -> Option<ks::Node> {
        if root.name == name {
            Some(root)
        } else {
            None
        }
    }

    fn flatten(root: Option<ks::Node>) -> Vec<ks::Node> {
        root.into_iter().collect()
    }

    fn empty(e: ks::Empty) -> ks::Empty {
        e
    }

    fn fail(code: i32) -> Result<(), ks::PluginError> {
        Err(ks::PluginError::new(code, format!("failed with {}", code)))
    }

    fn weird(r#match: bool, err: i32, out: String, r#struct: i64) -> f64 {
        (r#match as i32 + err) as f64 + out.len() as f64 + r#struct as f64
    }

    fn results(ids: Vec<i64>) -> Vec<ks::Result> {
        ids.iter().map(|&i| ks::Result { code: i as i32, ok: i > 0 }).collect()
    }

    fn maybe_float(p: Option<ks::Point>) -> Result<f32, ks::PluginError> {
        p.map(|p| p.x + p.y).ok_or_else(|| ks::PluginError::new(-1, ""))
    }

    fn lists(grid: Vec<Vec<Option<String>>>) -> Vec<Vec<Option<String>>> {
        grid
    }

    fn colors(colors: Vec<ks::Color>, flags: Vec<bool>) -> Vec<ks::Color> {
        colors.into_iter().zip(flags).filter(|(_, f)| *f).map(|(c, _)| c).collect()
    }
}

ks::export_outer_kitchen_sink!(Sink, crate::outer_kitchen_sink);

greeter::terrarium_allocator!();

// The manifest, embedded as the custom section terrarium.manifest (the test checks its bytes).
key_value_store::terrarium_manifest!(r#"{"id":"compile-test","version":"1.0.0","description":"Été \"quoted\"","capabilities":{"hostModules":["kv","sink"]}}"#);

/// Calls every sink import (never called; it only has to compile and link).
#[no_mangle]
pub extern "C" fn call_everything() -> f64 {
    sink::ping();
    sink::log("hello");
    let value = sink::get("key");
    let shape = sink::Shape {
        kind: sink::Kind::Self_,
        origin: sink::Point { x: 1.0, y: 2.0 },
        points: vec![sink::Point { x: 0.0, y: 0.0 }],
        tags: vec![Some("a".to_string()), None],
        grid: vec![vec!["x".to_string()], vec![]],
        colors: vec![sink::Color::Red, sink::Color::Blue],
        flags: vec![true, false],
        center: Some(sink::Point { x: 3.0, y: 4.0 }),
        chunks: vec![vec![1, 2, 3]],
        maybe_points: vec![None, Some(sink::Point { x: 5.0, y: 6.0 })],
        longs: vec![1, 2],
        doubles: vec![0.5],
        floats: vec![0.25],
        ints: vec![7],
        label: value,
        blob: None,
        maybe_ints: Some(vec![1, 2, 3]),
        empty: sink::Empty {},
        r#match: true,
        r#struct: 2.5,
    };
    let round = sink::round_trip(&shape).unwrap_or(shape);
    let node = sink::Node {
        name: "root".to_string(),
        next: Some(sink::Point { x: 0.0, y: 1.0 }),
        children: vec![sink::Result { code: 1, ok: true }],
        parent: None,
    };
    let found = sink::find(&node, Some("root"));
    let children = sink::children(&[node.clone()], found.as_ref());
    let bytes = sink::bytes(b"abc", None);
    let flag = sink::flag(true, sink::Color::Green);
    let color = sink::color(&[sink::Color::Red]);
    let sum = sink::sum(&[1], &[2], &[3.0], &[4.0], &[true]);
    let half = sink::half(1.0).unwrap_or(0.0);
    let failed = sink::fail(3).is_err();
    let _empty = sink::empty(Some(&sink::Empty {}));
    let result = sink::result(&[vec!["a".to_string()]], &[Some(vec![1]), None]);
    let wide = sink::wide(1, 2, 3.0, 4.0, false);
    let p = sink::Point { x: 1.0, y: 1.0 };
    let shadow = sink::shadow(&p, &[p.clone()], None);
    round.floats.len() as f64
        + children.len() as f64
        + bytes.len() as f64
        + flag as i32 as f64
        + color.ordinal() as f64
        + sum
        + half as f64
        + failed as i32 as f64
        + result.map(|r| r.code).unwrap_or(0) as f64
        + wide as f64
        + shadow as f64
}
