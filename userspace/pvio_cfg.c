// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The pvio authors. */
/*
 * The config file (Documentation/pvio.cfg.5): global `key = value` lines,
 * then one `[domain NAME]` section per domain. Every error is reported as
 * FILE:LINE: message, and parsing goes on to report the next ones.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "pvio.h"
#include "link.h"

void pvio_err(struct pvio_config *cfg, int line, const char *fmt, ...)
{
	va_list ap;

	if (line > 0)
		fprintf(stderr, "%s:%d: ", cfg->file, line);
	else
		fprintf(stderr, "%s: ", cfg->file);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cfg->errors++;
}

void pvio_config_init(struct pvio_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->file = "pvio";
	cfg->vectors = 9;
	cfg->control_vectors = 1;
	cfg->grants = 4096;
	cfg->link_size = 16u << 20;
}

struct pvio_domain *pvio_domain_find(struct pvio_config *cfg,
				     const char *name)
{
	unsigned int i;

	for (i = 0; i < cfg->nr_domains; i++)
		if (!strcmp(cfg->domains[i].name, name))
			return &cfg->domains[i];
	return NULL;
}

/* --- values ------------------------------------------------------------- */

enum { NUM_PLAIN, NUM_SIZE, NUM_MIB };

/*
 * A decimal number, at most @max. NUM_SIZE and NUM_MIB take a suffix K, M
 * or G (binary); a NUM_MIB number without a suffix is in MiB (xl's
 * memory).
 */
static bool pvio_num(const char *s, int mode, uint64_t max, uint64_t *out)
{
	uint64_t v = 0, mul = 1;

	if (!isdigit((unsigned char)*s))
		return false;
	for (; isdigit((unsigned char)*s); s++) {
		if (v > (UINT64_MAX - (*s - '0')) / 10)
			return false;
		v = v * 10 + (*s - '0');
	}
	if (mode != NUM_PLAIN) {
		switch (*s) {
		case 'k': case 'K': mul = 1ull << 10; s++; break;
		case 'm': case 'M': mul = 1ull << 20; s++; break;
		case 'g': case 'G': mul = 1ull << 30; s++; break;
		default: mul = mode == NUM_MIB ? 1ull << 20 : 1;
		}
		if (*s == 'i' && mul > 1)	/* KiB, MiB, GiB */
			s++;
		if ((*s == 'b' || *s == 'B') && mul > 1)
			s++;
	}
	if (*s || (v && mul > UINT64_MAX / v) || v * mul > max)
		return false;
	*out = v * mul;
	return true;
}

static bool pvio_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= PVIO_NAME_MAX || !isalpha((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return false;
	return true;
}

/* Characters of a path we hand on (no commas: QEMU's separator). */
static bool pvio_path_ok(const char *s, const char *extra)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("/._-+", *s) &&
		    !(extra && strchr(extra, *s)))
			return false;
	return true;
}

static bool pvio_mac_ok(const char *s)
{
	unsigned int b[6], i;
	char end;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &end) != 6)
		return false;
	for (i = 0; i < 6; i++)
		if (!isxdigit((unsigned char)s[3 * i]) ||
		    !isxdigit((unsigned char)s[3 * i + 1]) ||
		    (i < 5 && s[3 * i + 2] != ':'))
			return false;
	if (b[0] & 1)			/* multicast */
		return false;
	return b[0] | b[1] | b[2] | b[3] | b[4] | b[5];
}

static bool pvio_copy(char *dst, size_t len, const char *src)
{
	if (strlen(src) >= len)
		return false;
	strcpy(dst, src);
	return true;
}

static char *pvio_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* --- device specs --------------------------------------------------------- */

static const char *const pvio_kind_name[] = { "vbd", "vif", "spare" };

struct pvio_opt {
	const char *name;
	unsigned int has;
	int mode;
	uint64_t min, max;
	size_t off;			/* uint32_t or uint64_t in pvio_dev */
	bool wide;
};

#define OPT(n, h, m, lo, hi, f) \
	{ n, h, m, lo, hi, offsetof(struct pvio_dev, f), \
	  sizeof(((struct pvio_dev *)0)->f) == 8 }

static const struct pvio_opt pvio_vbd_opts[] = {
	OPT("iops", PVIO_HAS_IOPS, NUM_PLAIN, 0, UINT32_MAX, iops),
	OPT("bps", PVIO_HAS_BPS, NUM_SIZE, 0, UINT32_MAX, bps),
	OPT("coalesce", PVIO_HAS_COALESCE, NUM_PLAIN, 0, 10000, coalesce),
	OPT("size", PVIO_HAS_SIZE, NUM_SIZE, 32u << 10, 64u << 20, size),
	OPT("grants", PVIO_HAS_GRANTS, NUM_PLAIN, 1, PVIO_LINK_MAX_GRANTS, grants),
	OPT("vectors", PVIO_HAS_VECTORS, NUM_PLAIN, 2, 256, vectors),
	{}
};

