/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The pvio authors. */
/*
 * pvio: the toolstack of the ivshmem provider ("Across VMs" in
 * Documentation/architecture.rst).
 * It reads a config in the style of xl.cfg (Documentation/pvio.cfg.5),
 * starts pvio-hvd, creates the links, and boots the driver domain and the
 * guests as QEMU VMs. Each command is its own process; what they share is
 * a small state file in the run directory.
 */
#ifndef _PVIO_H
#define _PVIO_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "pvio_json.h"

/*
 * The QEMU accelerator and vCPU topology of every domain: ivshmem_litmus
 * ("Across VMs" in Documentation/architecture.rst) decides it.
 * Multi-threaded TCG with more than one possible vCPU sets CF_PARALLEL,
 * which keeps the guests' barriers and atomics, so two QEMUs sharing a
 * region see each other's stores in order. The
 * config's `accel =` or $PVIO_ACCEL replace it; a domain's `vcpus = N`
 * replaces its -smp.
 */
#define PVIO_ACCEL_DEFAULT	"-accel tcg,thread=multi -smp 1,maxcpus=2"
/* Pinned: "Tests and benchmarks" in Documentation/architecture.rst */
#define PVIO_CPU		"Nehalem"
#define PVIO_RUNDIR_DEFAULT	"/run/pvio"

#define PVIO_NAME_MAX		32	/* domain names, with the NUL */
#define PVIO_MAX_DOMAINS	32
#define PVIO_MAX_DEVS		64	/* vbds + vifs + spares of a guest */
#define PVIO_MAX_DISKS		8
#define PVIO_MAX_NICS		4
#define PVIO_MAX_LINKS		255	/* pvio-hvd's link ids 0..254 */
#define PVIO_VALUE_MAX		96	/* a toolstack key's value, with NUL */

enum pvio_type { PVIO_NONE, PVIO_DRIVER, PVIO_GUEST };
enum pvio_kind { PVIO_VBD, PVIO_VIF, PVIO_SPARE };
/* What the toolstack does when a domain's QEMU exits by itself. */
enum pvio_on_crash {
	PVIO_ON_CRASH_DEFAULT,		/* restart a driver domain, not a guest */
	PVIO_ON_CRASH_RESTART,		/* start it again */
	PVIO_ON_CRASH_DESTROY,		/* leave it dead */
};

/* Which options a device spec gave. */
#define PVIO_HAS_IOPS		(1u << 0)
#define PVIO_HAS_BPS		(1u << 1)
#define PVIO_HAS_COALESCE	(1u << 2)
#define PVIO_HAS_MAC		(1u << 3)
#define PVIO_HAS_QUEUES		(1u << 4)
#define PVIO_HAS_RATE		(1u << 5)
#define PVIO_HAS_BURST		(1u << 6)
#define PVIO_HAS_SIZE		(1u << 7)
#define PVIO_HAS_GRANTS		(1u << 8)
#define PVIO_HAS_VECTORS	(1u << 9)

/* A guest's vbd or vif, or a spare link: one link each. */
struct pvio_dev {
	enum pvio_kind kind;
	int line;
	char driver[PVIO_NAME_MAX];	/* the backend's domain */
	unsigned int has;		/* PVIO_HAS_* */
	char target[PVIO_VALUE_MAX];	/* vbd: path in the driver domain */
	bool ro;
	uint32_t iops, bps, coalesce;
	char mac[18];			/* vif */
	uint32_t queues, rate, burst;
	uint64_t size;			/* the link */
	uint32_t grants, vectors;
};

struct pvio_disk {
	int line;
	char path[4096];
	char format[16];
	char cache[16];
	bool ro;
};

struct pvio_nic {
	int line;
	char mac[18];
};

struct pvio_domain {
	char name[PVIO_NAME_MAX];
	int line;			/* of its [domain NAME] */
	enum pvio_type type;
	unsigned int id;		/* domain id, 1..65535 */
	uint64_t memory;		/* bytes */
	unsigned int vcpus;		/* 0: the accel setting's -smp */
	char run[256];			/* script the domain runs, or "" */
	char append[512];		/* more kernel command line */
	enum pvio_on_crash on_crash;
	unsigned int nr_disks, nr_nics, nr_devs;
	struct pvio_disk disks[PVIO_MAX_DISKS];
	struct pvio_nic nics[PVIO_MAX_NICS];
	struct pvio_dev devs[PVIO_MAX_DEVS];
	int spares;			/* -1: the global default */
	char spare_driver[PVIO_NAME_MAX];
	int key_line[32];		/* where each scalar key was set */
};

struct pvio_config {
	const char *file;
	char kernel[4096], initrd[4096], modules[4096];
	char rundir[4096], hvd[4096], qemu[4096];
	char accel[512];
	uint32_t vectors, control_vectors, grants;
	uint64_t link_size;
	unsigned int spares;
	int key_line[32];
	unsigned int nr_domains;
	struct pvio_domain domains[PVIO_MAX_DOMAINS];
	int errors;
};

/* pvio_cfg.c */
void pvio_config_init(struct pvio_config *cfg);
int pvio_config_load(struct pvio_config *cfg, const char *file);
int pvio_dev_parse(struct pvio_config *cfg, struct pvio_domain *guest,
		   enum pvio_kind kind, const char *spec, int line,
		   struct pvio_dev *dev);
int pvio_dev_check(struct pvio_config *cfg, struct pvio_domain *guest,
		   struct pvio_dev *dev);
struct pvio_domain *pvio_domain_find(struct pvio_config *cfg,
				     const char *name);
void pvio_dev_spec(const struct pvio_dev *dev, char *buf, size_t len);
bool pvio_domain_restarts(const struct pvio_domain *d);
uint32_t pvio_dev_vectors(const struct pvio_config *cfg,
			  const struct pvio_dev *dev);
void pvio_err(struct pvio_config *cfg, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* pvio_qmp.c: QMP commands to a running QEMU (a link's hot-plug). */
struct pvio_qmp {
	int fd;
	size_t len, used;
	char buf[65536];
	char err[256];		/* why the last call failed */
};

/* Connect and leave negotiation mode; -1 with q->err set. */
int pvio_qmp_open(struct pvio_qmp *q, const char *path);
/*
 * Command @execute with @args (an object, taken; or NULL); 0 on its
 * "return", -1 with q->err.
 */
int pvio_qmp_cmd(struct pvio_qmp *q, const char *execute,
		 struct json_object *args);
void pvio_qmp_close(struct pvio_qmp *q);

#endif /* _PVIO_H */
