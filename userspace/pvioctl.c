// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The pvio authors. */
/*
 * pvioctl: show and change what this kernel's pvio holds, over the "pvio"
 * generic netlink family (Documentation/netlink/specs/pvio.yaml), in the
 * style of iproute2:
 *
 *   pvioctl [-j] link add PROVIDER [backend DOMID] [frontend DOMID]
 *                         [pages N] [grants N]
 *   pvioctl [-j] link show [ID]
 *   pvioctl link del ID
 *   pvioctl [-j] monitor
 *
 * Every error ends the program with a non-zero status and one line on
 * stderr that carries the kernel's own message when it sent one.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genl.h"
#include "link.h"
#include "pvio_genl.h"

/* Exit statuses: 1 for a failed operation, 2 for a bad command line. */
#define EXIT_USAGE	2

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static bool json;
static struct pvio_genl genl;

static const char usage_text[] =
"usage: pvioctl [-j] OBJECT COMMAND [ARGUMENTS]\n"
"\n"
"  pvioctl link add PROVIDER [backend DOMID] [frontend DOMID] [pages N]\n"
"                   [grants N]    create a link (defaults: backend 0,\n"
"                                 frontend 1; the kernel's region size\n"
"                                 and grant table)\n"
"  pvioctl link show [ID]         show one link or all (also: list)\n"
"  pvioctl link del ID            destroy a link (also: delete)\n"
"  pvioctl monitor                print links as they come and go\n"
"  pvioctl help                   this text\n"
"\n"
"options:\n"
"  -j, --json   print JSON: an object per link, an array for show\n"
"  -h, --help   this text\n";

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("pvioctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see pvioctl help)\n", stderr);
	exit(EXIT_USAGE);
}

static const char *const attr_names[] = {
	[PVIO_A_LINK_ID] = "id",
	[PVIO_A_LINK_PROVIDER] = "provider",
	[PVIO_A_LINK_BACKEND_ID] = "backend-id",
	[PVIO_A_LINK_FRONTEND_ID] = "frontend-id",
	[PVIO_A_LINK_REGION_PAGES] = "region-pages",
	[PVIO_A_LINK_GRANT_ENTRIES] = "grant-entries",
	[PVIO_A_LINK_GENERATION] = "generation",
	[PVIO_A_LINK_BACKEND_STATE] = "backend-state",
	[PVIO_A_LINK_FRONTEND_STATE] = "frontend-state",
};

static void attr_name(char *buf, size_t len, int type)
{
	if (type >= 0 && (size_t)type < ARRAY_SIZE(attr_names) &&
	    attr_names[type])
		snprintf(buf, len, "%s", attr_names[type]);
	else
		snprintf(buf, len, "%d", type);
}

/* Fail with one line: what failed, errno's text, the kernel's message. */
static void __attribute__((noreturn)) fail(const char *what, int err)
{
	char name[32];

	fprintf(stderr, "pvioctl: %s: %s", what, strerror(-err));
	if (genl.errmsg[0])
		fprintf(stderr, ": %s", genl.errmsg);
	if (genl.bad_attr >= 0) {
		attr_name(name, sizeof(name), genl.bad_attr);
		fprintf(stderr, " (attribute %s)", name);
	}
	if (genl.miss_attr >= 0) {
		attr_name(name, sizeof(name), genl.miss_attr);
		fprintf(stderr, " (missing attribute %s)", name);
	}
	fputc('\n', stderr);
	exit(EXIT_FAILURE);
}

static void open_genl(void)
{
	int ret = pvio_genl_open(&genl);

	if (ret)
		fail("netlink", ret);
}

/* Parse @s as a decimal number no larger than @max, for argument @what. */
static unsigned long parse_num(const char *what, const char *s,
			       unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || *s == '-' || errno || v > max)
		usage_error("%s: '%s' is not a number from 0 to %lu", what, s,
			    max);
	return v;
}

/* ---- a link as the kernel describes it ---- */