static const struct pvio_opt pvio_vif_opts[] = {
	OPT("queues", PVIO_HAS_QUEUES, NUM_PLAIN, 1, 16, queues),
	OPT("rate", PVIO_HAS_RATE, NUM_SIZE, 0, UINT32_MAX, rate),
	OPT("burst", PVIO_HAS_BURST, NUM_SIZE, 0, UINT32_MAX, burst),
	OPT("size", PVIO_HAS_SIZE, NUM_SIZE, 32u << 10, 64u << 20, size),
	OPT("grants", PVIO_HAS_GRANTS, NUM_PLAIN, 1, PVIO_LINK_MAX_GRANTS, grants),
	OPT("vectors", PVIO_HAS_VECTORS, NUM_PLAIN, 2, 256, vectors),
	{}
};

static int pvio_dev_opt(struct pvio_config *cfg, struct pvio_dev *dev,
			const char *what, char *item, int line)
{
	const struct pvio_opt *o = dev->kind == PVIO_VBD ? pvio_vbd_opts :
							   pvio_vif_opts;
	char *val = strchr(item, '=');
	uint64_t v;

	if (!val) {
		pvio_err(cfg, line, "%s: option '%s' needs a value (NAME=VALUE)",
			 what, item);
		return -1;
	}
	*val++ = '\0';
	if (dev->kind == PVIO_VIF && !strcmp(item, "mac")) {
		if (dev->has & PVIO_HAS_MAC) {
			pvio_err(cfg, line, "%s: mac given twice", what);
			return -1;
		}
		if (!pvio_mac_ok(val)) {
			pvio_err(cfg, line, "%s: bad MAC address '%s' (unicast, xx:xx:xx:xx:xx:xx)",
				 what, val);
			return -1;
		}
		strcpy(dev->mac, val);
		dev->has |= PVIO_HAS_MAC;
		return 0;
	}
	for (; o->name; o++)
		if (!strcmp(o->name, item))
			break;
	if (!o->name) {
		pvio_err(cfg, line, "%s: unknown option '%s' (%s)", what, item,
			 dev->kind == PVIO_VBD ?
			 "iops, bps, coalesce, size, grants, vectors" :
			 "mac, queues, rate, burst, size, grants, vectors");
		return -1;
	}
	if (dev->has & o->has) {
		pvio_err(cfg, line, "%s: %s given twice", what, item);
		return -1;
	}
	if (!pvio_num(val, o->mode, o->max, &v) || v < o->min) {
		pvio_err(cfg, line, "%s: bad number '%s' for %s (%llu to %llu)",
			 what, val, item, (unsigned long long)o->min,
			 (unsigned long long)o->max);
		return -1;
	}
	if (o->has == PVIO_HAS_SIZE && (v & (v - 1))) {
		pvio_err(cfg, line, "%s: size %s is not a power of two", what,
			 val);
		return -1;
	}
	if (o->wide)
		*(uint64_t *)((char *)dev + o->off) = v;
	else
		*(uint32_t *)((char *)dev + o->off) = v;
	dev->has |= o->has;
	return 0;
}

/*
 * vbd = DRIVER:TARGET[:ro|:rw][,OPTION=VALUE]...
 * vif = DRIVER[,OPTION=VALUE]...
 * Only the syntax: pvio_dev_check() looks at the other domains.
 */
int pvio_dev_parse(struct pvio_config *cfg, struct pvio_domain *guest,
		   enum pvio_kind kind, const char *spec, int line,
		   struct pvio_dev *dev)
{
	const char *what = pvio_kind_name[kind];
	char buf[1024], *item, *save, *first, *target, *mode;
	int errors = cfg->errors;

