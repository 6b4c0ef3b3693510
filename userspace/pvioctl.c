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
 *   pvioctl [-j] vbd add LINK {PATH | fd FD} [index N] [readonly] [iops N]
 *                        [bps N] [coalesce USECS]
 *   pvioctl [-j] vbd show [LINK [INDEX]]
 *   pvioctl vbd set LINK INDEX [iops N] [bps N] [coalesce USECS] [reread]
 *   pvioctl vbd del LINK INDEX
 *   pvioctl [-j] vif add LINK [index N] [mac ADDR] [queues N] [rate BYTES]
 *                        [burst BYTES]
 *   pvioctl vif set LINK INDEX [rate BYTES] [burst BYTES]
 *   pvioctl [-j] vif show [LINK [INDEX]]
 *   pvioctl vif del LINK INDEX
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
#include "pvio_json.h"
#include "state_name.h"
#include "version.h"

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
"  pvioctl vbd add LINK {PATH | fd FD} [index N] [readonly] [iops N]\n"
"                   [bps N] [coalesce USECS]\n"
"                                 export block device or file PATH, or\n"
"                                 the one open as descriptor FD (e.g.\n"
"                                 3<>FILE in the shell; the vbd keeps it\n"
"                                 until deleted), as a vbd of link LINK\n"
"                                 (defaults: the lowest free index,\n"
"                                 read-write, no limits, no coalescing:\n"
"                                 the backend holds a notification back\n"
"                                 USECS so that it reports several\n"
"                                 answers)\n"
"  pvioctl vbd show [LINK [INDEX]]\n"
"                                 show vbds with their ends' states and\n"
"                                 counters (also: list)\n"
"  pvioctl vbd set LINK INDEX [iops N] [bps N] [coalesce USECS] [reread]\n"
"                                 change a vbd's limits (0: none) or\n"
"                                 coalescing, or have its backend re-read\n"
"                                 the capacity\n"
"  pvioctl vbd del LINK INDEX     remove a vbd (also: delete)\n"
"  pvioctl vif add LINK [index N] [mac ADDR] [queues N] [rate BYTES]\n"
"                  [burst BYTES]\n"
"                                 add a network interface to link LINK\n"
"                                 (defaults: the lowest free index, a\n"
"                                 random MAC, the backend's queues, no\n"
"                                 rate limit: else BYTES per second the\n"
"                                 guest may send, with a burst of 100 ms)\n"
"  pvioctl vif set LINK INDEX [rate BYTES] [burst BYTES]\n"
"                                 change a vif's rate limit (0: none)\n"
"  pvioctl vif show [LINK [INDEX]]\n"
"                                 show vifs with their ends' states and\n"
"                                 counters (also: list)\n"
"  pvioctl vif del LINK INDEX     remove a vif (also: delete)\n"
"  pvioctl monitor                print links, vbds and vifs as they come,\n"
"                                 change and go\n"
"  pvioctl help                   this text\n"
"\n"
"options:\n"
"  -j, --json   print JSON: an object per link, vbd or vif, an array for\n"
"               show\n"
"  -h, --help   this text\n"
"  -V, --version  pvioctl's version\n";

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

