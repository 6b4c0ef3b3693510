// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The pvio authors. */
/*
 * ivshmem_json_limits: the JSON that pvio reads from pvio-hvd and from
 * QEMU's QMP goes through pvio_json_parse() (json-c, strict, bounded),
 * and its members through look-ups that check their type. Hostile
 * shapes: deep nesting, trailing bytes, a NUL inside, truncation, huge
 * numbers, duplicate keys, non-UTF-8, members of the wrong type. And
 * what pvio and pvioctl write: one line, escaped, '/' left alone.
 */
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "pvio_json.h"

static struct json_object *parse(const char *s)
{
	return pvio_json_parse(s, strlen(s));
}

static bool refused(const char *s, size_t len)
{
	struct json_object *j = pvio_json_parse(s, len);

	json_object_put(j);
	return !j;
}

/* @n arrays inside each other. */
static bool nested_ok(size_t n)
{
	char *s = malloc(2 * n + 1);
	bool ok;

	memset(s, '[', n);
	memset(s + n, ']', n);
	s[2 * n] = '\0';
	ok = !refused(s, 2 * n);
	free(s);
	return ok;
}

int main(void)
{
	struct json_object *j, *o;
	const char *text;

	j = parse(" {\"ok\":true,\"n\":7,\"s\":\"x\",\"a\":[1],\"o\":{}} ");
	tap_ok(j && json_object_get_boolean(pvio_json_get(j, "ok",
							  json_type_boolean)) &&
	       pvio_json_int(j, "n") == 7 && !strcmp(pvio_json_str(j, "s"), "x") &&
	       pvio_json_get(j, "a", json_type_array) &&
	       pvio_json_get(j, "o", json_type_object),
	       "an answer parses; each member found with its type");
	tap_ok(pvio_json_int(j, "s") == -1 && !pvio_json_str(j, "n") &&
	       !pvio_json_get(j, "ok", json_type_int) &&
	       pvio_json_int(j, "missing") == -1 &&
	       pvio_json_int(pvio_json_get(j, "a", json_type_array), "n") == -1 &&
	       pvio_json_int(NULL, "n") == -1 && !pvio_json_str(NULL, "s"),
	       "a member of another type, a missing one, a non-object: not found");
	json_object_put(j);
	j = parse("{\"n\":\"5\",\"ok\":\"true\"}");
	tap_ok(j && pvio_json_int(j, "n") == -1 &&
	       !pvio_json_get(j, "ok", json_type_boolean),
	       "strings are not converted to numbers or booleans");
	json_object_put(j);

	tap_ok(nested_ok(PVIO_JSON_MAX_DEPTH) &&
	       !nested_ok(PVIO_JSON_MAX_DEPTH + 1) && !nested_ok(100000),
	       "%d levels of nesting parse, %d and 100000 are refused",
	       PVIO_JSON_MAX_DEPTH, PVIO_JSON_MAX_DEPTH + 1);
	tap_ok(refused("{\"a\":1} x", 9) && refused("{\"a\":1}{}", 9) &&
	       refused("{\"a\":1}\n{}", 10),
	       "bytes after the value are refused");
	tap_ok(refused("{\"a\":1}\0x", 9) && refused("{\"a\":\"b\0c\"}", 11) &&
	       refused("\0", 1),
	       "a NUL inside the input is refused");
	tap_ok(refused("", 0) && refused("{\"a\":", 5) && refused("{\"a\":1", 6) &&
	       refused("\"abc", 4) && refused("{\"a\":tru}", 9),
	       "empty and truncated input are refused");
	tap_ok(refused("{\"a\":1,}", 8) && refused("[1,]", 4) &&
	       refused("{\"a\":01}", 8) && refused("{a:1}", 5) &&
	       refused("{\"a\":.5}", 8) && refused("{\"a\":+1}", 8),
	       "what strict JSON does not allow is refused");
	/* json-c's strict mode still takes these: they are no integer. */
	j = parse("{\"a\":NaN,\"b\":-Infinity,'c':'d'}");
	tap_ok(!j || (pvio_json_int(j, "a") == -1 && pvio_json_int(j, "b") == -1),
	       "NaN and Infinity, if json-c takes them, read as no integer");
	json_object_put(j);

	j = parse("{\"a\":99999999999999999999999,\"b\":-99999999999999999999999,"
		  "\"c\":1e999,\"d\":4294967296}");
	tap_ok(j && pvio_json_int(j, "a") == INT64_MAX &&
	       pvio_json_int(j, "b") == INT64_MIN && pvio_json_int(j, "c") == -1 &&
	       pvio_json_int(j, "d") == 4294967296LL,
	       "huge integers saturate, a huge float is no integer");
	json_object_put(j);
	j = parse("{\"ok\":false,\"ok\":true}");
	tap_ok(j && json_object_get_boolean(pvio_json_get(j, "ok",
							  json_type_boolean)) &&
	       json_object_object_length(j) == 1,
	       "a duplicate key keeps the last value, once");
	json_object_put(j);
	j = parse("{\"s\":\"\xff\xfe\",\"t\":\"\\u00e9\\ud800\"}");
	tap_ok(j && !strcmp(pvio_json_str(j, "s"), "\xff\xfe") &&
	       pvio_json_str(j, "t"),
	       "bytes that are not UTF-8 pass as they are, a lone surrogate too");
	json_object_put(j);
	j = parse("{\"s\":\"a\\u0000b\"}");
	tap_ok(j && !strcmp(pvio_json_str(j, "s"), "a"),
	       "an escaped NUL ends the string as C reads it");
	json_object_put(j);

	o = pvio_json_new_obj("path", pvio_json_new_str("/run/pvio/a b"),
			      "odd", pvio_json_new_str("\"\\\n\t\x01"),
			      "n", pvio_json_new_u64(UINT64_MAX),
			      "m", pvio_json_new_int(-1),
			      "b", pvio_json_new_bool(false),
			      "e", pvio_json_new_array(),
			      "o", pvio_json_new_obj(NULL), NULL);
	text = pvio_json_text(o);
	tap_diag("%s", text);
	tap_ok(!strcmp(text, "{\"path\":\"/run/pvio/a b\","
		       "\"odd\":\"\\\"\\\\\\n\\t\\u0001\","
		       "\"n\":18446744073709551615,\"m\":-1,\"b\":false,"
		       "\"e\":[],\"o\":{}}"),
	       "output: one line, in order, escaped, '/' as it is");
	j = pvio_json_parse(text, strlen(text));
	tap_ok(j && !strcmp(pvio_json_str(j, "odd"), "\"\\\n\t\x01") &&
	       json_object_get_uint64(pvio_json_get(j, "n", json_type_int)) ==
	       UINT64_MAX, "output reads back as it was");
	json_object_put(j);
	json_object_put(o);
	return tap_done();
}