	(void)guest;
	memset(dev, 0, sizeof(*dev));
	dev->kind = kind;
	dev->line = line;
	if (!pvio_copy(buf, sizeof(buf), spec)) {
		pvio_err(cfg, line, "%s: too long", what);
		return -1;
	}
	first = strtok_r(buf, ",", &save);
	first = first ? pvio_trim(first) : "";
	target = strchr(first, ':');
	if (target)
		*target++ = '\0';
	if (!pvio_name_ok(first)) {
		pvio_err(cfg, line, "%s: '%s' is not a domain name", what, first);
		return -1;
	}
	strcpy(dev->driver, first);
	if (kind == PVIO_VBD) {
		mode = target ? strchr(target, ':') : NULL;
		if (mode)
			*mode++ = '\0';
		if (!target || !*target) {
			pvio_err(cfg, line, "vbd: no target (DRIVER:TARGET, e.g. dd:vda1)");
			return -1;
		}
		if (mode && !strcmp(mode, "ro")) {
			dev->ro = true;
		} else if (mode && strcmp(mode, "rw")) {
			pvio_err(cfg, line, "vbd: bad mode '%s' (ro or rw)", mode);
			return -1;
		}
		if (*target == '/' ? !pvio_path_ok(target, NULL) ||
				     strstr(target, "/../") :
				     !pvio_path_ok(target, NULL) ||
				     strchr(target, '/') || *target == '.') {
			pvio_err(cfg, line, "vbd: bad target '%s' (a device name such as vda1, or an absolute path)",
				 target);
			return -1;
		}
		if (snprintf(dev->target, sizeof(dev->target), "%s%s",
			     *target == '/' ? "" : "/dev/", target) >=
		    (int)sizeof(dev->target)) {
			pvio_err(cfg, line, "vbd: target '%s' too long", target);
			return -1;
		}
	} else if (target) {
		pvio_err(cfg, line, "%s: '%s:%s': only a driver domain's name before the first comma",
			 what, first, target);
		return -1;
	}
	while ((item = strtok_r(NULL, ",", &save))) {
		item = pvio_trim(item);
		if (kind == PVIO_SPARE || pvio_dev_opt(cfg, dev, what, item, line))
			return -1;
	}
	return cfg->errors == errors ? 0 : -1;
}

/* The canonical spec, which pvio_dev_parse() reads back. */
/*
 * Does the toolstack start @d again when its QEMU exits by itself? A
 * driver domain by default (its guests wait for it), a guest only if
 * asked: whoever runs it decides what its crash means.
 */
bool pvio_domain_restarts(const struct pvio_domain *d)
{
	if (d->on_crash == PVIO_ON_CRASH_DEFAULT)
		return d->type == PVIO_DRIVER;
	return d->on_crash == PVIO_ON_CRASH_RESTART;
}

void pvio_dev_spec(const struct pvio_dev *dev, char *buf, size_t len)
{
	const struct pvio_opt *o;
	size_t n;

	if (dev->kind == PVIO_SPARE) {
		snprintf(buf, len, "%s", dev->driver);
		return;
	}
	if (dev->kind == PVIO_VBD)
		n = snprintf(buf, len, "%s:%s%s", dev->driver, dev->target,
			     dev->ro ? ":ro" : "");
	else
		n = snprintf(buf, len, "%s%s%s", dev->driver,
			     dev->has & PVIO_HAS_MAC ? ",mac=" : "",
			     dev->has & PVIO_HAS_MAC ? dev->mac : "");
	for (o = dev->kind == PVIO_VBD ? pvio_vbd_opts : pvio_vif_opts;
	     o->name && n < len; o++) {
		if (!(dev->has & o->has))
			continue;
		n += snprintf(buf + n, len - n, ",%s=%llu", o->name,
			      o->wide ? (unsigned long long)
			      *(const uint64_t *)((const char *)dev + o->off) :
			      (unsigned long long)
			      *(const uint32_t *)((const char *)dev + o->off));
	}
}

/*
 * The vectors of a device's link: its own vectors=, else the config's
 * vectors, raised for a vif to one per queue and direction plus the
 * control vector.
 */
uint32_t pvio_dev_vectors(const struct pvio_config *cfg,
			  const struct pvio_dev *dev)
{
	uint32_t v = cfg->vectors;

	if (dev->has & PVIO_HAS_VECTORS)
		return dev->vectors;
	if (dev->kind == PVIO_VIF && (dev->has & PVIO_HAS_QUEUES) &&
	    1 + 2 * dev->queues > v)
		v = 1 + 2 * dev->queues;
	return v;
}

/*
 * A device against the rest of the config: its driver domain, MAC
 * addresses and read-write exports must not clash. @dev is not yet in
 * @guest's list.
 */
int pvio_dev_check(struct pvio_config *cfg, struct pvio_domain *guest,
		   struct pvio_dev *dev)
{
	const char *what = pvio_kind_name[dev->kind];
	struct pvio_domain *dd = pvio_domain_find(cfg, dev->driver), *d;
	unsigned int i, j;

