// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The pvio authors. */
/*
 * The toolstack's control socket (hvd.sock, mode 0600): one request per
 * line, one JSON object per answer line. Everything read is validated;
 * nothing a client sends can make pvio-hvd block, grow without bound or
 * exit, except the `quit` command. Limits: HVD_MAX_CLIENTS clients,
 * HVD_MAX_LINE bytes per line (a longer one gets an error and the
 * connection closed), HVD_MAX_OUTPUT bytes of unread answers, and
 * hvd.idle seconds without a request.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hvd.h"
#include "state_name.h"

struct hvd_client {
	struct hvd_watch w;
	time_t last;			/* monotonic seconds of the last request */
	bool eof;			/* no more requests: close once flushed */
	size_t inlen;
	char in[HVD_MAX_LINE + 1];	/* + the NUL of a last line */
	char *out;
	size_t outlen, outcap;
};

static struct hvd_watch hvd_ctl_listen_w = { .fd = -1 };
static char hvd_ctl_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static struct hvd_client *hvd_clients[HVD_MAX_CLIENTS];

static time_t hvd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void hvd_client_close(struct hvd_client *c)
{
	unsigned int i;

	for (i = 0; i < HVD_MAX_CLIENTS; i++)
		if (hvd_clients[i] == c)
			hvd_clients[i] = NULL;
	hvd_watch_del(&c->w);
	close(c->w.fd);
	free(c->out);
	free(c);
}

/* Append to the client's answer; false once it holds too much. */
static bool hvd_out(struct hvd_client *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static bool hvd_out(struct hvd_client *c, const char *fmt, ...)
{
	va_list ap;
	size_t need;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return false;
	need = c->outlen + n + 1;
	if (need > HVD_MAX_OUTPUT)
		return false;
	if (need > c->outcap) {
		size_t cap = c->outcap ? c->outcap : 1024;

		while (cap < need)
			cap *= 2;
		p = realloc(c->out, cap);
		if (!p)
			return false;
		c->out = p;
		c->outcap = cap;
	}
	va_start(ap, fmt);
	vsnprintf(c->out + c->outlen, n + 1, fmt, ap);
	va_end(ap);
	c->outlen += n;
	return true;
}

/* A JSON string: keys and values are printable ASCII, checked on input. */
static void hvd_out_str(struct hvd_client *c, const char *s)
{
	hvd_out(c, "\"");
	for (; *s; s++)
		hvd_out(c, *s == '"' || *s == '\\' ? "\\%c" : "%c", *s);
	hvd_out(c, "\"");
}

static void hvd_out_error(struct hvd_client *c, const char *err)
{
	hvd_out(c, "{\"ok\":false,\"error\":");
	hvd_out_str(c, err);
	hvd_out(c, "}\n");
}

/* Send what we can; watch for room if something is left. */
static int hvd_client_flush(struct hvd_client *c)
{
	struct epoll_event ev = { .data.ptr = &c->w };
	ssize_t n;

	while (c->outlen) {
		n = send(c->w.fd, c->out, c->outlen,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0)
			return -1;
		memmove(c->out, c->out + n, c->outlen - n);
		c->outlen -= n;
	}
	if (!c->outlen && c->eof)
		return -1;
	ev.events = (c->eof ? 0 : EPOLLIN) | (c->outlen ? EPOLLOUT : 0);
	return epoll_ctl(hvd.epfd, EPOLL_CTL_MOD, c->w.fd, &ev);
}

/* A decimal number of at most @max, nothing else. */
static bool hvd_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (max - (*s - '0')) / 10)
			return false;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return true;
}

