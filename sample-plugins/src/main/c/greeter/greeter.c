/*
 * greeter-c: the sample Greeter plugin in C (exports dev.terrarium.samples.abi.Greeter, imports the host's
 * KeyValueStore as wasm module "kv"). It uses only the bindings that the Terrarium annotation processor
 * generates from those interfaces (greeter.h, key_value_store.h in target/classes/META-INF/terrarium/guest/) and
 * wasi-libc's malloc, string and qsort functions, none of which import WASI, so the module imports nothing but
 * kv.* and its manifest requests no WASI capability.
 *
 * Built by scripts/build-sample-plugins.sh:
 *   clang --target=wasm32-wasi --sysroot=/usr -O2 -Wall -Wextra -Werror -nostartfiles -Wl,--no-entry \
 *     -I<guest bindings dir> -o greeter-c.wasm greeter.c
 * (no entry point: the module is a library of exports, not a command).
 *
 * Behaviour (identical in greeter-rust, see sample-plugins/README.md):
 *   greet(name)              "Hello, <name>!"
 *   summarize(doc, options)  see summarize() below; error 22 for an empty document, 84 for invalid UTF-8
 *   echo, echo_bytes, echo_sample  return their argument
 *   noop()                   nothing
 *   collect(prefix)          kv.scan(prefix) with the values upper-cased (ASCII letters)
 *   lookup(key)              kv.get(key)
 *   store(key, value)        kv.put(key, value); a host error becomes this call's error (same code, message)
 *   count(delta, times)      kv.add(delta) `times` times, returns the last result (0 when times <= 0)
 */

/* This file defines the exports: alloc, dealloc and every Greeter function. */
#define TERRARIUM_IMPLEMENTATION
#include "greeter.h"
#include "key_value_store.h"

/* The manifest, embedded as the custom section terrarium.manifest by the header's macro (the JSON as it is). */
TR_MANIFEST({"id":"greeter-c","version":"0.1.0","capabilities":{"hostModules":["kv"]}});

/* ---- greet, echo, noop ---- */

tr_string greeter_greet(tr_string name) {
  static const char hello[] = "Hello, ";
  size_t prefix = sizeof hello - 1;
  size_t len = prefix + name.len + 1;
  char* out = tr_alloc(len);
  memcpy(out, hello, prefix);
  if (name.len > 0) {
    memcpy(out + prefix, name.ptr, name.len);
  }
  out[len - 1] = '!';
  tr_string result = { out, (uint32_t)len };
  return result;
}

/* The wrapper frees the arguments after we return, so results that echo them must be copies. */
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

/* ---- the kv calls ---- */

tr_list_Entry greeter_collect(tr_string prefix) {
  /* The host's result is ours: hand it on to our caller (the host) after upper-casing the values in place. */
  tr_list_Entry entries = key_value_store_scan(prefix);
  for (uint32_t i = 0; i < entries.len; i++) {
    char* value = (char*)entries.ptr[i].value.ptr;
    for (uint32_t j = 0; j < entries.ptr[i].value.len; j++) {
      if (value[j] >= 'a' && value[j] <= 'z') {
        value[j] = (char)(value[j] - 'a' + 'A');
      }
    }
  }
  return entries;
}

tr_string greeter_lookup(tr_string key) {
  return key_value_store_get(key); /* absent stays absent */
}

void greeter_store(tr_string key, tr_string value, tr_error* err) {
  /* The host writes its error (code and a message we own) straight into err, which the wrapper hands back. */
  key_value_store_put(key, value, err);
}

int64_t greeter_count(int32_t delta, int32_t times) {
  int64_t last = 0;
  for (int32_t i = 0; i < times; i++) {
    last = key_value_store_add(delta);
  }
  return last;
}

/* ---- summarize ----
 *
 * words  the number of words: maximal runs of ASCII letters, ASCII digits and non-ASCII characters;
 * lines  the number of '\n' bytes, plus 1 when the document does not end with '\n';
 * bytes  the document's length.
 * The document is then lower-cased (ASCII letters) unless options->case_sensitive, and split into units
 * according to options->mode:
 *   MODE_WORDS  the words;
 *   MODE_LINES  the lines without their '\n' and one trailing '\r', empty lines skipped;
 *   MODE_BYTES  every byte, as two lower-case hex digits ("0a").
 * top_words    the most frequent units, most frequent first, ties in byte order, at most options->max_words;
 * stats        average_word_length: the units' average length in bytes (0 without units);
 *              unique_ratio: distinct units / units (0 without units).
 * options->language is not used.
 */

typedef struct {
  const char* ptr;
  uint32_t len;
  uint32_t count;
} unit;

static int is_word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}