	if (!dd) {
		pvio_err(cfg, dev->line, "%s: no domain '%s'", what, dev->driver);
		return -1;
	}
	if (dd->type != PVIO_DRIVER) {
		pvio_err(cfg, dev->line, "%s: domain '%s' is not a driver domain",
			 what, dev->driver);
		return -1;
	}
	if (dd == guest) {
		pvio_err(cfg, dev->line, "%s: a domain cannot serve itself", what);
		return -1;
	}
	for (i = 0; i < cfg->nr_domains; i++) {
		d = &cfg->domains[i];
		for (j = 0; (dev->has & PVIO_HAS_MAC) && j < d->nr_nics; j++) {
			if (strcasecmp(d->nics[j].mac, dev->mac))
				continue;
			pvio_err(cfg, dev->line, "vif: MAC %s already used by the nic of %s (line %d)",
				 dev->mac, d->name, d->nics[j].line);
			return -1;
		}
		for (j = 0; j < d->nr_devs; j++) {
			const struct pvio_dev *o = &d->devs[j];

			if (o == dev || o->kind != dev->kind)
				continue;
			if (dev->kind == PVIO_VIF && (dev->has & PVIO_HAS_MAC) &&
			    (o->has & PVIO_HAS_MAC) &&
			    !strcasecmp(o->mac, dev->mac)) {
				pvio_err(cfg, dev->line, "vif: MAC %s already used by a vif of %s (line %d)",
					 dev->mac, d->name, o->line);
				return -1;
			}
			if (dev->kind == PVIO_VBD &&
			    !strcmp(o->driver, dev->driver) &&
			    !strcmp(o->target, dev->target) &&
			    (!o->ro || !dev->ro)) {
				pvio_err(cfg, dev->line, "vbd: %s of %s is already exported to %s (line %d); only read-only exports may share it",
					 dev->target, dev->driver, d->name, o->line);
				return -1;
			}
		}
	}
	return 0;
}

/* --- keys ------------------------------------------------------------------ */

enum pvio_key {
	/* global */
	K_KERNEL, K_INITRD, K_MODULES, K_RUNDIR, K_HVD, K_QEMU, K_ACCEL,
	K_VECTORS, K_CONTROL_VECTORS, K_LINK_SIZE, K_GRANTS, K_SPARES_G,
	/* domain */
	K_TYPE, K_ID, K_MEMORY, K_VCPUS, K_RUN, K_APPEND, K_SPARES,
	K_SPARE_DRIVER, K_DISK, K_NIC, K_VBD, K_VIF, K_ON_CRASH,
	K_NR
};

static const struct {
	const char *name;
	bool domain;			/* else global */
	bool many;			/* may be given more than once */
} pvio_keys[K_NR] = {
	[K_KERNEL] = { "kernel" }, [K_INITRD] = { "initrd" },
	[K_MODULES] = { "modules" }, [K_RUNDIR] = { "rundir" },
	[K_HVD] = { "hvd" }, [K_QEMU] = { "qemu" }, [K_ACCEL] = { "accel" },
	[K_VECTORS] = { "vectors" },
	[K_CONTROL_VECTORS] = { "control-vectors" },
	[K_LINK_SIZE] = { "link-size" }, [K_GRANTS] = { "grants" },
	[K_SPARES_G] = { "spares" },
	[K_TYPE] = { "type", true }, [K_ID] = { "id", true },
	[K_MEMORY] = { "memory", true }, [K_VCPUS] = { "vcpus", true },
	[K_RUN] = { "run", true }, [K_APPEND] = { "append", true },
	[K_SPARES] = { "spares", true },
	[K_SPARE_DRIVER] = { "spare-driver", true },
	[K_DISK] = { "disk", true, true }, [K_NIC] = { "nic", true, true },
	[K_VBD] = { "vbd", true, true }, [K_VIF] = { "vif", true, true },
	[K_ON_CRASH] = { "on-crash", true },
};

static const char pvio_global_list[] =
	"kernel, initrd, modules, rundir, hvd, qemu, accel, vectors, control-vectors, link-size, grants, spares";
static const char pvio_domain_list[] =
	"type, id, memory, vcpus, run, append, on-crash, spares, spare-driver, disk, nic, vbd, vif";

static int pvio_find_key(const char *name, bool domain)
{
	int k;

	for (k = 0; k < K_NR; k++)
		if (pvio_keys[k].domain == domain &&
		    !strcmp(pvio_keys[k].name, name))
			return k;
	return -1;
}

