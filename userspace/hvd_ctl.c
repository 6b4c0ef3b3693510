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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <json.h>

#include "hvd.h"
#include "state_name.h"

struct hvd_client {
	struct hvd_watch w;
	time_t last;			/* monotonic seconds of the last request */
	bool eof;			/* no more requests: close once flushed */
	bool broken;			/* an answer was lost: close at once */
	size_t inlen;
	char in[HVD_MAX_LINE + 1];	/* + the NUL of a last line */
	char *out;
	size_t outlen, outcap;
};

/* An answer is one line: no spaces, '/' as it is (socket paths). */
#define HVD_JSON_FLAGS	(JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

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

/* Append @len bytes to the client's answer; false once it holds too much. */
static bool hvd_out(struct hvd_client *c, const char *s, size_t len)
{
	size_t need = c->outlen + len;
	char *p;

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
	memcpy(c->out + c->outlen, s, len);
	c->outlen += len;
	return true;
}

/*
 * Members of an answer are added through these: false, and @v dropped,
 * if an allocation failed (@v NULL) or @o cannot take it.
 */
static bool hvd_json_add(struct json_object *o, const char *key,
			 struct json_object *v)
{
	if (v && !json_object_object_add(o, key, v))
		return true;
	json_object_put(v);
	return false;
}

static bool hvd_json_u64(struct json_object *o, const char *key, uint64_t v)
{
	return hvd_json_add(o, key, json_object_new_uint64(v));
}

static bool hvd_json_str(struct json_object *o, const char *key,
			 const char *s)
{
	return hvd_json_add(o, key, json_object_new_string(s));
}

/* {"ok":false,"error":@err}, or NULL. */
static struct json_object *hvd_json_error(const char *err)
{
	struct json_object *j = json_object_new_object();

	if (j && hvd_json_add(j, "ok", json_object_new_boolean(false)) &&
	    hvd_json_str(j, "error", err))
		return j;
	json_object_put(j);
	return NULL;
}

/*
 * Answer @j (put here), one line. An answer that cannot be built or
 * does not fit ends the client: it would wait for it in vain.
 */
static void hvd_reply(struct hvd_client *c, struct json_object *j)
{
	const char *s = NULL;
	size_t len;

	if (!j)
		j = hvd_json_error("out of memory");
	if (j)
		s = json_object_to_json_string_length(j, HVD_JSON_FLAGS, &len);
	if (!s || !hvd_out(c, s, len) || !hvd_out(c, "\n", 1)) {
		hvd_log(LOG_WARNING, "control: an answer could not be sent: client closed");
		c->broken = true;
	}
	json_object_put(j);
}

