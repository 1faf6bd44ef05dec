// greeter-as: the sample Greeter plugin in AssemblyScript (exports dev.terrarium.samples.abi.Greeter, imports the
// host's KeyValueStore as wasm module "kv"). It uses only the bindings that the Terrarium annotation processor
// generates from those interfaces (greeter.ts, greeter_exports.ts and key_value_store.ts in
// target/classes/META-INF/terrarium/guest/, which the build copies next to this file, plugin.ts) and
// AssemblyScript's standard library.
//
// Built by scripts/build-sample-plugins.sh with the AssemblyScript compiler that sample-plugins/package.json pins
// (npm ci):
//   asc plugin.ts --runtime incremental --use abort= -O3 -o greeter-as.wasm
// The module imports only kv.*; the build appends the manifest (AssemblyScript cannot write custom sections).
//
// Behaviour: identical to greeter-c and greeter-rust (see src/main/c/greeter/greeter.c and sample-plugins/README.md).

import { Entry, Greeter, Mode, Options, PluginError, Sample, Stats, Summary } from "./greeter";
import * as kv from "./key_value_store";

class GreeterPlugin extends Greeter {
  greet(name: string): string {
    return "Hello, " + name + "!";
  }

  summarize(document: Uint8Array, options: Options, err: PluginError): Summary | null {
    if (document.length == 0) {
      err.set(22, "the document is empty");
      return null;
    }
    if (!validUtf8(document)) {
      err.set(84, "the document is not valid UTF-8");
      return null;
    }
    return summarize(document, options);
  }

  echo(text: string): string {
    return text;
  }

  echoBytes(data: Uint8Array): Uint8Array {
    return data;
  }

  echoSample(sample: Sample): Sample {
    return sample;
  }

  noop(): void {}

  collect(prefix: string): Array<Entry> {
    // kv.Entry and Entry are distinct classes (one per generated module) with the same fields.
    const entries = kv.scan(prefix);
    const out = new Array<Entry>();
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      out.push(new Entry(e.key, upperAscii(e.value), e.version));
    }
    return out;
  }

  lookup(key: string): string | null {
    return kv.get(key);
  }

  store(key: string, value: string, err: PluginError): void {
    const e = new kv.PluginError();
    kv.put(key, value, e);
    if (e.failed) err.set(e.code, e.message);
  }

  count(delta: i32, times: i32): i64 {
    let last: i64 = 0;
    for (let i = 0; i < times; i++) {
      last = kv.add(delta);
    }
    return last;
  }
}

Greeter.register(new GreeterPlugin());

export * from "./greeter_exports";
export { alloc, dealloc } from "./greeter";

/** Upper-cases ASCII letters only. */
function upperAscii(s: string): string {
  const b = Uint8Array.wrap(String.UTF8.encode(s));
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c >= 0x61 && c <= 0x7a) b[i] = c - 0x20;
  }
  return String.UTF8.decode(b.buffer);
}

/** Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
function validUtf8(p: Uint8Array): bool {
  const n = p.length;
  let i = 0;
  while (i < n) {
    const c = p[i];
    let extra = 0;
    let lo: u8 = 0x80;
    let hi: u8 = 0xbf;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      extra = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      extra = 2;
      if (c == 0xe0) lo = 0xa0;
      else if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      extra = 3;
      if (c == 0xf0) lo = 0x90;
      else if (c == 0xf4) hi = 0x8f;
    } else {
      return false;
    }
    if (i + extra >= n) return false; // truncated
    const second = p[i + 1];
    if (second < lo || second > hi) return false;
    for (let k = 2; k <= extra; k++) {
      const b = p[i + k];
      if (b < 0x80 || b > 0xbf) return false;
    }
    i += extra + 1;
  }
  return true;
}

/** Word characters: ASCII letters and digits, and every byte of a non-ASCII character. */
function isWordByte(c: u8): bool {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c >= 0x80;
}