/* disk = PATH[,format=raw|qcow2][,cache=MODE][,ro] */
static void pvio_parse_disk(struct pvio_config *cfg, struct pvio_domain *d,
			    char *val, int line)
{
	struct pvio_disk *disk;
	char *item, *save, *eq;

	if (d->nr_disks == PVIO_MAX_DISKS) {
		pvio_err(cfg, line, "disk: at most %d disks", PVIO_MAX_DISKS);
		return;
	}
	disk = &d->disks[d->nr_disks];
	memset(disk, 0, sizeof(*disk));
	disk->line = line;
	strcpy(disk->format, "raw");
	strcpy(disk->cache, "writeback");
	item = pvio_trim(strtok_r(val, ",", &save));
	if (*item != '/' || !pvio_path_ok(item, NULL) ||
	    !pvio_copy(disk->path, sizeof(disk->path), item)) {
		pvio_err(cfg, line, "disk: '%s' is not an absolute path of [A-Za-z0-9/._+-]",
			 item);
		return;
	}
	while ((item = strtok_r(NULL, ",", &save))) {
		item = pvio_trim(item);
		eq = strchr(item, '=');
		if (!strcmp(item, "ro")) {
			disk->ro = true;
			continue;
		}
		if (eq)
			*eq++ = '\0';
		if (eq && !strcmp(item, "format")) {
			if (strcmp(eq, "raw") && strcmp(eq, "qcow2")) {
				pvio_err(cfg, line, "disk: bad format '%s' (raw, qcow2)", eq);
				return;
			}
			strcpy(disk->format, eq);
		} else if (eq && !strcmp(item, "cache")) {
			if (!strcmp(eq, "unsafe")) {
				pvio_err(cfg, line, "disk: cache=unsafe ignores flushes: use writeback, writethrough, none or directsync");
				return;
			}
			if (strcmp(eq, "writeback") && strcmp(eq, "writethrough") &&
			    strcmp(eq, "none") && strcmp(eq, "directsync")) {
				pvio_err(cfg, line, "disk: bad cache mode '%s' (writeback, writethrough, none, directsync)",
					 eq);
				return;
			}
			strcpy(disk->cache, eq);
		} else {
			pvio_err(cfg, line, "disk: unknown option '%s' (format=, cache=, ro)",
				 item);
			return;
		}
	}
	d->nr_disks++;
}

/* nic = user[,mac=MAC] */
static void pvio_parse_nic(struct pvio_config *cfg, struct pvio_domain *d,
			   char *val, int line)
{
	struct pvio_nic *nic;
	char *item, *save;

	if (d->nr_nics == PVIO_MAX_NICS) {
		pvio_err(cfg, line, "nic: at most %d NICs", PVIO_MAX_NICS);
		return;
	}
	nic = &d->nics[d->nr_nics];
	memset(nic, 0, sizeof(*nic));
	nic->line = line;
	item = pvio_trim(strtok_r(val, ",", &save));
	if (strcmp(item, "user")) {
		pvio_err(cfg, line, "nic: unknown network '%s' (user: QEMU's user networking)",
			 item);
		return;
	}
	while ((item = strtok_r(NULL, ",", &save))) {
		item = pvio_trim(item);
		if (strncmp(item, "mac=", 4)) {
			pvio_err(cfg, line, "nic: unknown option '%s' (mac=)", item);
			return;
		}
		if (!pvio_mac_ok(item + 4)) {
			pvio_err(cfg, line, "nic: bad MAC address '%s'", item + 4);
			return;
		}
		strcpy(nic->mac, item + 4);
	}
	d->nr_nics++;
}

static void pvio_set_str(struct pvio_config *cfg, int line, const char *key,
			 char *dst, size_t len, const char *val, bool path)
{
	if (path && (*val != '/' || !pvio_path_ok(val, NULL))) {
		pvio_err(cfg, line, "%s: '%s' is not an absolute path of [A-Za-z0-9/._+-]",
			 key, val);
		return;
	}
	if (!pvio_copy(dst, len, val))
		pvio_err(cfg, line, "%s: value too long", key);
}

static void pvio_set_num(struct pvio_config *cfg, int line, const char *key,
			 const char *val, int mode, uint64_t min, uint64_t max,
			 void *dst, size_t size)
{
	uint64_t v;

	if (!pvio_num(val, mode, max, &v) || v < min) {
		if (mode == NUM_MIB) {
			pvio_err(cfg, line, "%s: bad size '%s' (%llu to %llu MiB; suffix M or G)",
				 key, val, (unsigned long long)min >> 20,
				 (unsigned long long)max >> 20);
			return;
		}
		pvio_err(cfg, line, "%s: bad number '%s' (%llu to %llu%s)", key,
			 val, (unsigned long long)min, (unsigned long long)max,
			 mode == NUM_PLAIN ? "" : ", suffix K, M or G");
		return;
	}
	if (size == 8)
		*(uint64_t *)dst = v;
	else
		*(uint32_t *)dst = v;
}