struct link {
	const struct nlattr *tb[PVIO_A_LINK_MAX + 1];
};

static const enum mnl_attr_data_type link_types[PVIO_A_LINK_MAX + 1] = {
	[PVIO_A_LINK_ID] = MNL_TYPE_U32,
	[PVIO_A_LINK_PROVIDER] = MNL_TYPE_NUL_STRING,
	[PVIO_A_LINK_BACKEND_ID] = MNL_TYPE_U16,
	[PVIO_A_LINK_FRONTEND_ID] = MNL_TYPE_U16,
	[PVIO_A_LINK_REGION_PAGES] = MNL_TYPE_U32,
	[PVIO_A_LINK_GRANT_ENTRIES] = MNL_TYPE_U32,
	[PVIO_A_LINK_GENERATION] = MNL_TYPE_U32,
	[PVIO_A_LINK_BACKEND_STATE] = MNL_TYPE_U32,
	[PVIO_A_LINK_FRONTEND_STATE] = MNL_TYPE_U32,
};

/* Attributes newer than this program are skipped; known ones checked. */
static int link_attr_cb(const struct nlattr *attr, void *data)
{
	struct link *l = data;
	int type = mnl_attr_get_type(attr);

	if (type <= 0 || type > PVIO_A_LINK_MAX)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, link_types[type]) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	l->tb[type] = attr;
	return MNL_CB_OK;
}

static int link_parse(const struct nlmsghdr *nlh, struct link *l)
{
	memset(l, 0, sizeof(*l));
	if (mnl_attr_parse(nlh, GENL_HDRLEN, link_attr_cb, l) < 0)
		return MNL_CB_ERROR;
	if (!l->tb[PVIO_A_LINK_ID]) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static const char *state_name(uint32_t state)
{
	static const char *const names[] = {
		[PVIO_STATE_UNKNOWN] = "unknown",
		[PVIO_STATE_INITIALISING] = "initialising",
		[PVIO_STATE_INITWAIT] = "initwait",
		[PVIO_STATE_INITIALISED] = "initialised",
		[PVIO_STATE_CONNECTED] = "connected",
		[PVIO_STATE_CLOSING] = "closing",
		[PVIO_STATE_CLOSED] = "closed",
	};
	static char buf[16];

	if (state < ARRAY_SIZE(names))
		return names[state];
	/* A peer may publish anything: show it as it is. */
	snprintf(buf, sizeof(buf), "%u", state);
	return buf;
}

/* A JSON string: quoted, with what JSON needs escaped. */
static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

struct field {
	int type;
	const char *text;	/* key in text output */
	const char *key;	/* key in JSON */
	bool state;
};

static const struct field fields[] = {
	{ PVIO_A_LINK_ID, "link", "id", false },
	{ PVIO_A_LINK_PROVIDER, "provider", "provider", false },
	{ PVIO_A_LINK_BACKEND_ID, "backend", "backend_id", false },
	{ PVIO_A_LINK_FRONTEND_ID, "frontend", "frontend_id", false },
	{ PVIO_A_LINK_REGION_PAGES, "pages", "region_pages", false },
	{ PVIO_A_LINK_GRANT_ENTRIES, "grants", "grant_entries", false },
	{ PVIO_A_LINK_GENERATION, "generation", "generation", false },
	{ PVIO_A_LINK_BACKEND_STATE, "backend-state", "backend_state", true },
	{ PVIO_A_LINK_FRONTEND_STATE, "frontend-state", "frontend_state",
	  true },
};

static void link_print(const struct link *l)
{
	const char *sep = "";
	size_t i;

	if (json)
		putchar('{');
	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		const struct field *f = &fields[i];
		const struct nlattr *a = l->tb[f->type];
		uint32_t v;

		if (!a)
			continue;
		if (json)
			printf("%s\"%s\":", sep, f->key);
		else
			printf("%s%s ", sep, f->text);
		sep = json ? "," : " ";
		if (link_types[f->type] == MNL_TYPE_NUL_STRING) {
			if (json)
				json_string(mnl_attr_get_str(a));
			else
				fputs(mnl_attr_get_str(a), stdout);
			continue;
		}
		v = link_types[f->type] == MNL_TYPE_U16 ?
			mnl_attr_get_u16(a) : mnl_attr_get_u32(a);
		if (f->state && json)
			json_string(state_name(v));
		else if (f->state)
			fputs(state_name(v), stdout);
		else
			printf("%u", v);
	}
	if (json)
		putchar('}');
}