static const char *const link_attr_names[] = {
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

static const char *const vbd_attr_names[] = {
	[PVIO_A_VBD_LINK_ID] = "link-id",
	[PVIO_A_VBD_INDEX] = "index",
	[PVIO_A_VBD_PATH] = "path",
	[PVIO_A_VBD_READONLY] = "readonly",
	[PVIO_A_VBD_IOPS_LIMIT] = "iops-limit",
	[PVIO_A_VBD_BPS_LIMIT] = "bps-limit",
	[PVIO_A_VBD_REREAD] = "reread",
	[PVIO_A_VBD_FD] = "fd",
	[PVIO_A_VBD_COALESCE_USECS] = "coalesce-usecs",
	[PVIO_A_VBD_BACKEND_STATE] = "backend-state",
	[PVIO_A_VBD_FRONTEND_STATE] = "frontend-state",
	[PVIO_A_VBD_BACKEND_STATS] = "backend-stats",
	[PVIO_A_VBD_FRONTEND_STATS] = "frontend-stats",
};

static const char *const vif_attr_names[] = {
	[PVIO_A_VIF_LINK_ID] = "link-id",
	[PVIO_A_VIF_INDEX] = "index",
	[PVIO_A_VIF_MAC] = "mac",
	[PVIO_A_VIF_QUEUES] = "queues",
	[PVIO_A_VIF_BACKEND_STATE] = "backend-state",
	[PVIO_A_VIF_FRONTEND_STATE] = "frontend-state",
	[PVIO_A_VIF_BACKEND_STATS] = "backend-stats",
	[PVIO_A_VIF_FRONTEND_STATS] = "frontend-stats",
	[PVIO_A_VIF_RATE] = "rate",
	[PVIO_A_VIF_BURST] = "burst",
};

/* The attribute set of the request being made, to name attributes. */
static const char *const *attr_names = link_attr_names;
static size_t nr_attr_names = ARRAY_SIZE(link_attr_names);

static void attr_name(char *buf, size_t len, int type)
{
	if (type >= 0 && (size_t)type < nr_attr_names && attr_names[type])
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

/*
 * A link: its fields as text on stdout, or with -j as members of @o.
 * Every printer of an object does the same.
 */
static void link_print(const struct link *l, struct json_object *o)
{
	const char *sep = "", *str;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		const struct field *f = &fields[i];
		const struct nlattr *a = l->tb[f->type];
		uint32_t v = 0;

		if (!a)
			continue;
		if (link_types[f->type] == MNL_TYPE_NUL_STRING) {
			str = mnl_attr_get_str(a);
		} else {
			v = link_types[f->type] == MNL_TYPE_U16 ?
				mnl_attr_get_u16(a) : mnl_attr_get_u32(a);
			str = f->state ? state_name(v) : NULL;
		}
		if (o)
			pvio_json_add(o, f->key, str ? pvio_json_new_str(str) :
							pvio_json_new_int(v));
		else if (str)
			printf("%s%s %s", sep, f->text, str);
		else
			printf("%s%s %u", sep, f->text, v);
		sep = " ";
	}
}

/* ---- link commands ---- */

/* A reply of links, vbds or vifs being printed. */
struct show {
	bool array;		/* JSON: the objects go into an array */
	unsigned int count;
	struct json_object *items;	/* that array, printed at the end */
	/* Parse and print one object (into @o with -j); MNL_CB_*. */
	int (*one)(const struct nlmsghdr *nlh, struct json_object *o);
};

static int show_cb(const struct nlmsghdr *nlh, void *data)
{
	struct show *s = data;
	struct json_object *o = json ? pvio_json_new_obj(NULL) : NULL;

	if (s->one(nlh, o) != MNL_CB_OK) {
		json_object_put(o);
		return MNL_CB_ERROR;
	}
	if (!json) {
		putchar('\n');
	} else if (s->array) {
		if (!s->items)
			s->items = pvio_json_new_array();
		pvio_json_append(s->items, o);
	} else {
		pvio_json_print(stdout, o);
	}
	s->count++;
	return MNL_CB_OK;
}

/* The array of a show with -j: "[]" if the reply had none. */
static void show_done(struct show *s)
{
	if (json && s->array)
		pvio_json_print(stdout, s->items ?: pvio_json_new_array());
}

static int link_one(const struct nlmsghdr *nlh, struct json_object *o)
{
	struct link l;

	if (link_parse(nlh, &l) != MNL_CB_OK)
		return MNL_CB_ERROR;
	link_print(&l, o);
	return MNL_CB_OK;
}

static int link_add(int argc, char **argv)
{
	static char buf[PVIO_GENL_BUFSIZE];
	unsigned long backend = 0, frontend = 1;
	unsigned long pages = 0, grants = 0;
	bool has_pages = false, has_grants = false;
	struct show s = { .one = link_one };
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
	return 0;
}

static int link_show(int argc, char **argv)
{
	static char buf[PVIO_GENL_BUFSIZE];
	struct show s = { .array = true, .one = link_one };
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
	show_done(&s);
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

/* ---- what vbds and vifs have alike ---- */

/* A counter of a device end, as it is printed. */
struct stat_name {
	int type;
	const char *text;
	const char *key;	/* in JSON */
};

/* Where the counters of one end go, and which are theirs. */
struct stats_tb {
	const struct nlattr **tb;
	int max;
	int pad;
};

static int stats_attr_cb(const struct nlattr *attr, void *data)
{
	const struct stats_tb *st = data;
	int type = mnl_attr_get_type(attr);

	if (type <= 0 || type > st->max || type == st->pad)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	st->tb[type] = attr;
	return MNL_CB_OK;
}

/* The counters of end @end (0 backend, 1 frontend): a line, or JSON. */
static void print_stats(int end, const struct nlattr *const *tb,
			const struct stat_name *names, size_t n,
			struct json_object *o)
{
	static const char *const ends[] = { "backend", "frontend" };
	struct json_object *stats = NULL;
	char key[32];
	size_t i;

	if (o) {
		stats = pvio_json_new_obj(NULL);
		snprintf(key, sizeof(key), "%s_stats", ends[end]);
		pvio_json_add(o, key, stats);
	} else {
		printf("\n    %s:", ends[end]);
	}
	for (i = 0; i < n; i++) {
		const struct nlattr *a = tb[names[i].type];
		unsigned long long v = a ? mnl_attr_get_u64(a) : 0;

		if (o)
			pvio_json_add(stats, names[i].key, pvio_json_new_u64(v));
		else
			printf(" %s %llu", names[i].text, v);
	}
}

/* The attribute set of vbds or of vifs, as parsing needs it. */
struct dev_set {
	const enum mnl_attr_data_type *types;
	int max;
	int pad;
	int link_attr;
	int index_attr;
	int stats_attr[2];	/* backend, frontend */
	int state_attr[2];	/* backend, frontend */
	int stats_max;
	int stats_pad;
	int mac_attr;		/* exactly 6 bytes, if not 0 */
	const struct stat_name *stats;	/* in the order printed */
	size_t nr_stats;
	const char *const *names;	/* for errors */
	size_t nr_names;
};

#define MAX_OF(a, b)	((int)(a) > (int)(b) ? (int)(a) : (int)(b))
#define DEV_MAX		MAX_OF(PVIO_A_VBD_MAX, PVIO_A_VIF_MAX)
#define DEV_STATS_MAX	MAX_OF(PVIO_A_VBD_STATS_MAX, PVIO_A_VIF_STATS_MAX)

/* A vbd or vif as the kernel describes it. */
struct dev {
	const struct dev_set *set;
	const struct nlattr *tb[DEV_MAX + 1];
	const struct nlattr *stats[2][DEV_STATS_MAX + 1];
};

/* Attributes newer than this program are skipped; known ones checked. */
static int dev_attr_cb(const struct nlattr *attr, void *data)
{
	struct dev *d = data;
	const struct dev_set *set = d->set;
	int type = mnl_attr_get_type(attr);
	int end;

	if (type <= 0 || type > set->max || type == set->pad)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, set->types[type]) < 0 ||
	    (type == set->mac_attr && mnl_attr_get_payload_len(attr) != 6)) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	for (end = 0; end < 2; end++) {
		struct stats_tb st = { d->stats[end], set->stats_max,
				       set->stats_pad };

		if (type == set->stats_attr[end] &&
		    mnl_attr_parse_nested(attr, stats_attr_cb, &st) < 0)
			return MNL_CB_ERROR;
	}
	d->tb[type] = attr;
	return MNL_CB_OK;
}