/** A unit: a range of the folded document (or of the hex text in BYTES mode). */
class Unit {
  constructor(public start: i32, public len: i32) {}
}

/** Compares two ranges of buf by their bytes (which is code point order for UTF-8). */
function compareBytes(buf: Uint8Array, a: Unit, b: Unit): i32 {
  const n = a.len < b.len ? a.len : b.len;
  for (let i = 0; i < n; i++) {
    const x = <i32>buf[a.start + i];
    const y = <i32>buf[b.start + i];
    if (x != y) return x - y;
  }
  return a.len - b.len;
}

class Counted {
  constructor(public count: i32, public unit: Unit) {}
}

// The comparators of Array.sort cannot capture variables, so the buffer they compare is a global.
let sortBuffer: Uint8Array = new Uint8Array(0);

/** See greeter.c: counts words, lines and bytes, then the most frequent units of the (folded) document. */
function summarize(doc: Uint8Array, options: Options): Summary {
  const n = doc.length;
  let words = 0;
  let lines = 0;
  for (let i = 0; i < n; i++) {
    const c = doc[i];
    if (c == 0x0a) lines++;
    if (isWordByte(c) && (i == 0 || !isWordByte(doc[i - 1]))) words++;
  }
  if (doc[n - 1] != 0x0a) lines++;

  const folded = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = doc[i];
    folded[i] = !options.caseSensitive && c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
  }

  let buf = folded;
  const units = new Array<Unit>();
  if (options.mode == Mode.WORDS) {
    let start = -1;
    for (let i = 0; i <= n; i++) {
      const word = i < n && isWordByte(folded[i]);
      if (word && start < 0) start = i;
      if (!word && start >= 0) {
        units.push(new Unit(start, i - start));
        start = -1;
      }
    }
  } else if (options.mode == Mode.LINES) {
    let start = 0;
    for (let i = 0; i <= n; i++) {
      if (i == n || folded[i] == 0x0a) {
        let len = i - start;
        if (len > 0 && folded[start + len - 1] == 0x0d) len--;
        if (len > 0) units.push(new Unit(start, len));
        start = i + 1;
      }
    }
  } else {
    const hex = new Uint8Array(n * 2);
    const digits = "0123456789abcdef";
    for (let i = 0; i < n; i++) {
      hex[2 * i] = <u8>digits.charCodeAt(folded[i] >> 4);
      hex[2 * i + 1] = <u8>digits.charCodeAt(folded[i] & 15);
      units.push(new Unit(2 * i, 2));
    }
    buf = hex;
  }

  const count = units.length;
  let totalLen = 0;
  for (let i = 0; i < count; i++) totalLen += units[i].len;

  sortBuffer = buf;
  const sorted = units.slice(0);
  sorted.sort((a: Unit, b: Unit): i32 => compareBytes(sortBuffer, a, b));
  const counted = new Array<Counted>();
  for (let i = 0; i < sorted.length; i++) {
    const u = sorted[i];
    if (counted.length > 0 && compareBytes(buf, counted[counted.length - 1].unit, u) == 0) {
      counted[counted.length - 1].count++;
    } else {
      counted.push(new Counted(1, u));
    }
  }
  const distinct = counted.length;
  counted.sort((a: Counted, b: Counted): i32 =>
    a.count != b.count ? b.count - a.count : compareBytes(sortBuffer, a.unit, b.unit));
  const top = options.maxWords > 0 ? options.maxWords : 0;
  const topWords = new Array<string>();
  for (let i = 0; i < counted.length && i < top; i++) {
    const u = counted[i].unit;
    topWords.push(String.UTF8.decodeUnsafe(buf.dataStart + <usize>u.start, <usize>u.len));
  }

  return new Summary(
    words,
    lines,
    <i64>n,
    topWords,
    new Stats(
      count == 0 ? 0.0 : <f64>totalLen / <f64>count,
      count == 0 ? <f32>0.0 : <f32>(<f64>distinct / <f64>count)));
}