/* ---- link commands ---- */

struct show {
	bool array;		/* JSON: the links go into an array */
	unsigned int count;
};

static int show_cb(const struct nlmsghdr *nlh, void *data)
{
	struct show *s = data;
	struct link l;

	if (link_parse(nlh, &l) != MNL_CB_OK)
		return MNL_CB_ERROR;
	if (json && s->array)
		putchar(s->count ? ',' : '[');
	link_print(&l);
	if (!json)
		putchar('\n');
	s->count++;
	return MNL_CB_OK;
}

static int link_add(int argc, char **argv)
{
	static char buf[PVIO_GENL_BUFSIZE];
	unsigned long backend = 0, frontend = 1;
	unsigned long pages = 0, grants = 0;
	bool has_pages = false, has_grants = false;
	struct show s = { 0 };
	struct nlmsghdr *nlh;
	const char *provider;
	int i, ret;

	if (argc < 1)
		usage_error("link add: which provider? (e.g. loop)");
	provider = argv[0];
	for (i = 1; i < argc; i += 2) {
		const char *key = argv[i];

		if (i + 1 >= argc)
			usage_error("link add: '%s' needs a value", key);
		if (!strcmp(key, "backend")) {
			backend = parse_num(key, argv[i + 1], UINT16_MAX);
		} else if (!strcmp(key, "frontend")) {
			frontend = parse_num(key, argv[i + 1], UINT16_MAX);
		} else if (!strcmp(key, "pages")) {
			pages = parse_num(key, argv[i + 1], UINT32_MAX);
			has_pages = true;
		} else if (!strcmp(key, "grants")) {
			grants = parse_num(key, argv[i + 1], UINT32_MAX);
			has_grants = true;
		} else {
			usage_error("link add: unknown argument '%s'", key);
		}
	}

	open_genl();
	nlh = pvio_genl_msg(&genl, buf, PVIO_CMD_LINK_NEW, NLM_F_ACK);
	if (!mnl_attr_put_strz_check(nlh, sizeof(buf), PVIO_A_LINK_PROVIDER,
				     provider))
		usage_error("link add: provider name too long");
	mnl_attr_put_u16(nlh, PVIO_A_LINK_BACKEND_ID, backend);
	mnl_attr_put_u16(nlh, PVIO_A_LINK_FRONTEND_ID, frontend);
	if (has_pages)
		mnl_attr_put_u32(nlh, PVIO_A_LINK_REGION_PAGES, pages);
	if (has_grants)
		mnl_attr_put_u32(nlh, PVIO_A_LINK_GRANT_ENTRIES, grants);
	ret = pvio_genl_talk(&genl, nlh, show_cb, &s);
	if (ret)
		fail("link add", ret);
	if (s.count != 1)
		fail("link add", -EBADMSG);
	if (json)
		putchar('\n');
	return 0;
}

static int link_show(int argc, char **argv)
{
	static char buf[PVIO_GENL_BUFSIZE];
	struct show s = { .array = true };
	struct nlmsghdr *nlh;
	uint32_t id = 0;
	int ret;

	if (argc > 1)
		usage_error("link show: unexpected argument '%s'", argv[1]);
	if (argc == 1)
		id = parse_num("link id", argv[0], UINT32_MAX);
	open_genl();
	if (argc == 1) {
		nlh = pvio_genl_msg(&genl, buf, PVIO_CMD_LINK_GET, NLM_F_ACK);
		mnl_attr_put_u32(nlh, PVIO_A_LINK_ID, id);
	} else {
		nlh = pvio_genl_msg(&genl, buf, PVIO_CMD_LINK_GET, NLM_F_DUMP);
	}
	ret = pvio_genl_talk(&genl, nlh, show_cb, &s);
	if (ret)
		fail("link show", ret);
	if (json)
		puts(s.count ? "]" : "[]");
	return 0;
}

