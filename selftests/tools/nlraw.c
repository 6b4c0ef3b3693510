// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The pvio authors. */
/*
 * nlraw: send one hand-built request to the pvio netlink family, for the
 * misuse tests. Attributes go out exactly as given: any type number, any
 * payload, no checks, so the kernel's policy and handlers meet what a
 * hostile or buggy client could send. pvioctl never sends such messages.
 *
 * usage: nlraw [-d] COMMAND [TYPE:KIND[:VALUE]]...
 *   COMMAND  link-new, link-del, link-get, vbd-new, vbd-del, vbd-get,
 *            vbd-set or a command number
 *   -d       send it as a dump request (NLM_F_DUMP)
 *   TYPE     attribute type number
 *   KIND     u8, u16, u32, u64 (VALUE a number), str (VALUE and a NUL),
 *            bytes (VALUE without a NUL), zeros (VALUE zero bytes)
 *
 * Prints "ok N replies[ id ID]" and exits 0 on success, or
 * "error ENAME: MESSAGE[ attr TYPE][ missing TYPE]" and exits 1 (the
 * kernel's extack message, "-" if it sent none).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genl.h"
#include "pvio_genl.h"

struct result {
	unsigned int replies;
	long long id;
};

static int reply_cb(const struct nlmsghdr *nlh, void *data)
{
	struct result *r = data;
	const struct nlattr *attr;

	r->replies++;
	mnl_attr_for_each(attr, nlh, GENL_HDRLEN)
		if (mnl_attr_get_type(attr) == PVIO_A_LINK_ID &&
		    mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
			r->id = mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

static void __attribute__((noreturn)) bad(const char *what)
{
	fprintf(stderr, "nlraw: bad %s (see the comment in nlraw.c)\n", what);
	exit(2);
}

static unsigned long long num(const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (!*s || *end || errno)
		bad("number");
	return v;
}

static void put_attr(struct nlmsghdr *nlh, size_t size, char *spec)
{
	char *kind = strchr(spec, ':'), *value = NULL;
	unsigned long long type;
	uint8_t zeros[256] = { 0 };
	bool ok;

	if (!kind)
		bad("attribute");
	*kind++ = '\0';
	value = strchr(kind, ':');
	if (value)
		*value++ = '\0';
	type = num(spec);
	if (type > UINT16_MAX || !value)
		bad("attribute");
	if (!strcmp(kind, "u8"))
		ok = mnl_attr_put_u8_check(nlh, size, type, num(value));
	else if (!strcmp(kind, "u16"))
		ok = mnl_attr_put_u16_check(nlh, size, type, num(value));
	else if (!strcmp(kind, "u32"))
		ok = mnl_attr_put_u32_check(nlh, size, type, num(value));
	else if (!strcmp(kind, "u64"))
		ok = mnl_attr_put_u64_check(nlh, size, type, num(value));
	else if (!strcmp(kind, "str"))
		ok = mnl_attr_put_strz_check(nlh, size, type, value);
	else if (!strcmp(kind, "bytes"))
		ok = mnl_attr_put_check(nlh, size, type, strlen(value), value);
	else if (!strcmp(kind, "zeros") && num(value) <= sizeof(zeros))
		ok = mnl_attr_put_check(nlh, size, type, num(value), zeros);
	else
		bad("kind");
	if (!ok)
		bad("size: the message is full");
}

int main(int argc, char **argv)
{
	static char buf[PVIO_GENL_BUFSIZE];
	struct result r = { 0, -1 };
	struct pvio_genl g;
	struct nlmsghdr *nlh;
	uint16_t flags = NLM_F_ACK;
	unsigned long long cmd;
	int i = 1, ret;

	if (argc > 1 && !strcmp(argv[1], "-d")) {
		flags = NLM_F_DUMP;
		i++;
	}
	if (i >= argc)
		bad("command line");
	if (!strcmp(argv[i], "link-new"))
		cmd = PVIO_CMD_LINK_NEW;
	else if (!strcmp(argv[i], "link-del"))
		cmd = PVIO_CMD_LINK_DEL;
	else if (!strcmp(argv[i], "link-get"))
		cmd = PVIO_CMD_LINK_GET;
	else if (!strcmp(argv[i], "vbd-new"))
		cmd = PVIO_CMD_VBD_NEW;
	else if (!strcmp(argv[i], "vbd-del"))
		cmd = PVIO_CMD_VBD_DEL;
	else if (!strcmp(argv[i], "vbd-get"))
		cmd = PVIO_CMD_VBD_GET;
	else if (!strcmp(argv[i], "vbd-set"))
		cmd = PVIO_CMD_VBD_SET;
	else if ((cmd = num(argv[i])) > UINT8_MAX)
		bad("command");

	ret = pvio_genl_open(&g);
	if (ret) {
		fprintf(stderr, "nlraw: %s: %s\n", strerror(-ret),
			g.errmsg[0] ? g.errmsg : "-");
		return 2;
	}
	nlh = pvio_genl_msg(&g, buf, cmd, flags);
	for (i++; i < argc; i++)
		put_attr(nlh, sizeof(buf), argv[i]);
	ret = pvio_genl_talk(&g, nlh, reply_cb, &r);
	pvio_genl_close(&g);
	if (ret) {
		printf("error %s: %s", strerrorname_np(-ret),
		       g.errmsg[0] ? g.errmsg : "-");
		if (g.bad_attr >= 0)
			printf(" attr %d", g.bad_attr);
		if (g.miss_attr >= 0)
			printf(" missing %d", g.miss_attr);
		putchar('\n');
		return 1;
	}
	printf("ok %u replies", r.replies);
	if (r.id >= 0)
		printf(" id %lld", r.id);
	putchar('\n');
	return 0;
}
