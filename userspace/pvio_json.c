// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The pvio authors. */
/*
 * Just enough JSON to read pvio-hvd's answers: objects, arrays, strings
 * (escapes \" \\ \/ \b \f \n \r \t; \u only below 0x80), numbers, true,
 * false, null. Nesting is bounded; anything else is a parse error.
 */
#include <stdlib.h>
#include <string.h>

#include "pvio.h"

#define PJ_MAX_DEPTH 32

struct pj_parser {
	const char *p;
	int depth;
};

static void pj_ws(struct pj_parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' ||
	       *ps->p == '\r')
		ps->p++;
}

static char *pj_string(struct pj_parser *ps)
{
	size_t cap = 32, len = 0;
	char *s = malloc(cap), *t;
	unsigned int u;
	char c;

	if (!s || *ps->p != '"')
		goto fail;
	ps->p++;
	while ((c = *ps->p++) != '"') {
		if (!c || (unsigned char)c < 0x20)
			goto fail;
		if (c == '\\') {
			c = *ps->p++;
			switch (c) {
			case '"': case '\\': case '/': break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'u':
				if (sscanf(ps->p, "%4x", &u) != 1 || u >= 0x80 || !u)
					goto fail;
				ps->p += 4;
				c = u;
				break;
			default:
				goto fail;
			}
		}
		if (len + 2 > cap) {
			cap *= 2;
			t = realloc(s, cap);
			if (!t)
				goto fail;
			s = t;
		}
		s[len++] = c;
	}
	s[len] = '\0';
	return s;
fail:
	free(s);
	return NULL;
}

static struct pvio_json *pj_value(struct pj_parser *ps);

/* Members of an object or elements of an array, up to @close. */
static bool pj_list(struct pj_parser *ps, struct pvio_json *j, char close)
{
	struct pvio_json **tail = &j->child, *v;
	char *key = NULL;

	pj_ws(ps);
	if (*ps->p == close) {
		ps->p++;
		return true;
	}
	for (;;) {
		pj_ws(ps);
		if (close == '}') {
			key = pj_string(ps);
			if (!key)
				return false;
			pj_ws(ps);
			if (*ps->p++ != ':') {
				free(key);
				return false;
			}
		}
		v = pj_value(ps);
		if (!v) {
			free(key);
			return false;
		}
		v->key = key;
		key = NULL;
		*tail = v;
		tail = &v->next;
		pj_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p++ == close)
			return true;
		return false;
	}
}

static struct pvio_json *pj_value(struct pj_parser *ps)
{
	struct pvio_json *j;
	char *end;

	if (++ps->depth > PJ_MAX_DEPTH)
		return NULL;
	j = calloc(1, sizeof(*j));
	if (!j)
		return NULL;
	pj_ws(ps);
	switch (*ps->p) {
	case '{':
	case '[':
		j->type = *ps->p == '{' ? PJ_OBJ : PJ_ARR;
		ps->p++;
		if (!pj_list(ps, j, j->type == PJ_OBJ ? '}' : ']'))
			goto fail;
		break;
	case '"':
		j->type = PJ_STR;
		j->str = pj_string(ps);
		if (!j->str)
			goto fail;
		break;
	case 't':
	case 'f':
	case 'n':
		if (!strncmp(ps->p, "true", 4)) {
			j->type = PJ_BOOL;
			j->b = true;
			ps->p += 4;
		} else if (!strncmp(ps->p, "false", 5)) {
			j->type = PJ_BOOL;
			ps->p += 5;
		} else if (!strncmp(ps->p, "null", 4)) {
			ps->p += 4;
		} else {
			goto fail;
		}
		break;
	default:
		j->type = PJ_NUM;
		j->num = strtod(ps->p, &end);
		if (end == ps->p)
			goto fail;
		ps->p = end;
	}
	ps->depth--;
	return j;
fail:
	pvio_json_free(j);
	return NULL;
}

struct pvio_json *pvio_json_parse(const char *text)
{
	struct pj_parser ps = { .p = text };
	struct pvio_json *j = pj_value(&ps);

	if (!j)
		return NULL;
	pj_ws(&ps);
	if (*ps.p) {
		pvio_json_free(j);
		return NULL;
	}
	return j;
}

void pvio_json_free(struct pvio_json *j)
{
	struct pvio_json *next;

	while (j) {
		next = j->next;
		pvio_json_free(j->child);
		free(j->key);
		free(j->str);
		free(j);
		j = next;
	}
}

struct pvio_json *pvio_json_get(const struct pvio_json *obj, const char *key)
{
	struct pvio_json *c;

	if (!obj || obj->type != PJ_OBJ)
		return NULL;
	for (c = obj->child; c; c = c->next)
		if (!strcmp(c->key, key))
			return c;
	return NULL;
}

/* A member that is a number, or -1. */
double pvio_json_num(const struct pvio_json *obj, const char *key)
{
	struct pvio_json *v = pvio_json_get(obj, key);

	return v && v->type == PJ_NUM ? v->num : -1;
}

const char *pvio_json_str(const struct pvio_json *obj, const char *key)
{
	struct pvio_json *v = pvio_json_get(obj, key);

	return v && v->type == PJ_STR ? v->str : NULL;
}

void pvio_json_print_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}