static int dev_parse(const struct nlmsghdr *nlh, const struct dev_set *set,
		     struct dev *d)
{
	memset(d, 0, sizeof(*d));
	d->set = set;
	if (mnl_attr_parse(nlh, GENL_HDRLEN, dev_attr_cb, d) < 0)
		return MNL_CB_ERROR;
	if (!d->tb[set->link_attr] || !d->tb[set->index_attr]) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static uint32_t dev_u32(const struct dev *d, int type)
{
	return d->tb[type] ? mnl_attr_get_u32(d->tb[type]) : 0;
}

static unsigned long long dev_u64(const struct dev *d, int type)
{
	return d->tb[type] ? mnl_attr_get_u64(d->tb[type]) : 0;
}

/*
 * What every vbd and vif line ends with: " backend-state S
 * frontend-state S", then a line of counters per end that has them; in
 * JSON the same keys and the object's end.
 */
static void dev_print_tail(const struct dev *d, struct json_object *o)
{
	const struct dev_set *set = d->set;
	int end;

	if (o) {
		pvio_json_add(o, "backend_state", pvio_json_new_str(
			state_name(dev_u32(d, set->state_attr[0]))));
		pvio_json_add(o, "frontend_state", pvio_json_new_str(
			state_name(dev_u32(d, set->state_attr[1]))));
	} else {
		printf(" backend-state %s frontend-state %s",
		       state_name(dev_u32(d, set->state_attr[0])),
		       state_name(dev_u32(d, set->state_attr[1])));
	}
	for (end = 0; end < 2; end++)
		if (d->tb[set->stats_attr[end]])
			print_stats(end, d->stats[end], set->stats,
				    set->nr_stats, o);
}

/* Requests about vbds or vifs: errors name their set's attributes. */
static void open_genl_dev(const struct dev_set *set)
{
	attr_names = set->names;
	nr_attr_names = set->nr_names;
	open_genl();
}

/*
 * "show [LINK [INDEX]]" of vbds or vifs (@what): a get of one, or a dump
 * of a link's or of all.
 */
static int dev_show(const char *what, uint8_t get_cmd, int link_attr,
		    int index_attr,
		    int (*one)(const struct nlmsghdr *nlh, struct json_object *o),
		    int argc, char **argv)
{
	static char buf[PVIO_GENL_BUFSIZE];
	struct show s = { .array = true, .one = one };
	struct nlmsghdr *nlh;
	uint32_t link = 0, index = 0;
	char ctx[32], idx[32];
	int ret;

	snprintf(ctx, sizeof(ctx), "%s show", what);
	snprintf(idx, sizeof(idx), "%s index", what);
	if (argc > 2)
		usage_error("%s: unexpected argument '%s'", ctx, argv[2]);
	if (argc >= 1)
		link = parse_num("link id", argv[0], UINT32_MAX);
	if (argc == 2)
		index = parse_num(idx, argv[1], UINT32_MAX);
	if (argc == 2) {
		nlh = pvio_genl_msg(&genl, buf, get_cmd, NLM_F_ACK);
		s.array = false;
	} else {
		nlh = pvio_genl_msg(&genl, buf, get_cmd, NLM_F_DUMP);
	}
	if (argc >= 1)
		mnl_attr_put_u32(nlh, link_attr, link);
	if (argc == 2)
		mnl_attr_put_u32(nlh, index_attr, index);
	ret = pvio_genl_talk(&genl, nlh, show_cb, &s);
	if (ret)
		fail(ctx, ret);
	show_done(&s);
	return 0;
}

/* "del LINK INDEX" of a vbd or vif (@what). */
static int dev_del(const char *what, uint8_t del_cmd, int link_attr,
		   int index_attr, int argc, char **argv)
{
	static char buf[PVIO_GENL_BUFSIZE];
	struct nlmsghdr *nlh;
	uint32_t link, index;
	char ctx[32], idx[32];
	int ret;

	snprintf(ctx, sizeof(ctx), "%s del", what);
	snprintf(idx, sizeof(idx), "%s index", what);
	if (argc != 2)
		usage_error("%s: give a link id and a %s index", ctx, what);
	link = parse_num("link id", argv[0], UINT32_MAX);
	index = parse_num(idx, argv[1], UINT32_MAX);
	nlh = pvio_genl_msg(&genl, buf, del_cmd, NLM_F_ACK);
	mnl_attr_put_u32(nlh, link_attr, link);
	mnl_attr_put_u32(nlh, index_attr, index);
	ret = pvio_genl_talk(&genl, nlh, NULL, NULL);
	if (ret)
		fail(ctx, ret);
	return 0;
}

/* ---- a vbd as the kernel describes it ---- */

static const enum mnl_attr_data_type vbd_types[PVIO_A_VBD_MAX + 1] = {
	[PVIO_A_VBD_LINK_ID] = MNL_TYPE_U32,
	[PVIO_A_VBD_INDEX] = MNL_TYPE_U32,
	[PVIO_A_VBD_PATH] = MNL_TYPE_NUL_STRING,
	[PVIO_A_VBD_READONLY] = MNL_TYPE_FLAG,
	[PVIO_A_VBD_IOPS_LIMIT] = MNL_TYPE_U32,
	[PVIO_A_VBD_BPS_LIMIT] = MNL_TYPE_U64,
	[PVIO_A_VBD_REREAD] = MNL_TYPE_FLAG,
	[PVIO_A_VBD_COALESCE_USECS] = MNL_TYPE_U32,
	[PVIO_A_VBD_BACKEND_STATE] = MNL_TYPE_U32,
	[PVIO_A_VBD_FRONTEND_STATE] = MNL_TYPE_U32,
	[PVIO_A_VBD_BACKEND_STATS] = MNL_TYPE_NESTED,
	[PVIO_A_VBD_FRONTEND_STATS] = MNL_TYPE_NESTED,
	[PVIO_A_VBD_PAD] = MNL_TYPE_UNSPEC,
};

/* The counters, in the order they are printed. */
static const struct stat_name vbd_stats[] = {
	{ PVIO_A_VBD_STATS_REQUESTS, "requests", "requests" },
	{ PVIO_A_VBD_STATS_SECTORS, "sectors", "sectors" },
	{ PVIO_A_VBD_STATS_ERRORS, "errors", "errors" },
	{ PVIO_A_VBD_STATS_REPLAYS, "replays", "replays" },
	{ PVIO_A_VBD_STATS_IN_FLIGHT, "in-flight", "in_flight" },
	{ PVIO_A_VBD_STATS_GENERATION, "generation", "generation" },
	{ PVIO_A_VBD_STATS_RECONNECTS, "reconnects", "reconnects" },
	{ PVIO_A_VBD_STATS_LAST_DOWNTIME_MS, "last-downtime-ms",
	  "last_downtime_ms" },
	{ PVIO_A_VBD_STATS_DOWN_MS, "down-ms", "down_ms" },
};

static const struct dev_set vbd_attrs = {
	.types = vbd_types,
	.max = PVIO_A_VBD_MAX,
	.pad = PVIO_A_VBD_PAD,
	.link_attr = PVIO_A_VBD_LINK_ID,
	.index_attr = PVIO_A_VBD_INDEX,
	.stats_attr = { PVIO_A_VBD_BACKEND_STATS, PVIO_A_VBD_FRONTEND_STATS },
	.state_attr = { PVIO_A_VBD_BACKEND_STATE, PVIO_A_VBD_FRONTEND_STATE },
	.stats_max = PVIO_A_VBD_STATS_MAX,
	.stats_pad = PVIO_A_VBD_STATS_PAD,
	.stats = vbd_stats,
	.nr_stats = ARRAY_SIZE(vbd_stats),
	.names = vbd_attr_names,
	.nr_names = ARRAY_SIZE(vbd_attr_names),
};

/*
 * One vbd: text "vbd N link L path P mode w iops N bps N coalesce N
 * backend-state S
 * frontend-state S", then a line of counters per end that has them; or
 * one JSON object.
 */
static void vbd_print(const struct dev *v, struct json_object *o)
{
	const char *path = v->tb[PVIO_A_VBD_PATH] ?
			   mnl_attr_get_str(v->tb[PVIO_A_VBD_PATH]) : "";
	bool ro = v->tb[PVIO_A_VBD_READONLY];

	if (o) {
		pvio_json_add(o, "link_id",
			      pvio_json_new_int(dev_u32(v, PVIO_A_VBD_LINK_ID)));
		pvio_json_add(o, "index",
			      pvio_json_new_int(dev_u32(v, PVIO_A_VBD_INDEX)));
		pvio_json_add(o, "path", pvio_json_new_str(path));
		pvio_json_add(o, "readonly", pvio_json_new_bool(ro));
		pvio_json_add(o, "iops_limit", pvio_json_new_int(
			dev_u32(v, PVIO_A_VBD_IOPS_LIMIT)));
		pvio_json_add(o, "bps_limit", pvio_json_new_u64(
			dev_u64(v, PVIO_A_VBD_BPS_LIMIT)));
		pvio_json_add(o, "coalesce_usecs", pvio_json_new_int(
			dev_u32(v, PVIO_A_VBD_COALESCE_USECS)));
	} else {
		printf("vbd %u link %u path %s mode %s iops %u bps %llu "
		       "coalesce %u",
		       dev_u32(v, PVIO_A_VBD_INDEX),
		       dev_u32(v, PVIO_A_VBD_LINK_ID), path, ro ? "r" : "w",
		       dev_u32(v, PVIO_A_VBD_IOPS_LIMIT),
		       dev_u64(v, PVIO_A_VBD_BPS_LIMIT),
		       dev_u32(v, PVIO_A_VBD_COALESCE_USECS));
	}
	dev_print_tail(v, o);
}

/* ---- vbd commands ---- */

static int vbd_one(const struct nlmsghdr *nlh, struct json_object *o)
{
	struct dev v;

	if (dev_parse(nlh, &vbd_attrs, &v) != MNL_CB_OK)
		return MNL_CB_ERROR;
	vbd_print(&v, o);
	return MNL_CB_OK;
}

static int vbd_add(int argc, char **argv)
{
	static char buf[PVIO_GENL_BUFSIZE];
	unsigned long link, index = 0, iops = 0, coalesce = 0;
	unsigned long long bps = 0;
	bool has_index = false, has_iops = false, has_bps = false;
	bool has_coalesce = false;
	bool readonly = false;
	struct show s = { .one = vbd_one };
	struct nlmsghdr *nlh;
	const char *path = NULL;
	unsigned long fd = 0;
	int i, ret;

	if (argc < 2)
		usage_error("vbd add: give a link id and a backing path or fd");
	link = parse_num("link id", argv[0], UINT32_MAX);
	i = 2;
	if (!strcmp(argv[1], "fd")) {
		if (argc < 3)
			usage_error("vbd add: 'fd' needs a descriptor number");
		fd = parse_num("fd", argv[2], INT_MAX);
		i = 3;
	} else {
		path = argv[1];
	}
	for (; i < argc; i++) {
		const char *key = argv[i];

		if (!strcmp(key, "readonly") || !strcmp(key, "ro")) {
			readonly = true;
			continue;
		}
		if (i + 1 >= argc)
			usage_error("vbd add: '%s' needs a value", key);
		if (!strcmp(key, "index")) {
			index = parse_num(key, argv[++i], UINT32_MAX);
			has_index = true;
		} else if (!strcmp(key, "iops")) {
			iops = parse_num(key, argv[++i], UINT32_MAX);
			has_iops = true;
		} else if (!strcmp(key, "bps")) {
			bps = parse_num(key, argv[++i], ULONG_MAX);
			has_bps = true;
		} else if (!strcmp(key, "coalesce")) {
			coalesce = parse_num(key, argv[++i], UINT32_MAX);
			has_coalesce = true;
		} else {
			usage_error("vbd add: unknown argument '%s'", key);
		}
	}

	open_genl_dev(&vbd_attrs);
	nlh = pvio_genl_msg(&genl, buf, PVIO_CMD_VBD_NEW, NLM_F_ACK);
	mnl_attr_put_u32(nlh, PVIO_A_VBD_LINK_ID, link);
	/* The kernel judges the length, so that its word is the one. */
	if (path && !mnl_attr_put_strz_check(nlh, sizeof(buf) / 2,
					     PVIO_A_VBD_PATH, path))
		usage_error("vbd add: backing path too long");
	if (!path)
		mnl_attr_put_u32(nlh, PVIO_A_VBD_FD, fd);
	if (has_index)
		mnl_attr_put_u32(nlh, PVIO_A_VBD_INDEX, index);
	if (readonly)
		mnl_attr_put(nlh, PVIO_A_VBD_READONLY, 0, NULL);
	if (has_iops)
		mnl_attr_put_u32(nlh, PVIO_A_VBD_IOPS_LIMIT, iops);
	if (has_bps)
		mnl_attr_put_u64(nlh, PVIO_A_VBD_BPS_LIMIT, bps);
	if (has_coalesce)
		mnl_attr_put_u32(nlh, PVIO_A_VBD_COALESCE_USECS, coalesce);
	ret = pvio_genl_talk(&genl, nlh, show_cb, &s);
	if (ret)
		fail("vbd add", ret);
	if (s.count != 1)
		fail("vbd add", -EBADMSG);
	return 0;
}

static int vbd_show(int argc, char **argv)
{
	open_genl_dev(&vbd_attrs);
	return dev_show("vbd", PVIO_CMD_VBD_GET, PVIO_A_VBD_LINK_ID,
			PVIO_A_VBD_INDEX, vbd_one, argc, argv);
}

static int vbd_set(int argc, char **argv)
{
	static char buf[PVIO_GENL_BUFSIZE];
	unsigned long link, index, iops = 0, coalesce = 0;
	unsigned long long bps = 0;
	bool has_iops = false, has_bps = false, reread = false;
	bool has_coalesce = false;
	struct nlmsghdr *nlh;
	int i, ret;

	if (argc < 2)
		usage_error("vbd set: give a link id and a vbd index");
	link = parse_num("link id", argv[0], UINT32_MAX);
	index = parse_num("vbd index", argv[1], UINT32_MAX);
	for (i = 2; i < argc; i++) {
		const char *key = argv[i];

		if (!strcmp(key, "reread")) {
			reread = true;
			continue;
		}
		if (i + 1 >= argc)
			usage_error("vbd set: '%s' needs a value", key);
		if (!strcmp(key, "iops")) {
			iops = parse_num(key, argv[++i], UINT32_MAX);
			has_iops = true;
		} else if (!strcmp(key, "bps")) {
			bps = parse_num(key, argv[++i], ULONG_MAX);
			has_bps = true;
		} else if (!strcmp(key, "coalesce")) {
			coalesce = parse_num(key, argv[++i], UINT32_MAX);
			has_coalesce = true;
		} else {
			usage_error("vbd set: unknown argument '%s'", key);
		}
	}
	if (!has_iops && !has_bps && !has_coalesce && !reread)
		usage_error("vbd set: nothing to change (iops, bps, coalesce, reread)");

	open_genl_dev(&vbd_attrs);
	nlh = pvio_genl_msg(&genl, buf, PVIO_CMD_VBD_SET, NLM_F_ACK);
	mnl_attr_put_u32(nlh, PVIO_A_VBD_LINK_ID, link);
	mnl_attr_put_u32(nlh, PVIO_A_VBD_INDEX, index);
	if (has_iops)
		mnl_attr_put_u32(nlh, PVIO_A_VBD_IOPS_LIMIT, iops);
	if (has_bps)
		mnl_attr_put_u64(nlh, PVIO_A_VBD_BPS_LIMIT, bps);
	if (has_coalesce)
		mnl_attr_put_u32(nlh, PVIO_A_VBD_COALESCE_USECS, coalesce);
	if (reread)
		mnl_attr_put(nlh, PVIO_A_VBD_REREAD, 0, NULL);
	ret = pvio_genl_talk(&genl, nlh, NULL, NULL);
	if (ret)
		fail("vbd set", ret);
	return 0;
}

static int vbd_del(int argc, char **argv)
{
	open_genl_dev(&vbd_attrs);
	return dev_del("vbd", PVIO_CMD_VBD_DEL, PVIO_A_VBD_LINK_ID,
		       PVIO_A_VBD_INDEX, argc, argv);
}

static int do_vbd(int argc, char **argv)
{
	if (argc < 1 || !strcmp(argv[0], "show") || !strcmp(argv[0], "list"))
		return vbd_show(argc ? argc - 1 : 0, argv + 1);
	if (!strcmp(argv[0], "add"))
		return vbd_add(argc - 1, argv + 1);
	if (!strcmp(argv[0], "set"))
		return vbd_set(argc - 1, argv + 1);
	if (!strcmp(argv[0], "del") || !strcmp(argv[0], "delete"))
		return vbd_del(argc - 1, argv + 1);
	if (!strcmp(argv[0], "help")) {
		usage(stdout);
		return 0;
	}
	usage_error("vbd: unknown command '%s'", argv[0]);
}

/* ---- a vif as the kernel describes it ---- */

static const enum mnl_attr_data_type vif_types[PVIO_A_VIF_MAX + 1] = {
	[PVIO_A_VIF_LINK_ID] = MNL_TYPE_U32,
	[PVIO_A_VIF_INDEX] = MNL_TYPE_U32,
	[PVIO_A_VIF_MAC] = MNL_TYPE_BINARY,
	[PVIO_A_VIF_QUEUES] = MNL_TYPE_U32,
	[PVIO_A_VIF_BACKEND_STATE] = MNL_TYPE_U32,
	[PVIO_A_VIF_FRONTEND_STATE] = MNL_TYPE_U32,
	[PVIO_A_VIF_BACKEND_STATS] = MNL_TYPE_NESTED,
	[PVIO_A_VIF_FRONTEND_STATS] = MNL_TYPE_NESTED,
	[PVIO_A_VIF_PAD] = MNL_TYPE_UNSPEC,
	[PVIO_A_VIF_RATE] = MNL_TYPE_U64,
	[PVIO_A_VIF_BURST] = MNL_TYPE_U32,
};

/* The counters, in the order they are printed. */
static const struct stat_name vif_stats[] = {
	{ PVIO_A_VIF_STATS_PACKETS, "packets", "packets" },
	{ PVIO_A_VIF_STATS_BYTES, "bytes", "bytes" },
	{ PVIO_A_VIF_STATS_ERRORS, "errors", "errors" },
	{ PVIO_A_VIF_STATS_QUEUED, "queued", "queued" },
	{ PVIO_A_VIF_STATS_GENERATION, "generation", "generation" },
	{ PVIO_A_VIF_STATS_RECONNECTS, "reconnects", "reconnects" },
	{ PVIO_A_VIF_STATS_LAST_DOWNTIME_MS, "last-downtime-ms",
	  "last_downtime_ms" },
	{ PVIO_A_VIF_STATS_DOWN_MS, "down-ms", "down_ms" },
};

static const struct dev_set vif_attrs = {
	.types = vif_types,
	.max = PVIO_A_VIF_MAX,
	.pad = PVIO_A_VIF_PAD,
	.link_attr = PVIO_A_VIF_LINK_ID,
	.index_attr = PVIO_A_VIF_INDEX,
	.stats_attr = { PVIO_A_VIF_BACKEND_STATS, PVIO_A_VIF_FRONTEND_STATS },
	.state_attr = { PVIO_A_VIF_BACKEND_STATE, PVIO_A_VIF_FRONTEND_STATE },
	.stats_max = PVIO_A_VIF_STATS_MAX,
	.stats_pad = PVIO_A_VIF_STATS_PAD,
	.mac_attr = PVIO_A_VIF_MAC,
	.stats = vif_stats,
	.nr_stats = ARRAY_SIZE(vif_stats),
	.names = vif_attr_names,
	.nr_names = ARRAY_SIZE(vif_attr_names),
};

/*
 * One vif: text "vif N link L mac M queues Q rate R burst B
 * backend-state S frontend-state S", then a line of counters per end that has them; or
 * one JSON object.
 */
static void vif_print(const struct dev *v, struct json_object *o)
{
	const uint8_t *m = v->tb[PVIO_A_VIF_MAC] ?
			   mnl_attr_get_payload(v->tb[PVIO_A_VIF_MAC]) :
			   (const uint8_t *)"\0\0\0\0\0";
	char mac[18];

	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
		 m[0], m[1], m[2], m[3], m[4], m[5]);
	if (o) {
		pvio_json_add(o, "link_id",
			      pvio_json_new_int(dev_u32(v, PVIO_A_VIF_LINK_ID)));
		pvio_json_add(o, "index",
			      pvio_json_new_int(dev_u32(v, PVIO_A_VIF_INDEX)));
		pvio_json_add(o, "mac", pvio_json_new_str(mac));
		pvio_json_add(o, "queues",
			      pvio_json_new_int(dev_u32(v, PVIO_A_VIF_QUEUES)));
		pvio_json_add(o, "rate",
			      pvio_json_new_u64(dev_u64(v, PVIO_A_VIF_RATE)));
		pvio_json_add(o, "burst",
			      pvio_json_new_int(dev_u32(v, PVIO_A_VIF_BURST)));
	} else {
		printf("vif %u link %u mac %s queues %u rate %llu burst %u",
		       dev_u32(v, PVIO_A_VIF_INDEX),
		       dev_u32(v, PVIO_A_VIF_LINK_ID), mac,
		       dev_u32(v, PVIO_A_VIF_QUEUES),
		       dev_u64(v, PVIO_A_VIF_RATE),
		       dev_u32(v, PVIO_A_VIF_BURST));
	}
	dev_print_tail(v, o);
}