static bool hvd_key_ok(const char *key)
{
	if (!*key)
		return false;
	for (; *key; key++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789_./-", *key))
			return false;
	return true;
}

static struct hvd_link *hvd_parse_link(const char *s, const char **err)
{
	struct hvd_link *link;
	uint64_t id;

	if (!s || !hvd_parse_u64(s, UINT32_MAX, &id)) {
		*err = "bad link id";
		return NULL;
	}
	link = hvd_link_get(id);
	if (!link)
		*err = "no such link";
	return link;
}

/* link-add ID backend=DOMID frontend=DOMID [size=BYTES] [vectors=N] [grants=N] */
static int hvd_cmd_link_add(char **argv, int argc, const char **err)
{
	uint64_t id, be = UINT64_MAX, fe = UINT64_MAX;
	uint64_t size = (uint64_t)PVIO_LINK_DEFAULT_PAGES * PVIO_PAGE_SIZE;
	uint64_t vectors = HVD_DEFAULT_VECTORS;
	uint64_t grants = PVIO_LINK_DEFAULT_GRANTS;
	int i;

	if (argc < 2 || !hvd_parse_u64(argv[1], UINT32_MAX, &id)) {
		*err = "bad link id";
		return -EINVAL;
	}
	for (i = 2; i < argc; i++) {
		char *val = strchr(argv[i], '=');
		uint64_t *dst, max;

		if (!val) {
			*err = "arguments are NAME=VALUE";
			return -EINVAL;
		}
		*val++ = '\0';
		if (!strcmp(argv[i], "backend")) {
			dst = &be;
			max = UINT16_MAX;
		} else if (!strcmp(argv[i], "frontend")) {
			dst = &fe;
			max = UINT16_MAX;
		} else if (!strcmp(argv[i], "size")) {
			dst = &size;
			max = UINT32_MAX;
		} else if (!strcmp(argv[i], "vectors")) {
			dst = &vectors;
			max = HVD_MAX_VECTORS;
		} else if (!strcmp(argv[i], "grants")) {
			dst = &grants;
			max = PVIO_LINK_MAX_GRANTS;
		} else {
			*err = "unknown argument";
			return -EINVAL;
		}
		if (!hvd_parse_u64(val, max, dst)) {
			*err = "bad or out-of-range number";
			return -EINVAL;
		}
	}
	if (be == UINT64_MAX || fe == UINT64_MAX) {
		*err = "backend= and frontend= are required";
		return -EINVAL;
	}
	return hvd_link_add(id, be, fe, size, grants, vectors, err);
}

/*
 * What an end published about itself in the header: its state and its
 * recovery figures, each read once. The end wrote them; they are shown,
 * never acted on.
 */
static uint32_t hvd_load_le32(const __le32 *p)
{
	return le32toh(__atomic_load_n(p, __ATOMIC_RELAXED));
}

static void hvd_out_end_status(struct hvd_client *c, const char *role,
			       const struct pvio_link_end *rec)
{
	hvd_out(c, ",\"%s_state\":\"%s\",\"%s_connects\":%u,"
		"\"%s_last_downtime_ms\":%u,\"%s_replays\":%u", role,
		state_name(hvd_load_le32(&rec->state)),
		role, hvd_load_le32(&rec->connects),
		role, hvd_load_le32(&rec->last_downtime_ms),
		role, hvd_load_le32(&rec->replays));
}

static void hvd_out_end(struct hvd_client *c, const char *role,
			const struct hvd_end *end)
{
	struct pvio_link_header *hdr = hvd_link_header(end->link);

	hvd_out(c, "\"%s_socket\":", role);
	hvd_out_str(c, end->path);
	hvd_out(c, ",\"%s_peer\":%u", role, end->peer ? end->peer->id : 0);
	hvd_out_end_status(c, role, &hdr->ends[end->role]);
}

static void hvd_out_link(struct hvd_client *c, const struct hvd_link *link)
{
	unsigned int i;

	hvd_out(c, "{\"id\":%u,\"serial\":%u,\"backend\":%u,\"frontend\":%u,"
		"\"size\":%zu,\"grants\":%u,\"vectors\":%u,\"generation\":%u,",
		link->id, link->serial, link->dom[PVIO_BACKEND],
		link->dom[PVIO_FRONTEND], link->shm.size, link->grants,
		link->vectors, link->generation);
	hvd_out_end(c, "backend", &link->end[PVIO_BACKEND]);
	hvd_out(c, ",");
	hvd_out_end(c, "frontend", &link->end[PVIO_FRONTEND]);
	hvd_out(c, ",\"keys\":{");
	for (i = 0; i < link->nr_keys; i++) {
		hvd_out(c, i ? "," : "");
		hvd_out_str(c, link->keys[i].key);
		hvd_out(c, ":");
		hvd_out_str(c, link->keys[i].value);
	}
	hvd_out(c, "}}");
}

static void hvd_cmd_status(struct hvd_client *c)
{
	unsigned int i, n = 0;

	hvd_out(c, "{\"ok\":true,\"pid\":%d,\"next_peer\":%u,"
		"\"control\":{\"socket\":", (int)getpid(), hvd.next_peer_id);
	hvd_out_str(c, hvd.ctl_end.path);
	hvd_out(c, ",\"peer\":%u,\"vectors\":%u,\"generation\":%u},"
		"\"links\":[", hvd.ctl_end.peer ? hvd.ctl_end.peer->id : 0,
		hvd.ctl_vectors, hvd.ctl_generation);
	for (i = 0; i < HVD_MAX_LINKS; i++) {
		if (!hvd.links[i])
			continue;
		hvd_out(c, n++ ? "," : "");
		hvd_out_link(c, hvd.links[i]);
	}
	hvd_out(c, "]}\n");
}

#define HVD_MAX_ARGS 8

/* One request: @len bytes at @line, NUL-terminated, without the newline. */
static void hvd_request(struct hvd_client *c, char *line, size_t len)
{
	char *argv[HVD_MAX_ARGS + 1], *p, *value = NULL;
	const char *err = NULL;
	struct hvd_link *link;
	int argc = 0, ret = 0;

	if (len && line[len - 1] == '\r')
		line[--len] = '\0';
	for (p = line; p < line + len; p++) {
		if (*p < 0x20 || *p > 0x7e) {
			hvd_out_error(c, "requests are printable ASCII");
			return;
		}
	}
	/* Words split by spaces; key-set's value is the rest of the line. */
	for (p = strtok(line, " "); p; p = strtok(NULL, " ")) {
		if (argc == HVD_MAX_ARGS) {
			hvd_out_error(c, "too many arguments");
			return;
		}
		argv[argc++] = p;
		if (argc == 3 && !strcmp(argv[0], "key-set")) {
			value = strtok(NULL, "");
			break;
		}
	}
	argv[argc] = NULL;
	if (!argc)
		return;		/* an empty line asks nothing */
	if (!strcmp(argv[0], "status") && argc == 1) {
		hvd_cmd_status(c);
		return;
	} else if (!strcmp(argv[0], "link-add")) {
		ret = hvd_cmd_link_add(argv, argc, &err);
		if (!ret) {
			link = hvd_link_get(strtoul(argv[1], NULL, 10));
			hvd_out(c, "{\"ok\":true,\"link\":");
			hvd_out_link(c, link);
			hvd_out(c, "}\n");
			return;
		}
	} else if (!strcmp(argv[0], "link-del") && argc == 2) {
		link = hvd_parse_link(argv[1], &err);
		if (link)
			hvd_link_del(link);
		else
			ret = -EINVAL;
	} else if (!strcmp(argv[0], "key-set") && argc == 3 && value) {
		link = hvd_parse_link(argv[1], &err);
		if (!link)
			ret = -EINVAL;
		else if (!hvd_key_ok(argv[2]))
			ret = -EINVAL, err = "keys are [A-Za-z0-9_./-]";
		else
			ret = hvd_link_key_set(link, argv[2], value, &err);
	} else if (!strcmp(argv[0], "key-del") && argc == 3) {
		link = hvd_parse_link(argv[1], &err);
		if (!link)
			ret = -EINVAL;
		else
			ret = hvd_link_key_del(link, argv[2], &err);
	} else if (!strcmp(argv[0], "quit") && argc == 1) {
		hvd_log(LOG_INFO, "quit requested");
		hvd.quit = true;
	} else {
		ret = -EINVAL;
		err = "unknown command or wrong number of arguments (status, link-add, link-del, key-set, key-del, quit)";
	}
	if (ret)
		hvd_out_error(c, err ? err : strerror(-ret));
	else
		hvd_out(c, "{\"ok\":true}\n");
}

static void hvd_client_event(struct hvd_watch *w, uint32_t events)
{
	struct hvd_client *c = container_of(w, struct hvd_client, w);
	char *nl, *line;
	ssize_t n;

	if ((events & (EPOLLERR | EPOLLHUP)) && !(events & EPOLLIN)) {
		hvd_client_close(c);
		return;
	}
	if (events & EPOLLIN) {
		n = recv(w->fd, c->in + c->inlen, HVD_MAX_LINE - c->inlen,
			 MSG_DONTWAIT);
		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			hvd_client_close(c);
			return;
		}
		if (n == 0)
			c->eof = true;
		if (n > 0)
			c->inlen += n;
		c->last = hvd_now();
		line = c->in;
		while ((nl = memchr(line, '\n', c->in + c->inlen - line))) {
			*nl = '\0';
			hvd_request(c, line, nl - line);
			line = nl + 1;
		}
		c->inlen -= line - c->in;
		memmove(c->in, line, c->inlen);
		if (c->inlen == HVD_MAX_LINE) {
			hvd_out_error(c, "line too long");
			c->eof = true;
		} else if (c->eof && c->inlen) {
			/* The last request needs no newline. */
			c->in[c->inlen] = '\0';
			hvd_request(c, c->in, c->inlen);
			c->inlen = 0;
		}
		if (c->outlen > HVD_MAX_OUTPUT - 1024) {
			hvd_log(LOG_WARNING, "control client reads too slowly: closed");
			hvd_client_close(c);
			return;
		}
	}
	if (hvd_client_flush(c))
		hvd_client_close(c);
}

