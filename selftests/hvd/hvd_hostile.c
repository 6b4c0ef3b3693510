// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The pvio authors. */
/*
 * ivshmem_hvd_hostile: pvio-hvd survives what a confused toolstack or a
 * client that is not QEMU can do to its sockets, and leaks nothing: it
 * still answers, its fd count returns to where it was, it holds no socket
 * but AF_UNIX ones, and a second pvio-hvd on its directory is refused.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client.h"

/* Read until EOF (true) or @ms pass (false); what came in @buf. */
static bool read_to_eof(int fd, char *buf, size_t len, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t n = 0;
	ssize_t r;

	for (;;) {
		if (poll(&pfd, 1, ms) <= 0)
			return false;
		r = read(fd, n + 1 < len ? buf + n : (char[64]){ 0 },
			 n + 1 < len ? len - n - 1 : 64);
		if (r <= 0) {
			if (len)
				buf[n < len ? n : len - 1] = '\0';
			return r == 0 || errno == ECONNRESET;
		}
		if (n + 1 < len)
			n += r;
	}
}

/* @fds of pvio-hvd back to @want within 2 s. */
static bool fds_back(const struct hvd_proc *h, int want, int *now)
{
	int i;

	for (i = 0; i < 200; i++) {
		*now = hvd_fd_count(h);
		if (*now == want)
			return true;
		usleep(10000);
	}
	return false;
}

/* Is socket inode @ino listed in /proc/net/@table? */
static bool in_table(const char *table, unsigned long ino)
{
	char path[64], line[512];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/net/%s", table);
	f = fopen(path, "r");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char *p = line;
		int col;

		/* unix: inode is column 7; inet tables: column 10 */
		for (col = 0; p && col < (strcmp(table, "unix") ? 9 : 6); col++) {
			p += strspn(p, " ");
			p = strchr(p, ' ');
		}
		found = p && strtoul(p, NULL, 10) == ino;
	}
	fclose(f);
	return found;
}

static void check_sockets(const struct hvd_proc *h)
{
	static const char *const inet[] = { "tcp", "tcp6", "udp", "udp6",
					    "raw", "raw6", "udplite" };
	char path[64], link[64];
	unsigned long ino;
	int fd, nsock = 0, nunix = 0, ninet = 0;
	unsigned int t;

	for (fd = 0; fd < 1024; fd++) {
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)h->pid, fd);
		n = readlink(path, link, sizeof(link) - 1);
		if (n < 0)
			continue;
		link[n] = '\0';
		if (sscanf(link, "socket:[%lu]", &ino) != 1)
			continue;
		nsock++;
		nunix += in_table("unix", ino);
		for (t = 0; t < sizeof(inet) / sizeof(inet[0]); t++)
			ninet += in_table(inet[t], ino);
	}
	tap_ok(nsock > 0 && nsock == nunix && !ninet,
	       "%d sockets, %d of them AF_UNIX, %d in /proc/net/{tcp,udp,raw}*",
	       nsock, nunix, ninet);
}