static void pvio_global(struct pvio_config *cfg, int k, char *val, int line)
{
	const char *key = pvio_keys[k].name;
	uint32_t spares;

	switch (k) {
	case K_KERNEL:
		pvio_set_str(cfg, line, key, cfg->kernel, sizeof(cfg->kernel), val, true);
		break;
	case K_INITRD:
		pvio_set_str(cfg, line, key, cfg->initrd, sizeof(cfg->initrd), val, true);
		break;
	case K_MODULES:
		pvio_set_str(cfg, line, key, cfg->modules, sizeof(cfg->modules), val, true);
		break;
	case K_HVD:
		pvio_set_str(cfg, line, key, cfg->hvd, sizeof(cfg->hvd), val, true);
		break;
	case K_QEMU:
		pvio_set_str(cfg, line, key, cfg->qemu, sizeof(cfg->qemu), val, true);
		break;
	case K_RUNDIR:
		/* pvio-hvd's longest socket name must fit sun_path. */
		if (strlen(val) + sizeof("/link254-frontend.sock") > 108)
			pvio_err(cfg, line, "rundir: too long for UNIX socket names (at most 85 bytes)");
		else
			pvio_set_str(cfg, line, key, cfg->rundir,
				     sizeof(cfg->rundir), val, true);
		break;
	case K_ACCEL:
		for (const char *p = val; *p; p++) {
			if (*p < 0x20 || *p > 0x7e || *p == '"' || *p == '\'') {
				pvio_err(cfg, line, "accel: QEMU arguments separated by spaces, no quotes");
				return;
			}
		}
		pvio_set_str(cfg, line, key, cfg->accel, sizeof(cfg->accel), val, false);
		break;
	/*
	 * pvio_ivshmem tells the control device from a link's by its one
	 * vector, which a guest cannot change: a link has two or more.
	 */
	case K_VECTORS:
		pvio_set_num(cfg, line, key, val, NUM_PLAIN, 2, 256,
			     &cfg->vectors, 4);
		break;
	case K_CONTROL_VECTORS:
		pvio_set_num(cfg, line, key, val, NUM_PLAIN, 1, 1,
			     &cfg->control_vectors, 4);
		break;
	case K_GRANTS:
		pvio_set_num(cfg, line, key, val, NUM_PLAIN, 1,
			     PVIO_LINK_MAX_GRANTS, &cfg->grants, 4);
		break;
	case K_LINK_SIZE:
		pvio_set_num(cfg, line, key, val, NUM_SIZE, 32u << 10,
			     64u << 20, &cfg->link_size, 8);
		if (cfg->link_size & (cfg->link_size - 1))
			pvio_err(cfg, line, "link-size: %s is not a power of two", val);
		break;
	case K_SPARES_G:
		spares = cfg->spares;
		pvio_set_num(cfg, line, key, val, NUM_PLAIN, 0, 16, &spares, 4);
		cfg->spares = spares;
		break;
	}
}

static void pvio_domain_key(struct pvio_config *cfg, struct pvio_domain *d,
			    int k, char *val, int line)
{
	const char *key = pvio_keys[k].name;
	struct pvio_dev *dev;
	uint32_t v;

	switch (k) {
	case K_TYPE:
		if (!strcmp(val, "driver"))
			d->type = PVIO_DRIVER;
		else if (!strcmp(val, "guest"))
			d->type = PVIO_GUEST;
		else
			pvio_err(cfg, line, "type: '%s' is neither driver nor guest", val);
		break;
	case K_ID:
		v = 0;
		pvio_set_num(cfg, line, key, val, NUM_PLAIN, 1, 65535, &v, 4);
		d->id = v;
		break;
	case K_MEMORY:
		pvio_set_num(cfg, line, key, val, NUM_MIB, 64u << 20,
			     64ull << 30, &d->memory, 8);
		break;
	case K_VCPUS:
		v = 0;
		pvio_set_num(cfg, line, key, val, NUM_PLAIN, 1, 64, &v, 4);
		d->vcpus = v;
		break;
	case K_RUN:
		if (*val == '/' || strstr(val, "..") || !pvio_path_ok(val, NULL))
			pvio_err(cfg, line, "run: '%s' is not a path under /pvio of the initramfs (e.g. parts/x.sh)",
				 val);
		else
			pvio_set_str(cfg, line, key, d->run, sizeof(d->run), val, false);
		break;
	case K_APPEND:
		for (const char *p = val; *p; p++) {
			if (*p < 0x20 || *p > 0x7e || *p == '"') {
				pvio_err(cfg, line, "append: printable ASCII without quotes");
				return;
			}
		}
		pvio_set_str(cfg, line, key, d->append, sizeof(d->append), val, false);
		break;
	case K_ON_CRASH:
		if (!strcmp(val, "restart"))
			d->on_crash = PVIO_ON_CRASH_RESTART;
		else if (!strcmp(val, "destroy"))
			d->on_crash = PVIO_ON_CRASH_DESTROY;
		else
			pvio_err(cfg, line, "on-crash: '%s' is neither restart nor destroy",
				 val);
		break;
	case K_SPARES:
		v = 0;
		pvio_set_num(cfg, line, key, val, NUM_PLAIN, 0, 16, &v, 4);
		d->spares = v;
		break;
	case K_SPARE_DRIVER:
		if (!pvio_name_ok(val))
			pvio_err(cfg, line, "spare-driver: '%s' is not a domain name", val);
		else
			strcpy(d->spare_driver, val);
		break;
	case K_DISK:
		pvio_parse_disk(cfg, d, val, line);
		break;
	case K_NIC:
		pvio_parse_nic(cfg, d, val, line);
		break;
	case K_VBD:
	case K_VIF:
		if (d->nr_devs == PVIO_MAX_DEVS) {
			pvio_err(cfg, line, "%s: at most %d devices per guest", key,
				 PVIO_MAX_DEVS);
			return;
		}
		dev = &d->devs[d->nr_devs];
		if (!pvio_dev_parse(cfg, d, k == K_VBD ? PVIO_VBD : PVIO_VIF,
				    val, line, dev))
			d->nr_devs++;
		break;
	}
}

