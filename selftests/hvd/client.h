/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Copyright (C) 2026 The pvio authors. */
/*
 * The no-VM tests of pvio-hvd: TAP output, a pvio-hvd child on a fresh
 * directory, its control socket, and a client that plays QEMU's side of
 * the ivshmem server protocol.
 */
#ifndef _HVD_CLIENT_H
#define _HVD_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define QP_MAX_VECTORS 256

/* TAP */
void tap_ok(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tap_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The plan, "N passed, N failed"; the exit status. */
int tap_done(void);

/* pvio-hvd under test */
struct hvd_proc {
	pid_t pid;
	char dir[64];
	char sock[128];
};
/* Start pvio-hvd (path from $PVIO_HVD) on a new directory with @args. */
int hvd_start(struct hvd_proc *h, const char *args);
/* quit; wait for it; its exit status, or -1. */
int hvd_stop(struct hvd_proc *h);
int hvd_fd_count(const struct hvd_proc *h);

/* A stream socket connected to the UNIX socket @path, or -1. */
int connect_unix(const char *path);

/* One connection to the control socket. */
int ctl_open(const struct hvd_proc *h);
/* Send @req (no newline), read one answer line into @ans; 0 or -1. */
int ctl_req(int fd, const char *req, char *ans, size_t len);
/* One request on a fresh connection. */
int ctl_once(const struct hvd_proc *h, const char *req, char *ans,
	     size_t len);
bool ans_ok(const char *ans);
/* The number after "@key": in @ans, or -1. */
long long ans_num(const char *ans, const char *key);

/* An ivshmem peer, as QEMU sees it. */
struct qpeer {
	int sock;
	int64_t id;
	int shm;
	void *map;
	size_t size;
	unsigned int nvec;
	int own[QP_MAX_VECTORS];	/* our vectors' eventfds */
	int64_t other_id;		/* 0: none */
	unsigned int nother;
	int other[QP_MAX_VECTORS];	/* the other peer's */
	unsigned int msgs;		/* greeting messages */
	bool order_ok;			/* version, id, shm came first */
};
/* Connect to @path and read the whole greeting, expecting @nvec vectors. */
int qp_connect(struct qpeer *p, const char *path, unsigned int nvec);
/* The same in two steps: connect, and later read the greeting. */
int qp_dial(struct qpeer *p, const char *path);
int qp_greet(struct qpeer *p, unsigned int nvec);
/* One message: 1 with *val and *fd (-1 if none), 0 on EOF, -1 on error. */
int qp_recv(int sock, int64_t *val, int *fd, int timeout_ms);
void qp_close(struct qpeer *p);
/* Read an eventfd without blocking: its count, or 0. */
uint64_t evfd_take(int fd);

#endif