static void hvd_out_error(struct hvd_client *c, const char *err)
{
	hvd_reply(c, hvd_json_error(err));
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

/* An end's members of a link: "ROLE_socket", "ROLE_peer", "ROLE_state"... */
static bool hvd_json_end(struct json_object *o, const char *role,
			 const struct hvd_end *end)
{
	const struct pvio_link_end *rec =
		&hvd_link_header(end->link)->ends[end->role];
	char key[48];

#define HVD_END_KEY(name) \
	(snprintf(key, sizeof(key), "%s_" name, role), key)
	return hvd_json_str(o, HVD_END_KEY("socket"), end->path) &&
	       hvd_json_u64(o, HVD_END_KEY("peer"),
			    end->peer ? end->peer->id : 0) &&
	       hvd_json_str(o, HVD_END_KEY("state"),
			    state_name(hvd_load_le32(&rec->state))) &&
	       hvd_json_u64(o, HVD_END_KEY("connects"),
			    hvd_load_le32(&rec->connects)) &&
	       hvd_json_u64(o, HVD_END_KEY("last_downtime_ms"),
			    hvd_load_le32(&rec->last_downtime_ms)) &&
	       hvd_json_u64(o, HVD_END_KEY("replays"),
			    hvd_load_le32(&rec->replays));
#undef HVD_END_KEY
}

/* A link as status and link-add show it, or NULL. */
static struct json_object *hvd_json_link(const struct hvd_link *link)
{
	struct json_object *o = json_object_new_object(), *keys;
	unsigned int i;

	if (!o)
		return NULL;
	keys = json_object_new_object();
	if (!hvd_json_u64(o, "id", link->id) ||
	    !hvd_json_u64(o, "serial", link->serial) ||
	    !hvd_json_u64(o, "backend", link->dom[PVIO_BACKEND]) ||
	    !hvd_json_u64(o, "frontend", link->dom[PVIO_FRONTEND]) ||
	    !hvd_json_u64(o, "size", link->shm.size) ||
	    !hvd_json_u64(o, "grants", link->grants) ||
	    !hvd_json_u64(o, "vectors", link->vectors) ||
	    !hvd_json_u64(o, "generation", link->generation) ||
	    !hvd_json_end(o, "backend", &link->end[PVIO_BACKEND]) ||
	    !hvd_json_end(o, "frontend", &link->end[PVIO_FRONTEND]) ||
	    !hvd_json_add(o, "keys", keys))
		goto fail;
	for (i = 0; i < link->nr_keys; i++)
		if (!hvd_json_str(keys, link->keys[i].key, link->keys[i].value))
			goto fail;
	return o;
fail:
	json_object_put(o);
	return NULL;
}

/* {"ok":true}, with @key: @v (put here) if @key; or NULL. */
static struct json_object *hvd_json_ok(const char *key, struct json_object *v)
{
	struct json_object *j = json_object_new_object();

	if (!j || !hvd_json_add(j, "ok", json_object_new_boolean(true))) {
		json_object_put(v);
		json_object_put(j);
		return NULL;
	}
	if (key && !hvd_json_add(j, key, v)) {
		json_object_put(j);
		return NULL;
	}
	return j;
}

static struct json_object *hvd_json_status(void)
{
	struct json_object *j = hvd_json_ok(NULL, NULL), *ctl, *links;
	unsigned int i;

	if (!j)
		return NULL;
	ctl = json_object_new_object();
	links = json_object_new_array();
	if (!hvd_json_u64(j, "pid", getpid()) ||
	    !hvd_json_u64(j, "next_peer", hvd.next_peer_id) ||
	    !hvd_json_add(j, "control", ctl)) {
		json_object_put(links);
		goto fail;
	}
	if (!hvd_json_str(ctl, "socket", hvd.ctl_end.path) ||
	    !hvd_json_u64(ctl, "peer",
			  hvd.ctl_end.peer ? hvd.ctl_end.peer->id : 0) ||
	    !hvd_json_u64(ctl, "vectors", hvd.ctl_vectors) ||
	    !hvd_json_u64(ctl, "generation", hvd.ctl_generation) ||
	    !hvd_json_add(j, "links", links))
		goto fail;
	for (i = 0; i < HVD_MAX_LINKS; i++) {
		struct json_object *l;

		if (!hvd.links[i])
			continue;
		l = hvd_json_link(hvd.links[i]);
		if (!l || json_object_array_add(links, l)) {
			json_object_put(l);
			goto fail;
		}
	}
	return j;
fail:
	json_object_put(j);
	return NULL;
}

#define HVD_MAX_ARGS 8

/* One request: @len bytes at @line, NUL-terminated, without the newline. */
static void hvd_request(struct hvd_client *c, char *line, size_t len)
{
	char *argv[HVD_MAX_ARGS + 1], *p, *value = NULL;
	const char *err = NULL;
	struct hvd_link *link;
	int argc = 0, ret = 0;

	if (c->broken)
		return;		/* its answer would be lost: do not act on it */
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
		hvd_reply(c, hvd_json_status());
		return;
	} else if (!strcmp(argv[0], "link-add")) {
		ret = hvd_cmd_link_add(argv, argc, &err);
		if (!ret) {
			link = hvd_link_get(strtoul(argv[1], NULL, 10));
			hvd_reply(c, hvd_json_ok("link", hvd_json_link(link)));
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
		hvd_reply(c, hvd_json_ok(NULL, NULL));
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
		if (c->broken) {
			hvd_client_close(c);
			return;
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
	struct json_object *busy;
	struct hvd_client *c;
	const char *s;
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
		busy = hvd_json_error("too many clients");
		s = busy ? json_object_to_json_string_ext(busy, HVD_JSON_FLAGS) :
			   NULL;
		if (s) {
			struct iovec iov[] = {
				{ .iov_base = (char *)s, .iov_len = strlen(s) },
				{ .iov_base = "\n", .iov_len = 1 },
			};
			struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };

			(void)!sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		}
		json_object_put(busy);
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