/* Everything that needs the whole file: types, references, ids, links. */
static void pvio_config_check(struct pvio_config *cfg)
{
	struct pvio_domain *d, *dd;
	unsigned int i, j, k, links = 0, ids[PVIO_MAX_DOMAINS], next_id = 1;
	bool used;
	int spares;

	if (!cfg->nr_domains)
		pvio_err(cfg, 0, "no [domain NAME] section");
	for (i = 0; i < cfg->nr_domains; i++) {
		d = &cfg->domains[i];
		if (d->type == PVIO_NONE) {
			pvio_err(cfg, d->line, "domain %s: no type (type = driver or type = guest)",
				 d->name);
			continue;
		}
		if (d->type == PVIO_GUEST) {
			if (d->nr_disks)
				pvio_err(cfg, d->disks[0].line, "disk: guest %s has no disk but pvio's: give it a vbd",
					 d->name);
			if (d->nr_nics)
				pvio_err(cfg, d->nics[0].line, "nic: guest %s has no NIC but pvio's: give it a vif",
					 d->name);
		} else {
			for (j = 0; j < d->nr_devs; j++)
				pvio_err(cfg, d->devs[j].line, "%s: only guests have vbds and vifs (%s is a driver domain)",
					 pvio_kind_name[d->devs[j].kind], d->name);
			if (d->spares >= 0 && d->key_line[K_SPARES])
				pvio_err(cfg, d->key_line[K_SPARES], "spares: only guests have spare links");
			if (d->spare_driver[0])
				pvio_err(cfg, d->key_line[K_SPARE_DRIVER], "spare-driver: only guests have spare links");
		}
	}
	/* Domain ids: given ones first, the rest counted up from 1. */
	for (i = 0; i < cfg->nr_domains; i++) {
		d = &cfg->domains[i];
		for (j = 0; d->id && j < i; j++) {
			if (cfg->domains[j].id == d->id) {
				pvio_err(cfg, d->key_line[K_ID], "id: %u is also the id of %s (line %d)",
					 d->id, cfg->domains[j].name,
					 cfg->domains[j].key_line[K_ID]);
				break;
			}
		}
	}
	for (i = 0; i < cfg->nr_domains; i++) {
		d = &cfg->domains[i];
		ids[i] = d->id;
		if (d->id)
			continue;
		do {
			used = false;
			for (j = 0; j < cfg->nr_domains; j++)
				if (cfg->domains[j].id == next_id)
					used = true;
			for (j = 0; j < i; j++)
				if (ids[j] == next_id)
					used = true;
		} while (used && ++next_id);
		ids[i] = next_id++;
	}
	for (i = 0; i < cfg->nr_domains; i++)
		cfg->domains[i].id = ids[i];
	/* Devices: references, clashes; then the spare links. */
	for (i = 0; i < cfg->nr_domains; i++) {
		d = &cfg->domains[i];
		if (d->type != PVIO_GUEST)
			continue;
		for (j = 0; j < d->nr_devs; j++)
			pvio_dev_check(cfg, d, &d->devs[j]);
		spares = d->spares >= 0 ? d->spares : (int)cfg->spares;
		if (!spares)
			continue;
		if (d->spare_driver[0]) {
			dd = pvio_domain_find(cfg, d->spare_driver);
			if (!dd || dd->type != PVIO_DRIVER) {
				pvio_err(cfg, d->key_line[K_SPARE_DRIVER], "spare-driver: no driver domain '%s'",
					 d->spare_driver);
				continue;
			}
		} else {
			for (k = 0, dd = NULL; k < cfg->nr_domains && !dd; k++)
				if (cfg->domains[k].type == PVIO_DRIVER)
					dd = &cfg->domains[k];
			if (!dd) {
				pvio_err(cfg, d->key_line[K_SPARES] ? d->key_line[K_SPARES] : d->line,
					 "spares: no driver domain to serve them");
				continue;
			}
			strcpy(d->spare_driver, dd->name);
		}
		for (k = 0; k < (unsigned int)spares; k++) {
			struct pvio_dev *s;

			if (d->nr_devs == PVIO_MAX_DEVS) {
				pvio_err(cfg, d->line, "domain %s: more than %d links",
					 d->name, PVIO_MAX_DEVS);
				break;
			}
			s = &d->devs[d->nr_devs++];
			memset(s, 0, sizeof(*s));
			s->kind = PVIO_SPARE;
			s->line = d->line;
			strcpy(s->driver, d->spare_driver);
		}
	}
	for (i = 0; i < cfg->nr_domains; i++)
		links += cfg->domains[i].nr_devs;
	if (links > PVIO_MAX_LINKS)
		pvio_err(cfg, 0, "%u links (vbds, vifs and spares): pvio-hvd has %d",
			 links, PVIO_MAX_LINKS);
}