static void hvd_ctl_accept(struct hvd_watch *w, uint32_t events)
{
	static const char busy[] =
		"{\"ok\":false,\"error\":\"too many clients\"}\n";
	struct hvd_client *c;
	unsigned int i;
	int sock;

	(void)events;
	sock = hvd_accept(w->fd);
	if (sock < 0)
		return;
	for (i = 0; i < HVD_MAX_CLIENTS && hvd_clients[i]; i++)
		;
	c = i < HVD_MAX_CLIENTS ? calloc(1, sizeof(*c)) : NULL;
	if (!c) {
		hvd_log(LOG_WARNING, "control: refused a client: too many");
		/* Best effort: otherwise it learns from the hang-up. */
		(void)!send(sock, busy, sizeof(busy) - 1,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
		close(sock);
		return;
	}
	c->w.fd = sock;
	c->w.handle = hvd_client_event;
	c->last = hvd_now();
	if (hvd_watch_add(&c->w, EPOLLIN)) {
		close(sock);
		free(c);
		return;
	}
	hvd_clients[i] = c;
}

void hvd_ctl_expire(void)
{
	time_t now = hvd_now();
	unsigned int i;

	for (i = 0; i < HVD_MAX_CLIENTS; i++) {
		if (hvd_clients[i] && now - hvd_clients[i]->last >
		    (time_t)hvd.idle) {
			hvd_log(LOG_INFO, "control: idle client closed");
			hvd_client_close(hvd_clients[i]);
		}
	}
}

int hvd_ctl_init(const char *name)
{
	int ret;

	if (snprintf(hvd_ctl_path, sizeof(hvd_ctl_path), "%s/%s", hvd.dir,
		     name) >= (int)sizeof(hvd_ctl_path))
		return -ENAMETOOLONG;
	hvd_ctl_listen_w.fd = hvd_listen(hvd_ctl_path);
	if (hvd_ctl_listen_w.fd < 0)
		return hvd_ctl_listen_w.fd;
	hvd_ctl_listen_w.handle = hvd_ctl_accept;
	ret = hvd_watch_add(&hvd_ctl_listen_w, EPOLLIN);
	if (ret)
		hvd_ctl_exit();
	return ret;
}

void hvd_ctl_exit(void)
{
	unsigned int i;

	for (i = 0; i < HVD_MAX_CLIENTS; i++)
		if (hvd_clients[i])
			hvd_client_close(hvd_clients[i]);
	if (hvd_ctl_listen_w.fd >= 0) {
		close(hvd_ctl_listen_w.fd);
		unlink(hvd_ctl_path);
		hvd_ctl_listen_w.fd = -1;
	}
}
