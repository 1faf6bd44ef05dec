/*
 * A plugin written against every generated header of the guest writer tests: it implements Greeter and the
 * kitchen sink (this file defines TERRARIUM_IMPLEMENTATION, so the exports live here); other.c calls every host
 * import. Built by CGuestWriterTest with clang -Wall -Wextra -Werror and linked without an entry point.
 */
#define TERRARIUM_IMPLEMENTATION
#include "greeter.h"
#include "key_value_store.h"
#include "outer_kitchen_sink.h"
#include "sink.h"

/* ---- Greeter ---- */

tr_string greeter_greet(tr_string name) {
  size_t len = 7 + name.len + 1;
  char* out = tr_alloc(len);
  memcpy(out, "Hello, ", 7);
  memcpy(out + 7, name.ptr, name.len);
  out[len - 1] = '!';
  tr_string result = { out, (uint32_t)len };
  return result;
}

Summary greeter_summarize(tr_bytes document, const Options* options, tr_error* err) {
  Summary s;
  memset(&s, 0, sizeof s);
  if (document.len == 0) {
    tr_error_set(err, 22, "the document is empty");
    return s;
  }
  s.bytes = document.len;
  s.words = options->max_words;
  s.lines = options->mode == MODE_LINES;
  s.top_words = tr_alloc_list_string(1);
  s.top_words.ptr[0] = TR_IS_ABSENT(options->language) ? tr_string_from_cstr("none")
                                                      : tr_string_dup(options->language);
  s.stats.average_word_length = 1.5;
  s.stats.unique_ratio = 0.5f;
  return s;
}

tr_string greeter_echo(tr_string text) {
  return tr_string_dup(text);
}

tr_bytes greeter_echo_bytes(tr_bytes data) {
  return tr_bytes_dup(data);
}

Sample greeter_echo_sample(const Sample* sample) {
  Sample copy = *sample;
  copy.label = tr_string_dup(sample->label);
  return copy;
}

void greeter_noop(void) {}

tr_list_Entry greeter_collect(tr_string prefix) {
  return key_value_store_scan(prefix);
}

tr_string greeter_lookup(tr_string key) {
  return key_value_store_get(key);
}

void greeter_store(tr_string key, tr_string value, tr_error* err) {
  key_value_store_put(key, value, err);
}

int64_t greeter_count(int32_t delta, int32_t times) {
  int64_t last = 0;
  for (int32_t i = 0; i < times; i++) {
    last = key_value_store_add(delta);
  }
  return last;
}

/* ---- the kitchen sink ---- */

int32_t outer_kitchen_sink_add_ints(int32_t a, int32_t b) { return a + b; }
int64_t outer_kitchen_sink_add_longs(int64_t a, int64_t b) { return a + b; }
float outer_kitchen_sink_half(float x) { return x / 2; }
double outer_kitchen_sink_twice(double x) { return x * 2; }
bool outer_kitchen_sink_not(bool b) { return !b; }
Color outer_kitchen_sink_next(Color c) { return (c + 1) % COLOR__COUNT; }

tr_string outer_kitchen_sink_concat(tr_string a, tr_string b) {
  uint32_t blen = TR_IS_ABSENT(b) ? 0 : b.len;
  char* out = tr_alloc(a.len + blen + 1);
  memcpy(out, a.ptr, a.len);
  if (blen > 0) {
    memcpy(out + a.len, b.ptr, blen);
  }
  tr_string s = { out, a.len + blen };
  return s;
}

tr_bytes outer_kitchen_sink_reverse(tr_bytes data) {
  tr_bytes out = tr_bytes_dup(data);
  uint8_t* p = (uint8_t*)out.ptr;
  for (uint32_t i = 0; i < out.len / 2; i++) {
    uint8_t t = p[i];
    p[i] = p[out.len - 1 - i];
    p[out.len - 1 - i] = t;
  }
  return out;
}

tr_bytes outer_kitchen_sink_maybe_bytes(tr_bytes data) {
  return tr_bytes_dup(data);
}

Shape outer_kitchen_sink_transform(const Shape* shape, const Point* offset, tr_error* err) {
  Shape out;
  memset(&out, 0, sizeof out);
  if (offset == NULL) {
    tr_error_set(err, 1, "no offset");
    return out;
  }
  out.kind = KIND_BIG_BOX;
  out.origin = *offset;
  out.label = tr_string_dup(shape->label);
  out.blob = tr_bytes_absent();
  out.maybe_ints = shape->maybe_ints.ptr == NULL ? shape->maybe_ints : tr_alloc_list_i32(1);
  out.center = tr_new_Point();
  out.center->x = 1;
  out.maybe_points = tr_alloc_list_opt_Point(2);
  out.maybe_points.ptr[1] = tr_new_Point();
  out.grid = tr_alloc_list_list_string(1);
  out.grid.ptr[0] = tr_alloc_list_string(1);
  out.grid.ptr[0].ptr[0] = tr_str("x").len ? tr_string_from_cstr("x") : tr_string_absent();
  out.match = 1;
  return out;
}

Node* outer_kitchen_sink_find(const Node* root, tr_string name) {
  if (root->name.len != name.len || memcmp(root->name.ptr, name.ptr, name.len) != 0) {
    return NULL;
  }
  Node* n = tr_new_Node();
  n->name = tr_string_dup(root->name);
  n->parent = tr_new_Result();
  return n;
}

tr_list_Node outer_kitchen_sink_flatten(const Node* root) {
  tr_list_Node out = tr_alloc_list_Node(root == NULL ? 0 : 1);
  if (root != NULL) {
    out.ptr[0].name = tr_string_dup(root->name);
  }
  return out;
}

Empty outer_kitchen_sink_empty(const Empty* e) {
  return *e;
}

/* No stdio here: printf and friends would import WASI functions. */
void outer_kitchen_sink_fail(int32_t code, tr_error* err) {
  char message[16] = "failed with ?";
  message[12] = (char)('0' + (code % 10 + 10) % 10);
  tr_error_set(err, code, message);
}

double outer_kitchen_sink_weird(bool match, int32_t err_, tr_string out_, int64_t struct_) {
  return match + err_ + out_.len + (double)struct_;
}

tr_list_Result outer_kitchen_sink_results(tr_list_i64 ids) {
  tr_list_Result out = tr_alloc_list_Result(ids.len);
  for (uint32_t i = 0; i < ids.len; i++) {
    out.ptr[i].code = (int32_t)ids.ptr[i];
    out.ptr[i].ok = ids.ptr[i] > 0;
  }
  return out;
}

float outer_kitchen_sink_maybe_float(const Point* p, tr_error* err) {
  if (p == NULL) {
    tr_error_set(err, -1, NULL);
    return 0;
  }
  return p->x + p->y;
}

tr_list_list_string outer_kitchen_sink_lists(tr_list_list_string grid) {
  tr_list_list_string out = tr_alloc_list_list_string(grid.len);
  for (uint32_t i = 0; i < grid.len; i++) {
    out.ptr[i] = tr_alloc_list_string(grid.ptr[i].len);
    for (uint32_t j = 0; j < grid.ptr[i].len; j++) {
      out.ptr[i].ptr[j] = tr_string_dup(grid.ptr[i].ptr[j]);
    }
  }
  return out;
}

tr_list_Color outer_kitchen_sink_colors(tr_list_Color colors, tr_list_bool flags) {
  tr_list_Color out = tr_alloc_list_Color(colors.len);
  for (uint32_t i = 0; i < colors.len && i < flags.len; i++) {
    out.ptr[i] = flags.ptr[i] ? colors.ptr[i] : COLOR_RED;
  }
  return out;
}