/* Whether [p, p + n) is well-formed UTF-8 (no overlong forms, surrogates or values above U+10FFFF). */
static int valid_utf8(const unsigned char* p, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    size_t extra;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      if (c == 0xE0) {
        lo = 0xA0;
      } else if (c == 0xED) {
        hi = 0x9F;
      }
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      if (c == 0xF0) {
        lo = 0x90;
      } else if (c == 0xF4) {
        hi = 0x8F;
      }
    } else {
      return 0;
    }
    if (n - i <= extra) {
      return 0;
    }
    if (p[i + 1] < lo || p[i + 1] > hi) {
      return 0;
    }
    for (size_t k = 2; k <= extra; k++) {
      if (p[i + k] < 0x80 || p[i + k] > 0xBF) {
        return 0;
      }
    }
    i += extra + 1;
  }
  return 1;
}

static int compare_bytes(const char* a, uint32_t alen, const char* b, uint32_t blen) {
  uint32_t n = alen < blen ? alen : blen;
  int c = n == 0 ? 0 : memcmp(a, b, n);
  if (c != 0) {
    return c;
  }
  return alen < blen ? -1 : alen > blen ? 1 : 0;
}

static int by_text(const void* x, const void* y) {
  const unit* a = x;
  const unit* b = y;
  return compare_bytes(a->ptr, a->len, b->ptr, b->len);
}

static int by_count_then_text(const void* x, const void* y) {
  const unit* a = x;
  const unit* b = y;
  if (a->count != b->count) {
    return a->count > b->count ? -1 : 1;
  }
  return by_text(x, y);
}

Summary greeter_summarize(tr_bytes document, const Options* options, tr_error* err) {
  Summary summary;
  memset(&summary, 0, sizeof summary);
  if (document.len == 0) {
    tr_error_set(err, 22, "the document is empty");
    return summary;
  }
  if (!valid_utf8(document.ptr, document.len)) {
    tr_error_set(err, 84, "the document is not valid UTF-8");
    return summary;
  }
  const unsigned char* doc = document.ptr;
  uint32_t n = document.len;

  summary.bytes = n;
  for (uint32_t i = 0; i < n; i++) {
    if (doc[i] == '\n') {
      summary.lines++;
    }
    if (is_word_byte(doc[i]) && (i == 0 || !is_word_byte(doc[i - 1]))) {
      summary.words++;
    }
  }
  if (doc[n - 1] != '\n') {
    summary.lines++;
  }

  /* The folded text the units point into (for MODE_BYTES: two hex digits per byte). */
  int hex = options->mode == MODE_BYTES;
  char* text = tr_alloc(hex ? 2 * (size_t)n : n);
  for (uint32_t i = 0; i < n; i++) {
    unsigned char c = doc[i];
    if (!options->case_sensitive && c >= 'A' && c <= 'Z') {
      c = (unsigned char)(c - 'A' + 'a');
    }
    if (hex) {
      text[2 * i] = "0123456789abcdef"[c >> 4];
      text[2 * i + 1] = "0123456789abcdef"[c & 15];
    } else {
      text[i] = (char)c;
    }
  }

  /* Split into units (at most n of them). */
  unit* units = tr_alloc(n * sizeof(unit));
  uint32_t count = 0;
  uint64_t total_len = 0;
  if (options->mode == MODE_WORDS) {
    for (uint32_t i = 0; i < n;) {
      if (!is_word_byte((unsigned char)text[i])) {
        i++;
        continue;
      }
      uint32_t start = i;
      while (i < n && is_word_byte((unsigned char)text[i])) {
        i++;
      }
      unit u = { text + start, i - start, 1 };
      units[count++] = u;
    }
  } else if (options->mode == MODE_LINES) {
    for (uint32_t i = 0; i < n;) {
      uint32_t start = i;
      while (i < n && text[i] != '\n') {
        i++;
      }
      uint32_t end = i;
      if (end > start && text[end - 1] == '\r') {
        end--;
      }
      if (end > start) {
        unit u = { text + start, end - start, 1 };
        units[count++] = u;
      }
      i++; /* past the '\n' */
    }
  } else {
    for (uint32_t i = 0; i < n; i++) {
      unit u = { text + 2 * i, 2, 1 };
      units[count++] = u;
    }
  }
  for (uint32_t i = 0; i < count; i++) {
    total_len += units[i].len;
  }

  /* Count the distinct units: sort by text, merge runs. */
  uint32_t distinct = 0;
  if (count > 0) {
    qsort(units, count, sizeof(unit), by_text);
    for (uint32_t i = 0; i < count; i++) {
      if (distinct > 0 && by_text(&units[distinct - 1], &units[i]) == 0) {
        units[distinct - 1].count++;
      } else {
        units[distinct++] = units[i];
      }
    }
    qsort(units, distinct, sizeof(unit), by_count_then_text);
  }

  uint32_t top = options->max_words <= 0 ? 0 : (uint32_t)options->max_words;
  if (top > distinct) {
    top = distinct;
  }
  summary.top_words = tr_alloc_list_string(top);
  for (uint32_t i = 0; i < top; i++) {
    summary.top_words.ptr[i] = tr_string_copy(units[i].ptr, units[i].len);
  }
  summary.stats.average_word_length = count == 0 ? 0.0 : (double)total_len / (double)count;
  summary.stats.unique_ratio = count == 0 ? 0.0f : (float)((double)distinct / (double)count);

  free(units);
  free(text);
  return summary;
}