static int link_del(int argc, char **argv)
{
	static char buf[PVIO_GENL_BUFSIZE];
	struct nlmsghdr *nlh;
	uint32_t id;
	int ret;

	if (argc != 1)
		usage_error("link del: give one link id");
	id = parse_num("link id", argv[0], UINT32_MAX);
	open_genl();
	nlh = pvio_genl_msg(&genl, buf, PVIO_CMD_LINK_DEL, NLM_F_ACK);
	mnl_attr_put_u32(nlh, PVIO_A_LINK_ID, id);
	ret = pvio_genl_talk(&genl, nlh, NULL, NULL);
	if (ret)
		fail("link del", ret);
	return 0;
}

static int do_link(int argc, char **argv)
{
	if (argc < 1 || !strcmp(argv[0], "show") || !strcmp(argv[0], "list"))
		return link_show(argc ? argc - 1 : 0, argv + 1);
	if (!strcmp(argv[0], "add"))
		return link_add(argc - 1, argv + 1);
	if (!strcmp(argv[0], "del") || !strcmp(argv[0], "delete"))
		return link_del(argc - 1, argv + 1);
	if (!strcmp(argv[0], "help")) {
		usage(stdout);
		return 0;
	}
	usage_error("link: unknown command '%s'", argv[0]);
}

/* ---- monitor ---- */

static int monitor_cb(const struct nlmsghdr *nlh,
		      void *data __attribute__((unused)))
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const char *event;
	struct link l;

	if (nlh->nlmsg_type != genl.family ||
	    mnl_nlmsg_get_payload_len(nlh) < GENL_HDRLEN)
		return MNL_CB_OK;
	switch (g->cmd) {
	case PVIO_CMD_LINK_NEW_NTF:
		event = "new";
		break;
	case PVIO_CMD_LINK_DEL_NTF:
		event = "del";
		break;
	default:
		return MNL_CB_OK;	/* an event newer than this program */
	}
	if (link_parse(nlh, &l) != MNL_CB_OK) {
		fprintf(stderr, "pvioctl: monitor: malformed %s event\n",
			event);
		return MNL_CB_OK;
	}
	if (json) {
		printf("{\"event\":\"%s\",\"link\":", event);
		link_print(&l);
		puts("}");
	} else {
		printf("%s ", event);
		link_print(&l);
		putchar('\n');
	}
	fflush(stdout);
	return MNL_CB_OK;
}

static int do_monitor(int argc, char **argv)
{
	static char buf[PVIO_GENL_BUFSIZE];
	ssize_t n;
	int ret;

	if (argc > 0)
		usage_error("monitor: unexpected argument '%s'", argv[0]);
	open_genl();
	ret = pvio_genl_monitor(&genl);
	if (ret)
		fail("monitor", ret);
	for (;;) {
		n = mnl_socket_recvfrom(genl.nl, buf, sizeof(buf));
		if (n < 0 && errno == ENOBUFS) {
			/* The kernel dropped events; the stream goes on. */
			fprintf(stderr, "pvioctl: monitor: events lost\n");
			continue;
		}
		if (n < 0)
			fail("monitor", -errno);
		if (mnl_cb_run(buf, n, 0, 0, monitor_cb, NULL) < 0)
			fail("monitor", -errno);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[0], "link"))
		return do_link(argc - 1, argv + 1);
	if (!strcmp(argv[0], "monitor"))
		return do_monitor(argc - 1, argv + 1);
	if (!strcmp(argv[0], "help")) {
		usage(stdout);
		return 0;
	}
	usage_error("unknown object '%s'", argv[0]);
}
