// A plugin that uses every generated AssemblyScript module of the guest writer tests: it implements both export
// classes (Greeter and the kitchen sink) and calls every host import (kv and sink). Compiled by
// AssemblyScriptGuestWriterTest with asc --runtime incremental --use abort=.

import * as greeter from "./greeter";
import * as kv from "./key_value_store";
import * as ks from "./outer_kitchen_sink";
import * as sink from "./sink";

class MyGreeter extends greeter.Greeter {
  greet(name: string): string {
    return "Hello, " + name + "!";
  }

  summarize(document: Uint8Array, options: greeter.Options, err: greeter.PluginError): greeter.Summary | null {
    if (document.length == 0) {
      err.set(22, "empty");
      return null;
    }
    const top = new Array<string>();
    const language = options.language;
    top.push(language != null ? language : "none");
    return new greeter.Summary(1, 1, <i64>document.length, top, new greeter.Stats(1.0, 0.5));
  }

  echo(text: string): string {
    return text;
  }

  echoBytes(data: Uint8Array): Uint8Array {
    return data;
  }

  echoSample(sample: greeter.Sample): greeter.Sample {
    return sample;
  }

  noop(): void {}

  collect(prefix: string): Array<greeter.Entry> {
    const out = new Array<greeter.Entry>();
    const entries = kv.scan(prefix);
    for (let i = 0; i < entries.length; i++) {
      out.push(new greeter.Entry(entries[i].key, entries[i].value.toUpperCase(), entries[i].version));
    }
    return out;
  }

  lookup(key: string): string | null {
    return kv.get(key);
  }

  store(key: string, value: string, err: greeter.PluginError): void {
    const e = new kv.PluginError();
    kv.put(key, value, e);
    if (e.failed) err.set(e.code, e.message);
  }

  count(delta: i32, times: i32): i64 {
    let last: i64 = 0;
    for (let i = 0; i < times; i++) last = kv.add(delta);
    return last;
  }
}

class Sink extends ks.KitchenSink {
  addInts(a: i32, b: i32): i32 {
    return a + b;
  }
  addLongs(a: i64, b: i64): i64 {
    return a + b;
  }
  half(x: f32): f32 {
    return x / 2;
  }
  twice(x: f64): f64 {
    return x * 2;
  }
  not(b: bool): bool {
    return !b;
  }
  next(c: ks.Color): ks.Color {
    return c == ks.Color.BLUE ? ks.Color.RED : <ks.Color>(<i32>c + 1);
  }
  concat(a: string, b: string | null): string {
    return b == null ? a : a + b;
  }
  reverse(data: Uint8Array): Uint8Array {
    return data.reverse();
  }
  maybeBytes(data: Uint8Array | null): Uint8Array | null {
    return data;
  }
  transform(shape: ks.Shape, offset: ks.Point | null, err: ks.PluginError): ks.Shape | null {
    if (offset == null) {
      err.set(7, "no offset");
      return null;
    }
    shape.origin = new ks.Point(shape.origin.x + offset.x, shape.origin.y + offset.y);
    return shape;
  }
  find(root: ks.Node, name: string): ks.Node | null {
    return root.name == name ? root : null;
  }
  flatten(root: ks.Node | null): Array<ks.Node> {
    const out = new Array<ks.Node>();
    if (root != null) out.push(root);
    return out;
  }
  empty(e: ks.Empty): ks.Empty {
    return e;
  }
  fail(code: i32, err: ks.PluginError): void {
    if (code != 0) err.set(code, "failed");
  }
  weird(match: bool, err_: i32, out: string, struct: i64): f64 {
    return match ? <f64>err_ + <f64>out.length : <f64>struct;
  }
  results(ids: Array<i64>): Array<ks.Result> {
    const out = new Array<ks.Result>();
    for (let i = 0; i < ids.length; i++) out.push(new ks.Result(<i32>ids[i], true));
    return out;
  }
  maybeFloat(p: ks.Point | null, err: ks.PluginError): f32 {
    if (p == null) {
      err.set(1, "absent");
      return 0;
    }
    return p.x;
  }
  lists(grid: Array<Array<string | null>>): Array<Array<string | null>> {
    return grid;
  }
  colors(colors: Array<ks.Color>, flags: Array<bool>): Array<ks.Color> {
    return flags.length > 0 ? colors : new Array<ks.Color>();
  }
}

greeter.Greeter.register(new MyGreeter());
ks.KitchenSink.register(new Sink());

export * from "./greeter_exports";
export * from "./outer_kitchen_sink_exports";
export { alloc, dealloc } from "./greeter";

/** Calls every sink import (never called; it only has to compile and link). */
export function call_everything(): f64 {
  sink.ping();
  sink.log("hello");
  const value = sink.get("key");
  const tags = new Array<string | null>();
  tags.push("a");
  tags.push(null);
  const grid = new Array<Array<string>>();
  grid.push(["x"]);
  grid.push(new Array<string>());
  const maybePoints = new Array<sink.Point | null>();
  maybePoints.push(null);
  maybePoints.push(new sink.Point(5, 6));
  const chunks = new Array<Uint8Array>();
  chunks.push(new Uint8Array(3));
  const shape = new sink.Shape(
    sink.Kind.Self, new sink.Point(1, 2), [new sink.Point(0, 0)], tags, grid, [sink.Color.RED, sink.Color.BLUE],
    [true, false], new sink.Point(3, 4), chunks, maybePoints, [1, 2], [0.5], [0.25], [7], value, null, [1, 2, 3],
    new sink.Empty(), true, 2.5);
  const e = new sink.PluginError();
  const round = sink.roundTrip(shape, e);
  const children = new Array<sink.Result>();
  children.push(new sink.Result(1, true));
  const node = new sink.Node("root", new sink.Point(0, 1), children, null);
  const found = sink.find(node, "root");
  const kids = sink.children([node], found);
  const bytes = sink.bytes(new Uint8Array(3), null);
  const flag = sink.flag(true, sink.Color.GREEN);
  const color = sink.color([sink.Color.RED]);
  const sum = sink.sum([1], [2], [3.0], [4.0], [true]);
  const half = sink.half(1.0, e);
  sink.fail(3, e);
  sink.empty(new sink.Empty());
  const blobs = new Array<Uint8Array | null>();
  blobs.push(null);
  const result = sink.result([["a"]], blobs);
  const wide = sink.wide(1, 2, 3.0, 4.0, false);
  const p = new sink.Point(1, 1);
  const shadow = sink.shadow(p, [p], null);
  const got = kv.get("k");
  const err = new kv.PluginError();
  kv.put("k", "v", err);
  return (round == null ? 0.0 : <f64>round.floats.length) + <f64>kids.length + <f64>bytes.length + (flag ? 1.0 : 0.0)
    + <f64>color + sum + <f64>half + (e.failed ? 1.0 : 0.0) + (result == null ? 0.0 : <f64>result.code) + <f64>wide
    + <f64>shadow + (got == null ? 0.0 : 1.0) + <f64>kv.scan("").length + <f64>kv.add(1);
}