/* ---- vif commands ---- */

static int vif_one(const struct nlmsghdr *nlh, struct json_object *o)
{
	struct dev v;

	if (dev_parse(nlh, &vif_attrs, &v) != MNL_CB_OK)
		return MNL_CB_ERROR;
	vif_print(&v, o);
	return MNL_CB_OK;
}

/* "xx:xx:xx:xx:xx:xx" into @mac, or a usage error. */
static void parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char end;
	int i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
		   &b[3], &b[4], &b[5], &end) != 6)
		usage_error("'%s' is not a MAC address (xx:xx:xx:xx:xx:xx)",
			    s);
	for (i = 0; i < 6; i++)
		mac[i] = b[i];
}

/* A vif's rate and burst, where given. */
struct vif_rate {
	unsigned long long rate;
	unsigned long burst;
	bool has_rate, has_burst;
};

/*
 * "rate BYTES" or "burst BYTES": 0 if @key is one (its value taken),
 * -1 if not. The kernel judges the values, so that its word is the one.
 */
static int vif_rate_arg(struct vif_rate *r, const char *key, const char *val)
{
	if (!strcmp(key, "rate")) {
		r->rate = parse_num(key, val, ULONG_MAX);
		r->has_rate = true;
	} else if (!strcmp(key, "burst")) {
		r->burst = parse_num(key, val, UINT32_MAX);
		r->has_burst = true;
	} else {
		return -1;
	}
	return 0;
}

