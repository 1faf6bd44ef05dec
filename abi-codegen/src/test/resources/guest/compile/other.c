/*
 * The second translation unit of the test plugin (see plugin.c): includes the headers again, without
 * TERRARIUM_IMPLEMENTATION, and calls every host import through the generated wrappers.
 */
#include "sink.h"
#include "key_value_store.h"
#include "greeter.h"

__attribute__((export_name("call_everything"))) double call_everything(void);

double call_everything(void) {
  double total = 0;
  sink_ping();
  sink_log(tr_str("hello"));
  tr_string value = sink_get(tr_str("key"));
  total += TR_IS_ABSENT(value) ? 0 : value.len;

  Point points[1] = { { 1, 2 } };
  tr_string tags[2] = { tr_str("a"), tr_string_absent() };
  Shape shape;
  memset(&shape, 0, sizeof shape);
  shape.kind = KIND_Self;
  shape.points.ptr = points;
  shape.points.len = 1;
  shape.tags.ptr = tags;
  shape.tags.len = 2;
  shape.label = value;
  shape.blob = tr_bytes_absent();
  shape.maybe_ints.len = TR_ABSENT;
  Shape round;
  tr_error err = { 0, { NULL, 0 } };
  if (sink_round_trip(&shape, &round, &err) != 0) {
    total += err.code;
    tr_free_error(&err);
  } else {
    total += round.points.len;
    tr_free_Shape(&round);
  }
  sink_round_trip(&shape, NULL, NULL);
  tr_free_string(&value);

  Node node;
  memset(&node, 0, sizeof node);
  node.name = tr_str("root");
  Node* found = sink_find(&node, tr_string_absent());
  tr_list_Node nodes = { &node, 1 };
  tr_list_Node children = sink_children(nodes, found);
  total += children.len;
  tr_free_list_Node(&children);
  tr_free_opt_Node(&found);

  uint8_t raw[3] = { 1, 2, 3 };
  tr_bytes b = { raw, 3 };
  tr_bytes echoed = sink_bytes(b, tr_bytes_absent());
  total += echoed.len;
  tr_free_bytes(&echoed);

  total += sink_flag(true, COLOR_GREEN);
  Color colors[2] = { COLOR_RED, COLOR_BLUE };
  tr_list_Color cs = { colors, 2 };
  total += sink_color(cs);

  int64_t xs[1] = { 1 };
  int32_t ys[1] = { 2 };
  float fs[1] = { 3 };
  double ds[1] = { 4 };
  tr_bool bs[1] = { 1 };
  tr_list_i64 lx = { xs, 1 };
  tr_list_i32 ly = { ys, 1 };
  tr_list_f32 lf = { fs, 1 };
  tr_list_f64 ld = { ds, 1 };
  tr_list_bool lb = { bs, 1 };
  total += sink_sum(lx, ly, lf, ld, lb);

  float half = 0;
  if (sink_half(1.0f, &half, NULL) == 0) {
    total += half;
  }
  total += sink_fail(3, NULL);

  Empty e = sink_empty(NULL);
  tr_free_Empty(&e);

  tr_list_list_string grid = { NULL, 0 };
  tr_list_bytes blobs = { NULL, 0 };
  Result* result = sink_result(grid, blobs);
  if (result != NULL) {
    total += result->code;
  }
  tr_free_opt_Result(&result);

  total += (double)sink_wide(1, 2, 3.0f, 4.0, false);
  Point p = { 1, 1 };
  tr_list_Point ps = { &p, 1 };
  total += sink_shadow(&p, ps, NULL);

  tr_list_Entry entries = key_value_store_scan(tr_str(""));
  total += entries.len;
  tr_free_list_Entry(&entries);
  return total;
}