int pvio_config_load(struct pvio_config *cfg, const char *file)
{
	char buf[8192], *line, *eq, *key, *val, *end;
	struct pvio_domain *d = NULL, *o;
	int lineno = 0, k;
	int *key_line;
	FILE *f;

	cfg->file = file;
	f = fopen(file, "re");
	if (!f) {
		pvio_err(cfg, 0, "%s", strerror(errno));
		return -1;
	}
	while (fgets(buf, sizeof(buf), f)) {
		lineno++;
		if (!strchr(buf, '\n') && !feof(f)) {
			pvio_err(cfg, lineno, "line too long (at most %zu bytes)",
				 sizeof(buf) - 2);
			while (fgets(buf, sizeof(buf), f) && !strchr(buf, '\n'))
				;
			continue;
		}
		line = pvio_trim(buf);
		if (!*line || *line == '#')
			continue;
		if (*line == '[') {
			end = strchr(line, ']');
			if (!end || end[1] || strncmp(line, "[domain", 7) ||
			    !isspace((unsigned char)line[7])) {
				pvio_err(cfg, lineno, "syntax error: a section is [domain NAME]");
				d = NULL;
				continue;
			}
			*end = '\0';
			val = pvio_trim(line + 7);
			if (!pvio_name_ok(val)) {
				pvio_err(cfg, lineno, "bad domain name '%s' (a letter, then letters, digits, - or _; at most %d)",
					 val, PVIO_NAME_MAX - 1);
				d = NULL;
				continue;
			}
			o = pvio_domain_find(cfg, val);
			if (o) {
				pvio_err(cfg, lineno, "domain %s defined twice (first at line %d)",
					 val, o->line);
				d = NULL;
				continue;
			}
			if (cfg->nr_domains == PVIO_MAX_DOMAINS) {
				pvio_err(cfg, lineno, "more than %d domains", PVIO_MAX_DOMAINS);
				d = NULL;
				continue;
			}
			d = &cfg->domains[cfg->nr_domains++];
			memset(d, 0, sizeof(*d));
			strcpy(d->name, val);
			d->line = lineno;
			d->memory = 512u << 20;
			d->spares = -1;
			continue;
		}
		eq = strchr(line, '=');
		if (!eq) {
			pvio_err(cfg, lineno, "syntax error: expected 'key = value' or '[domain NAME]'");
			continue;
		}
		*eq = '\0';
		key = pvio_trim(line);
		val = pvio_trim(eq + 1);
		k = pvio_find_key(key, cfg->nr_domains > 0);
		if (k < 0) {
			if (cfg->nr_domains && !d)
				continue;	/* in a section already reported */
			if (pvio_find_key(key, !cfg->nr_domains) >= 0)
				pvio_err(cfg, lineno, cfg->nr_domains ?
					 "'%s' is a global key: put it before the first [domain]" :
					 "'%s' belongs in a [domain NAME] section", key);
			else
				pvio_err(cfg, lineno, "unknown key '%s' (%s: %s)", key,
					 cfg->nr_domains ? "domain keys" : "global keys",
					 cfg->nr_domains ? pvio_domain_list : pvio_global_list);
			continue;
		}
		if (cfg->nr_domains && !d)
			continue;
		if (!*val) {
			pvio_err(cfg, lineno, "%s: empty value", key);
			continue;
		}
		key_line = d ? d->key_line : cfg->key_line;
		if (!pvio_keys[k].many && key_line[k]) {
			pvio_err(cfg, lineno, "%s set twice (first at line %d)", key,
				 key_line[k]);
			continue;
		}
		key_line[k] = lineno;
		if (d)
			pvio_domain_key(cfg, d, k, val, lineno);
		else
			pvio_global(cfg, k, val, lineno);
	}
	fclose(f);
	pvio_config_check(cfg);
	return cfg->errors ? -1 : 0;
}