static void vif_rate_put(const struct vif_rate *r, struct nlmsghdr *nlh)
{
	if (r->has_rate)
		mnl_attr_put_u64(nlh, PVIO_A_VIF_RATE, r->rate);
	if (r->has_burst)
		mnl_attr_put_u32(nlh, PVIO_A_VIF_BURST, r->burst);
}

static int vif_add(int argc, char **argv)
{
	static char buf[PVIO_GENL_BUFSIZE];
	unsigned long link, index = 0, queues = 0;
	bool has_index = false, has_mac = false, has_queues = false;
	struct vif_rate r = { 0 };
	struct show s = { .one = vif_one };
	struct nlmsghdr *nlh;
	uint8_t mac[6];
	int i, ret;

	if (argc < 1)
		usage_error("vif add: give a link id");
	link = parse_num("link id", argv[0], UINT32_MAX);
	for (i = 1; i < argc; i++) {
		const char *key = argv[i];

		if (i + 1 >= argc)
			usage_error("vif add: '%s' needs a value", key);
		if (!strcmp(key, "index")) {
			index = parse_num(key, argv[++i], UINT32_MAX);
			has_index = true;
		} else if (!strcmp(key, "mac")) {
			parse_mac(argv[++i], mac);
			has_mac = true;
		} else if (!strcmp(key, "queues")) {
			queues = parse_num(key, argv[++i], UINT32_MAX);
			has_queues = true;
		} else if (!vif_rate_arg(&r, key, argv[i + 1])) {
			i++;
		} else {
			usage_error("vif add: unknown argument '%s'", key);
		}
	}

	open_genl_dev(&vif_attrs);
	nlh = pvio_genl_msg(&genl, buf, PVIO_CMD_VIF_NEW, NLM_F_ACK);
	mnl_attr_put_u32(nlh, PVIO_A_VIF_LINK_ID, link);
	if (has_index)
		mnl_attr_put_u32(nlh, PVIO_A_VIF_INDEX, index);
	if (has_mac)
		mnl_attr_put(nlh, PVIO_A_VIF_MAC, sizeof(mac), mac);
	if (has_queues)
		mnl_attr_put_u32(nlh, PVIO_A_VIF_QUEUES, queues);
	vif_rate_put(&r, nlh);
	ret = pvio_genl_talk(&genl, nlh, show_cb, &s);
	if (ret)
		fail("vif add", ret);
	if (s.count != 1)
		fail("vif add", -EBADMSG);
	return 0;
}

