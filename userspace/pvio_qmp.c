// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The pvio authors. */
/*
 * Just enough of QEMU's QMP for `pvio attach` to hot-plug a link's
 * ivshmem-doorbell device into a running domain: connect to the
 * domain's QMP socket, read the greeting, leave negotiation mode
 * (qmp_capabilities), then one command at a time. QMP sends one JSON
 * object per line; asynchronous events (an object with "event") may
 * come between a command and its answer and are skipped. Every wait is
 * bounded: a QEMU that stops answering fails the command, not pvio.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "pvio.h"

#define QMP_TIMEOUT_MS	10000

static void qmp_err(struct pvio_qmp *q, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void qmp_err(struct pvio_qmp *q, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->err, sizeof(q->err), fmt, ap);
	va_end(ap);
}

static long qmp_ms_left(const struct timespec *end)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (end->tv_sec - now.tv_sec) * 1000 +
	       (end->tv_nsec - now.tv_nsec) / 1000000;
}

/* The next line QEMU sends, NUL-terminated in q->buf; false on error. */
static bool qmp_line(struct pvio_qmp *q, char **line)
{
	struct timespec end;
	struct pollfd pfd = { .fd = q->fd, .events = POLLIN };
	char *nl;
	long ms;
	ssize_t n;

	/* Drop the line returned last time. */
	if (q->used) {
		memmove(q->buf, q->buf + q->used, q->len - q->used);
		q->len -= q->used;
		q->used = 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += QMP_TIMEOUT_MS / 1000;
	while (!(nl = memchr(q->buf, '\n', q->len))) {
		if (q->len == sizeof(q->buf) - 1) {
			qmp_err(q, "QMP: a line longer than %zu bytes",
				sizeof(q->buf) - 1);
			return false;
		}
		ms = qmp_ms_left(&end);
		if (ms <= 0 || poll(&pfd, 1, ms) <= 0) {
			qmp_err(q, "QMP: no answer in %d s", QMP_TIMEOUT_MS / 1000);
			return false;
		}
		n = recv(q->fd, q->buf + q->len, sizeof(q->buf) - 1 - q->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			qmp_err(q, "QMP: QEMU hung up");
			return false;
		}
		q->len += n;
	}
	*nl = '\0';
	if (nl > q->buf && nl[-1] == '\r')
		nl[-1] = '\0';
	q->used = nl + 1 - q->buf;
	*line = q->buf;
	return true;
}

/* The answer to the command just sent: 0 on "return", -1 else. */
static int qmp_answer(struct pvio_qmp *q)
{
	struct json_object *j, *e;
	char *line;
	int ret;

	for (;;) {
		if (!qmp_line(q, &line))
			return -1;
		j = pvio_json_parse(line, strlen(line));
		if (!json_object_is_type(j, json_type_object)) {
			qmp_err(q, "QMP: cannot parse '%.100s'", line);
			json_object_put(j);
			return -1;
		}
		if (!json_object_object_get_ex(j, "event", NULL))
			break;
		json_object_put(j);
	}
	ret = 0;
	e = pvio_json_get(j, "error", json_type_object);
	if (e) {
		qmp_err(q, "QMP: %s", pvio_json_str(e, "desc") ?: "error");
		ret = -1;
	} else if (!json_object_object_get_ex(j, "return", NULL)) {
		qmp_err(q, "QMP: neither return nor error: '%.100s'", line);
		ret = -1;
	}
	json_object_put(j);
	return ret;
}

/* QEMU's greeting: {"QMP": {...}}. */
static bool qmp_greeting(struct pvio_qmp *q)
{
	struct json_object *j;
	char *line;
	bool ok;

	if (!qmp_line(q, &line))
		return false;
	j = pvio_json_parse(line, strlen(line));
	ok = pvio_json_get(j, "QMP", json_type_object);
	json_object_put(j);
	return ok;
}

int pvio_qmp_open(struct pvio_qmp *q, const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	q->fd = -1;
	q->len = 0;
	q->used = 0;
	q->err[0] = '\0';
	if (strlen(path) >= sizeof(sun.sun_path)) {
		qmp_err(q, "%s: path too long", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	q->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (q->fd < 0 || connect(q->fd, (struct sockaddr *)&sun, sizeof(sun))) {
		qmp_err(q, "%s: %s", path, strerror(errno));
		pvio_qmp_close(q);
		return -1;
	}
	if (!qmp_greeting(q) || pvio_qmp_cmd(q, "qmp_capabilities", NULL)) {
		if (!q->err[0])
			qmp_err(q, "%s: not a QMP socket", path);
		pvio_qmp_close(q);
		return -1;
	}
	return 0;
}

int pvio_qmp_cmd(struct pvio_qmp *q, const char *execute,
		 struct json_object *args)
{
	struct json_object *cmd = pvio_json_new_obj("execute",
						    pvio_json_new_str(execute),
						    NULL);
	const char *json;
	size_t len, off = 0;
	ssize_t n;
	int ret = -1;

	if (args)
		pvio_json_add(cmd, "arguments", args);
	json = pvio_json_text(cmd);
	len = strlen(json);
	while (off < len) {
		n = send(q->fd, json + off, len - off, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			qmp_err(q, "QMP: send: %s", strerror(errno));
			goto out;
		}
		off += n;
	}
	ret = qmp_answer(q);
out:
	json_object_put(cmd);
	return ret;
}

void pvio_qmp_close(struct pvio_qmp *q)
{
	if (q->fd >= 0)
		close(q->fd);
	q->fd = -1;
}