static void bad_requests(const struct hvd_proc *h)
{
	static const char *const bad[] = {
		"link-add", "link-add x backend=1 frontend=2",
		"link-add -1 backend=1 frontend=2",
		"link-add 255 backend=1 frontend=2",
		"link-add 99999999999999999999 backend=1 frontend=2",
		"link-add 1 backend=70000 frontend=2",
		"link-add 1 backend=1 frontend=1",
		"link-add 1 backend=1",
		"link-add 1 backend=1 frontend=2 size=1000",
		"link-add 1 backend=1 frontend=2 size=3145728",
		"link-add 1 backend=1 frontend=2 size=16384",
		"link-add 1 backend=1 frontend=2 size=134217728",
		"link-add 1 backend=1 frontend=2 vectors=0",
		"link-add 1 backend=1 frontend=2 vectors=257",
		"link-add 1 backend=1 frontend=2 grants=0",
		"link-add 1 backend=1 frontend=2 size=32768 grants=4096",
		"link-add 1 backend=1 frontend=2 colour=blue",
		"link-add 1 backend=1 frontend=2 size",
		"link-add 1 backend=+1 frontend=2",
		"link-add 0 backend=1 frontend=2",
		"link-del 1", "link-del", "link-del 0 0", "link-del zero",
		"key-set 0", "key-set 0 k", "key-set 9 k v", "key-set 0 k\\x v",
		"key-set 0 0123456789012345678901234567890123 v",
		"key-del 0 nokey", "key-del 0",
		"status now", "quit now", "LINK-ADD 2", "\x01\x02\x7f",
		"\xff\xfe garbage", "{\"json\":1}", "a b c d e f g h i j k",
	};
	char ans[512], req[256];
	unsigned int i, refused = 0, n;
	int fd = ctl_open(h);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ctl_req(fd, bad[i], ans, sizeof(ans)) ||
		    strncmp(ans, "{\"ok\":false,\"error\":\"", 21)) {
			tap_diag("'%s' -> '%s'", bad[i], ans);
			continue;
		}
		refused++;
	}
	tap_ok(refused == i, "%u of %u bad requests answered with a JSON error",
	       refused, i);
	/* A value of 96 bytes does not fit; 95 does; 31 keys fit, not 32. */
	memset(req, 'v', sizeof(req));
	memcpy(req, "key-set 0 k ", 12);
	req[12 + 96] = '\0';
	ctl_req(fd, req, ans, sizeof(ans));
	n = !ans_ok(ans);
	req[12 + 95] = '\0';
	ctl_req(fd, req, ans, sizeof(ans));
	n += ans_ok(ans);
	for (i = 1; i < 31; i++) {
		snprintf(req, sizeof(req), "key-set 0 key%u value %u", i, i);
		ctl_req(fd, req, ans, sizeof(ans));
		n += ans_ok(ans);
	}
	ctl_req(fd, "key-set 0 one-too-many x", ans, sizeof(ans));
	n += !ans_ok(ans);
	tap_ok(n == 33, "value and key count limits hold");
	close(fd);
}

