// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The pvio authors. */
/*
 * JSON through json-c for pvio and pvioctl. What comes in (pvio-hvd's
 * answers, QEMU's QMP) is parsed in json-c's strict mode, bounded in
 * depth, and read only through look-ups that check each member's type.
 * json-c's own choices stand, and selftests/hvd/json_limits.c pins
 * them: a duplicate key keeps its last value, integers beyond 64 bits
 * saturate, strings are not checked to be UTF-8, and strict mode still
 * takes NaN, Infinity and single quotes (none of them an integer).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pvio_json.h"

static void __attribute__((noreturn)) pvio_json_oom(void)
{
	fprintf(stderr, "%s: out of memory\n", program_invocation_short_name);
	exit(1);
}

static struct json_object *pvio_json_check(struct json_object *j)
{
	if (!j)
		pvio_json_oom();
	return j;
}

struct json_object *pvio_json_parse(const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new_ex(PVIO_JSON_MAX_DEPTH);
	struct json_object *j;

	if (!tok)
		pvio_json_oom();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	/* The NUL ends a number at the very end, as json-c wants it. */
	j = json_tokener_parse_ex(tok, text, len + 1);
	if (j && json_tokener_get_parse_end(tok) != len) {
		json_object_put(j);	/* more after it, or a NUL inside */
		j = NULL;
	}
	json_tokener_free(tok);
	return j;
}

struct json_object *pvio_json_get(const struct json_object *obj,
				  const char *key, enum json_type type)
{
	struct json_object *v;

	if (!json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, type))
		return NULL;
	return v;
}

int64_t pvio_json_int(const struct json_object *obj, const char *key)
{
	struct json_object *v = pvio_json_get(obj, key, json_type_int);

	return v ? json_object_get_int64(v) : -1;
}

const char *pvio_json_str(const struct json_object *obj, const char *key)
{
	return json_object_get_string(pvio_json_get(obj, key,
						    json_type_string));
}

struct json_object *pvio_json_new_str(const char *s)
{
	return pvio_json_check(json_object_new_string(s));
}

struct json_object *pvio_json_new_int(int64_t v)
{
	return pvio_json_check(json_object_new_int64(v));
}

struct json_object *pvio_json_new_u64(uint64_t v)
{
	return pvio_json_check(json_object_new_uint64(v));
}

struct json_object *pvio_json_new_bool(bool b)
{
	return pvio_json_check(json_object_new_boolean(b));
}

struct json_object *pvio_json_new_array(void)
{
	return pvio_json_check(json_object_new_array());
}

struct json_object *pvio_json_new_obj(const char *key, ...)
{
	struct json_object *obj = pvio_json_check(json_object_new_object());
	va_list ap;

	va_start(ap, key);
	for (; key; key = va_arg(ap, const char *))
		pvio_json_add(obj, key, va_arg(ap, struct json_object *));
	va_end(ap);
	return obj;
}

void pvio_json_add(struct json_object *obj, const char *key,
		   struct json_object *v)
{
	if (json_object_object_add(obj, key, pvio_json_check(v)))
		pvio_json_oom();
}

void pvio_json_append(struct json_object *arr, struct json_object *v)
{
	if (json_object_array_add(arr, pvio_json_check(v)))
		pvio_json_oom();
}

const char *pvio_json_text(struct json_object *j)
{
	const char *s = json_object_to_json_string_ext(j, PVIO_JSON_FLAGS);

	if (!s)
		pvio_json_oom();
	return s;
}

void pvio_json_print(FILE *f, struct json_object *j)
{
	fprintf(f, "%s\n", pvio_json_text(j));
	json_object_put(j);
}
