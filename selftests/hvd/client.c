// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The pvio authors. */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client.h"

static unsigned int tap_n, tap_failed;

void tap_ok(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (!tap_n)
		printf("TAP version 13\n");
	tap_n++;
	tap_failed += !ok;
	printf("%sok %u - ", ok ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

int tap_done(void)
{
	printf("1..%u\n# %u passed, %u failed\n", tap_n, tap_n - tap_failed,
	       tap_failed);
	return tap_failed ? 1 : 0;
}

int connect_unix(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		close(fd);
		return -1;
	}
	return fd;
}

int hvd_start(struct hvd_proc *h, const char *args)
{
	const char *bin = getenv("PVIO_HVD") ?: "../../userspace/pvio-hvd";
	char cmd[512];
	int i;

	snprintf(h->dir, sizeof(h->dir), "/tmp/hvd-test.XXXXXX");
	if (!mkdtemp(h->dir))
		return -1;
	snprintf(h->sock, sizeof(h->sock), "%s/hvd.sock", h->dir);
	h->pid = fork();
	if (h->pid < 0)
		return -1;
	if (!h->pid) {
		/* Its log beside the directory, kept if a test failed. */
		snprintf(cmd, sizeof(cmd), "exec %s -d %s %s 2>%s.log", bin,
			 h->dir, args ?: "", h->dir);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 200; i++) {	/* up to 2 s */
		int fd = connect_unix(h->sock);

		if (fd >= 0) {
			close(fd);
			return 0;
		}
		usleep(10000);
	}
	return -1;
}

int hvd_stop(struct hvd_proc *h)
{
	char ans[256];
	int status, i;

	ctl_once(h, "quit", ans, sizeof(ans));
	for (i = 0; i < 300; i++) {
		if (waitpid(h->pid, &status, WNOHANG) == h->pid) {
			char log[80];

			snprintf(log, sizeof(log), "%s.log", h->dir);
			if (!tap_failed)
				unlink(log);
			else
				tap_diag("pvio-hvd's log: %s", log);
			unlink(strcat(h->dir, "/hvd.lock"));
			*strrchr(h->dir, '/') = '\0';
			rmdir(h->dir);
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		}
		usleep(10000);
	}
	kill(h->pid, SIGKILL);
	waitpid(h->pid, &status, 0);
	return -1;
}

int hvd_fd_count(const struct hvd_proc *h)
{
	char path[64];
	struct dirent *d;
	DIR *dir;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)h->pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		n += d->d_name[0] != '.';
	closedir(dir);
	return n;
}

int ctl_open(const struct hvd_proc *h)
{
	return connect_unix(h->sock);
}

int ctl_req(int fd, const char *req, char *ans, size_t len)
{
	size_t n = 0;
	ssize_t r;

	if (dprintf(fd, "%s\n", req) < 0)
		return -1;
	while (n + 1 < len) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (poll(&pfd, 1, 5000) <= 0)
			return -1;
		r = read(fd, ans + n, 1);
		if (r <= 0)
			return -1;
		if (ans[n] == '\n')
			break;
		n++;
	}
	ans[n] = '\0';
	return 0;
}

int ctl_once(const struct hvd_proc *h, const char *req, char *ans,
	     size_t len)
{
	int fd = ctl_open(h), ret;

	if (fd < 0)
		return -1;
	ret = ctl_req(fd, req, ans, len);
	close(fd);
	return ret;
}

bool ans_ok(const char *ans)
{
	return !strncmp(ans, "{\"ok\":true", 10);
}

long long ans_num(const char *ans, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(ans, pat);
	return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}

int qp_recv(int sock, int64_t *val, int *fd, int timeout_ms)
{
	union {
		struct cmsghdr hdr;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	uint64_t le;
	struct iovec iov = { .iov_base = &le, .iov_len = sizeof(le) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cmsg;
	ssize_t n;

	*fd = -1;
	if (poll(&pfd, 1, timeout_ms) <= 0)
		return -1;
	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | MSG_WAITALL);
	if (n == 0)
		return 0;
	if (n != sizeof(le) || (msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC)))
		return -1;
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg))
		if (cmsg->cmsg_level == SOL_SOCKET &&
		    cmsg->cmsg_type == SCM_RIGHTS &&
		    cmsg->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(fd, CMSG_DATA(cmsg), sizeof(int));
	*val = (int64_t)le64toh(le);
	return 1;
}

int qp_dial(struct qpeer *p, const char *path)
{
	memset(p, 0, sizeof(*p));
	p->shm = -1;
	p->sock = connect_unix(path);
	return p->sock < 0 ? -1 : 0;
}

int qp_connect(struct qpeer *p, const char *path, unsigned int nvec)
{
	return qp_dial(p, path) ? -1 : qp_greet(p, nvec);
}

int qp_greet(struct qpeer *p, unsigned int nvec)
{
	int64_t v;
	int fd, r;
	struct stat st;

	/* version 0, no fd; our id, no fd; -1 with the memfd */
	p->order_ok = true;
	r = qp_recv(p->sock, &v, &fd, 2000);
	p->order_ok &= r == 1 && v == 0 && fd < 0;
	r = qp_recv(p->sock, &v, &fd, 2000);
	p->order_ok &= r == 1 && v > 0 && fd < 0;
	p->id = v;
	r = qp_recv(p->sock, &v, &fd, 2000);
	p->order_ok &= r == 1 && v == -1 && fd >= 0;
	p->msgs = 3;
	if (!p->order_ok || r != 1)
		return -1;
	p->shm = fd;
	if (fstat(fd, &st))
		return -1;
	p->size = st.st_size;
	p->map = mmap(NULL, p->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p->map == MAP_FAILED) {
		p->map = NULL;
		return -1;
	}
	/* the other peer's vectors, if any, then our own */
	while (p->nvec < nvec) {
		if (qp_recv(p->sock, &v, &fd, 2000) != 1 || fd < 0)
			return -1;
		p->msgs++;
		if (v == p->id) {
			p->own[p->nvec++] = fd;
			continue;
		}
		/* the other's vectors all come before ours */
		if (p->nvec || (p->other_id && v != p->other_id) ||
		    p->nother == QP_MAX_VECTORS) {
			close(fd);
			p->order_ok = false;
			return -1;
		}
		p->other_id = v;
		p->other[p->nother++] = fd;
	}
	return 0;
}

void qp_close(struct qpeer *p)
{
	unsigned int i;

	for (i = 0; i < p->nvec; i++)
		close(p->own[i]);
	for (i = 0; i < p->nother; i++)
		close(p->other[i]);
	if (p->map)
		munmap(p->map, p->size);
	if (p->shm >= 0)
		close(p->shm);
	if (p->sock >= 0)
		close(p->sock);
	memset(p, 0, sizeof(*p));
	p->sock = p->shm = -1;
}

uint64_t evfd_take(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t v = 0;

	if (poll(&pfd, 1, 0) == 1 && read(fd, &v, sizeof(v)) != sizeof(v))
		v = 0;
	return v;
}