static int vif_show(int argc, char **argv)
{
	open_genl_dev(&vif_attrs);
	return dev_show("vif", PVIO_CMD_VIF_GET, PVIO_A_VIF_LINK_ID,
			PVIO_A_VIF_INDEX, vif_one, argc, argv);
}

static int vif_del(int argc, char **argv)
{
	open_genl_dev(&vif_attrs);
	return dev_del("vif", PVIO_CMD_VIF_DEL, PVIO_A_VIF_LINK_ID,
		       PVIO_A_VIF_INDEX, argc, argv);
}

static int vif_set(int argc, char **argv)
{
	static char buf[PVIO_GENL_BUFSIZE];
	unsigned long link, index;
	struct vif_rate r = { 0 };
	struct nlmsghdr *nlh;
	int i, ret;

	if (argc < 2)
		usage_error("vif set: give a link id and a vif index");
	link = parse_num("link id", argv[0], UINT32_MAX);
	index = parse_num("vif index", argv[1], UINT32_MAX);
	for (i = 2; i < argc; i += 2) {
		if (i + 1 >= argc)
			usage_error("vif set: '%s' needs a value", argv[i]);
		if (vif_rate_arg(&r, argv[i], argv[i + 1]))
			usage_error("vif set: unknown argument '%s'", argv[i]);
	}
	if (!r.has_rate && !r.has_burst)
		usage_error("vif set: nothing to change (rate, burst)");

	open_genl_dev(&vif_attrs);
	nlh = pvio_genl_msg(&genl, buf, PVIO_CMD_VIF_SET, NLM_F_ACK);
	mnl_attr_put_u32(nlh, PVIO_A_VIF_LINK_ID, link);
	mnl_attr_put_u32(nlh, PVIO_A_VIF_INDEX, index);
	vif_rate_put(&r, nlh);
	ret = pvio_genl_talk(&genl, nlh, NULL, NULL);
	if (ret)
		fail("vif set", ret);
	return 0;
}