int main(void)
{
	static const char *const socks[] = { "hvd.sock", "control.sock",
		"link0-backend.sock", "link0-frontend.sock" };
	char ans[8192], path[160], big[5000];
	struct hvd_proc h;
	struct qpeer p;
	int fds, now = -1, i, fd, clients[20];
	unsigned int s, ok;
	int64_t v;

	if (hvd_start(&h, "-i 2")) {
		tap_ok(false, "pvio-hvd starts");
		return tap_done();
	}
	ctl_once(&h, "link-add 0 backend=1 frontend=2 size=65536 vectors=2",
		 ans, sizeof(ans));
	tap_ok(ans_ok(ans), "link-add 0");
	/* A value may hold what JSON escapes; the answer must stay JSON. */
	ctl_once(&h, "key-set 0 q a\"b\\c/d{},[]", ans, sizeof(ans));
	ok = ans_ok(ans);
	ctl_once(&h, "status", ans, sizeof(ans));
	ok = ok && strstr(ans, "\"keys\":{\"q\":\"a\\\"b\\\\c/d{},[]\"}");
	ctl_once(&h, "key-del 0 q", ans, sizeof(ans));
	tap_ok(ok && ans_ok(ans), "a value with '\"', '\\' and '/' comes back escaped");
	{
		struct stat d, c;

		snprintf(path, sizeof(path), "%s/hvd.sock", h.dir);
		tap_ok(!stat(h.dir, &d) && !stat(path, &c) &&
		       (d.st_mode & 07777) == 0700 &&
		       (c.st_mode & 07777) == 0600 && S_ISSOCK(c.st_mode),
		       "directory 0700, control socket 0600");
	}
	usleep(50000);
	fds = hvd_fd_count(&h);
	tap_diag("pvio-hvd has %d fds", fds);

	/* Garbage without a newline, then hang up. */
	fd = ctl_open(&h);
	tap_ok(fd >= 0 && write(fd, "\0\0\xff\xfe\x01garbage", 12) == 12,
	       "garbage written");
	close(fd);

	/* Binary garbage with newlines: one JSON error per line. */
	fd = ctl_open(&h);
	ok = fd >= 0 && write(fd, "\x80\x81\n\0\0\0\n", 7) == 7;
	shutdown(fd, SHUT_WR);
	read_to_eof(fd, ans, sizeof(ans), 2000);
	close(fd);
	tap_ok(ok && !strcmp(ans,
	       "{\"ok\":false,\"error\":\"requests are printable ASCII\"}\n"
	       "{\"ok\":false,\"error\":\"requests are printable ASCII\"}\n"),
	       "binary lines: one JSON error each, then closed at EOF");

	bad_requests(&h);

	/* An over-long line: an error, then the connection is closed. */
	fd = ctl_open(&h);
	memset(big, 'x', sizeof(big));
	ok = fd >= 0 && write(fd, big, sizeof(big)) == sizeof(big);
	ok = ok && read_to_eof(fd, ans, sizeof(ans), 2000);
	close(fd);
	tap_ok(ok && strstr(ans, "line too long"),
	       "a 5000-byte line: error, connection closed");

	/* 200 connects to every socket, closed at once. */
	for (s = 0; s < 4; s++) {
		snprintf(path, sizeof(path), "%s/%s", h.dir, socks[s]);
		for (ok = 0, i = 0; i < 200; i++) {
			fd = connect_unix(path);
			ok += fd >= 0;
			if (fd >= 0)
				close(fd);
		}
		tap_ok(ok == 200, "200 connect+close on %s", socks[s]);
	}

	/* Hang-ups mid-handshake: after the version, after the shm fd. */
	snprintf(path, sizeof(path), "%s/link0-backend.sock", h.dir);
	for (ok = 0, i = 0; i < 2; i++) {
		int f;

		fd = connect_unix(path);
		ok += fd >= 0 && qp_recv(fd, &v, &f, 2000) == 1 && v == 0;
		if (i)
			ok += qp_recv(fd, &v, &f, 2000) == 1 &&
			      qp_recv(fd, &v, &f, 2000) == 1 && f >= 0;
		if (f >= 0)
			close(f);
		close(fd);
	}
	tap_ok(ok == 3, "hang-ups mid-greeting");

	/* A peer that connects, then sends bytes: QEMU never does. */
	snprintf(path, sizeof(path), "%s/link0-frontend.sock", h.dir);
	ok = qp_connect(&p, path, 2) == 0 && write(p.sock, "hello", 5) == 5 &&
	     read_to_eof(p.sock, NULL, 0, 2000);
	qp_close(&p);
	tap_ok(ok, "a peer that talks is disconnected");

	/* More than 16 control clients: the 17th is refused. */
	for (i = 0; i < 17; i++)
		clients[i] = ctl_open(&h);
	ok = read_to_eof(clients[16], ans, sizeof(ans), 2000) &&
	     strstr(ans, "too many clients");
	for (i = 0; i < 17; i++)
		close(clients[i]);
	tap_ok(ok, "the 17th control client refused with an error");

	/* An idle client is closed after -i 2 seconds. */
	fd = ctl_open(&h);
	ok = read_to_eof(fd, ans, sizeof(ans), 5000);
	close(fd);
	tap_ok(ok, "an idle control client closed");

	tap_ok(ctl_once(&h, "status", ans, sizeof(ans)) == 0 && ans_ok(ans) &&
	       ans_num(ans, "backend_peer") == 0,
	       "status answers afterwards; no peer left on link 0");
	ok = fds_back(&h, fds, &now);
	tap_ok(ok, "fd count back to %d (now %d)", fds, now);
	check_sockets(&h);

	/* A second pvio-hvd on the same directory. */
	{
		char cmd[256];

		snprintf(cmd, sizeof(cmd), "%s -d %s 2>/dev/null",
			 getenv("PVIO_HVD") ?: "../../userspace/pvio-hvd",
			 h.dir);
		i = system(cmd);
		tap_ok(WIFEXITED(i) && WEXITSTATUS(i) == 1,
		       "a second pvio-hvd on the same directory refused");
	}
	tap_ok(ctl_once(&h, "status", ans, sizeof(ans)) == 0 && ans_ok(ans),
	       "the first still answers");
	tap_ok(hvd_stop(&h) == 0, "quit: pvio-hvd exits 0");
	return tap_done();
}
