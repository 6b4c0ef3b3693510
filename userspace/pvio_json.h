/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The pvio authors. */
/*
 * JSON in pvio and pvioctl, through json-c: bounded parsing of what
 * pvio-hvd and QEMU send, typed look-ups, and builders that end the
 * program when memory runs out (they are short-lived commands).
 */
#ifndef _PVIO_JSON_H
#define _PVIO_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <json.h>

/*
 * Nesting deeper than this is refused. pvio-hvd's status is 4 deep and
 * QMP's greeting 4; QMP events carry a little more.
 */
#define PVIO_JSON_MAX_DEPTH	16

/* One line, no spaces, '/' as it is: what scripts have always grepped. */
#define PVIO_JSON_FLAGS	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

/*
 * @len bytes at @text, followed by a NUL, as one JSON value and nothing
 * else (strict JSON, at most PVIO_JSON_MAX_DEPTH deep); NULL if not.
 */
struct json_object *pvio_json_parse(const char *text, size_t len);
/* Member @key of object @obj if it has type @type, else NULL. */
struct json_object *pvio_json_get(const struct json_object *obj,
				  const char *key, enum json_type type);
/* A member that is an integer, or -1. */
int64_t pvio_json_int(const struct json_object *obj, const char *key);
/* A member that is a string, or NULL. */
const char *pvio_json_str(const struct json_object *obj, const char *key);

/* Builders: they never return NULL. */
struct json_object *pvio_json_new_str(const char *s);
struct json_object *pvio_json_new_int(int64_t v);
struct json_object *pvio_json_new_u64(uint64_t v);
struct json_object *pvio_json_new_bool(bool b);
struct json_object *pvio_json_new_array(void);
/* An object of @key, value pairs up to a NULL key; it takes the values. */
struct json_object *pvio_json_new_obj(const char *key, ...);
/* Add @key: @v (taken) to object @obj. */
void pvio_json_add(struct json_object *obj, const char *key,
		   struct json_object *v);
/* Append @v (taken) to array @arr. */
void pvio_json_append(struct json_object *arr, struct json_object *v);
/* @j as one line of text, owned by @j. */
const char *pvio_json_text(struct json_object *j);
/* @j on one line of @f; @j is put. */
void pvio_json_print(FILE *f, struct json_object *j);

#endif /* _PVIO_JSON_H */