static int do_vif(int argc, char **argv)
{
	if (argc < 1 || !strcmp(argv[0], "show") || !strcmp(argv[0], "list"))
		return vif_show(argc ? argc - 1 : 0, argv + 1);
	if (!strcmp(argv[0], "add"))
		return vif_add(argc - 1, argv + 1);
	if (!strcmp(argv[0], "set"))
		return vif_set(argc - 1, argv + 1);
	if (!strcmp(argv[0], "del") || !strcmp(argv[0], "delete"))
		return vif_del(argc - 1, argv + 1);
	if (!strcmp(argv[0], "help")) {
		usage(stdout);
		return 0;
	}
	usage_error("vif: unknown command '%s'", argv[0]);
}

/* ---- monitor ---- */

static int monitor_cb(const struct nlmsghdr *nlh,
		      void *data __attribute__((unused)))
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const char *event, *what = "link";
	struct json_object *o;
	struct link l;
	struct dev d;
	int ret;

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
	case PVIO_CMD_LINK_CHANGE_NTF:
		event = "change";
		break;
	case PVIO_CMD_VBD_NEW_NTF:
		event = "new";
		what = "vbd";
		break;
	case PVIO_CMD_VBD_DEL_NTF:
		event = "del";
		what = "vbd";
		break;
	case PVIO_CMD_VBD_CHANGE_NTF:
		event = "change";
		what = "vbd";
		break;
	case PVIO_CMD_VIF_NEW_NTF:
		event = "new";
		what = "vif";
		break;
	case PVIO_CMD_VIF_DEL_NTF:
		event = "del";
		what = "vif";
		break;
	case PVIO_CMD_VIF_CHANGE_NTF:
		event = "change";
		what = "vif";
		break;
	default:
		return MNL_CB_OK;	/* an event newer than this program */
	}
	if (!strcmp(what, "vbd"))
		ret = dev_parse(nlh, &vbd_attrs, &d);
	else if (!strcmp(what, "vif"))
		ret = dev_parse(nlh, &vif_attrs, &d);
	else
		ret = link_parse(nlh, &l);
	if (ret != MNL_CB_OK) {
		fprintf(stderr, "pvioctl: monitor: malformed %s %s event\n",
			event, what);
		return MNL_CB_OK;
	}
	o = json ? pvio_json_new_obj(NULL) : NULL;
	if (!json)
		printf("%s ", event);
	if (!strcmp(what, "vbd"))
		vbd_print(&d, o);
	else if (!strcmp(what, "vif"))
		vif_print(&d, o);
	else
		link_print(&l, o);
	if (json)
		pvio_json_print(stdout, pvio_json_new_obj(
			"event", pvio_json_new_str(event), what, o, NULL));
	else
		putchar('\n');
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
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "+jhV", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'V':
			printf("pvioctl %s\n", PVIO_VERSION);
			return 0;
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
	if (!strcmp(argv[0], "vbd"))
		return do_vbd(argc - 1, argv + 1);
	if (!strcmp(argv[0], "vif"))
		return do_vif(argc - 1, argv + 1);
	if (!strcmp(argv[0], "monitor"))
		return do_monitor(argc - 1, argv + 1);
	if (!strcmp(argv[0], "help")) {
		usage(stdout);
		return 0;
	}
	usage_error("unknown object '%s'", argv[0]);
}
