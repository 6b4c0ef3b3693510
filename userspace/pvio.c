// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The pvio authors. */
/*
 * pvio: the toolstack (Documentation/pvio.1). `pvio up CONFIG` starts
 * pvio-hvd, creates one link per vbd, vif and spare with its toolstack
 * keys, and boots the driver domains and then the guests, each a QEMU VM
 * with one ivshmem-doorbell device per link end (the driver domain also
 * the control device). Every other command (status, kill, restart,
 * attach, down) is a separate process that finds what `up` started in
 * the run directory's state file, under its lock.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pvio.h"
#include "version.h"

#define PVIO_STATE	"pvio.state"
#define PVIO_READY	"pvio-domain: ready"
#define PVIO_MAX_ARGS	512

static const char *pvio_dir;		/* the run directory */
static int pvio_lock_fd = -1;
struct pvio_state;
/* What a failing `up` stops before it exits. */
static struct pvio_state *pvio_undo;
static void state_stop_all(struct pvio_state *st);
static void watch_spawn(struct pvio_state *st);

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	struct pvio_state *undo = pvio_undo;
	va_list ap;

	fprintf(stderr, "pvio: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (undo) {
		pvio_undo = NULL;
		state_stop_all(undo);
	}
	exit(1);
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pvio: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static double pvio_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void pvio_sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static char *pvio_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *pvio_path(const char *fmt, ...)
{
	static char bufs[4][PATH_MAX];
	static int n;
	char *b = bufs[n++ % 4];
	va_list ap;
	int len;

	len = snprintf(b, PATH_MAX, "%s/", pvio_dir);
	va_start(ap, fmt);
	vsnprintf(b + len, PATH_MAX - len, fmt, ap);
	va_end(ap);
	return b;
}

/* --- processes ------------------------------------------------------------- */

/* Field 22 of /proc/PID/stat (start time), and the state letter. */
static unsigned long long proc_start(pid_t pid, char *state)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	ssize_t n;
	int fd, i;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');		/* comm may hold anything */
	if (!p || !p[1])
		return 0;
	p += 2;
	if (state)
		*state = *p;
	for (i = 3; i < 22 && p; i++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (p)
		start = strtoull(p, NULL, 10);
	return start;
}

/* Is @pid still the process we started (and not a zombie)? */
static bool proc_alive(pid_t pid, unsigned long long start)
{
	char state = 0;
	unsigned long long s = proc_start(pid, &state);

	if (!s || s != start)
		return false;
	if (state == 'Z' || state == 'X') {
		waitpid(pid, NULL, WNOHANG);	/* ours, if we started it */
		return false;
	}
	return true;
}

/* Wait up to @secs for the process to be gone. */
static bool proc_wait_gone(pid_t pid, unsigned long long start, double secs)
{
	double end = pvio_now() + secs;

	while (proc_alive(pid, start)) {
		if (pvio_now() > end)
			return false;
		pvio_sleep_ms(20);
	}
	return true;
}

/* Signal, wait; SIGKILL and wait if it does not go in @secs. */
static bool proc_stop(pid_t pid, unsigned long long start, int sig,
		      double secs)
{
	if (!proc_alive(pid, start))
		return true;
	kill(pid, sig);
	if (proc_wait_gone(pid, start, secs))
		return true;
	if (sig != SIGKILL) {
		kill(pid, SIGKILL);
		if (proc_wait_gone(pid, start, 10))
			return true;
	}
	return false;
}

/*
 * Start a program in its own session, stdin from /dev/null, stdout and
 * stderr to @log (truncated). Returns its pid, its start time in @start.
 */
static pid_t spawn(char *const argv[], const char *log,
		   unsigned long long *start)
{
	int pipefd[2], err = 0;
	pid_t pid;
	ssize_t n;

	if (pipe2(pipefd, O_CLOEXEC))
		die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		int in = open("/dev/null", O_RDONLY);
		int out = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
		    dup2(out, 2) < 0 || setsid() < 0) {
			err = errno;
		} else {
			signal(SIGPIPE, SIG_DFL);
			execvp(argv[0], argv);
			err = errno;
		}
		(void)!write(pipefd[1], &err, sizeof(err));
		_exit(127);
	}
	close(pipefd[1]);
	n = read(pipefd[0], &err, sizeof(err));
	close(pipefd[0]);
	if (n == sizeof(err)) {
		waitpid(pid, NULL, 0);
		die("cannot run %s: %s", argv[0], strerror(err));
	}
	*start = proc_start(pid, NULL);
	return pid;
}

/* The last lines of a log, to show why something died. */
static void log_tail(const char *path, int lines)
{
	char buf[8192];
	ssize_t n;
	int fd, nl = 0;
	char *p;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	lseek(fd, -(off_t)sizeof(buf) + 1, SEEK_END);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (p = buf + n - 1; p > buf; p--)
		if (*p == '\n' && p[1] && ++nl > lines)
			break;
	fprintf(stderr, "--- %s:\n%s%s", path, p == buf ? p : p + 1,
		buf[n - 1] == '\n' ? "" : "\n");
}

/* --- state ------------------------------------------------------------------ */

struct pvio_sdomain {
	char name[PVIO_NAME_MAX];
	unsigned int id;
	enum pvio_type type;
	pid_t pid;
	unsigned long long start;
	char state[16];			/* running, killed, stopped */
	unsigned int starts;
	bool restart;			/* on-crash: started again if dead */
};

struct pvio_slink {
	unsigned int id;
	enum pvio_kind kind;
	char guest[PVIO_NAME_MAX];
	char spec[512];			/* the device's canonical spec */
	uint32_t vectors, grants;
	uint64_t size;
	bool hot;			/* hot-plugged by attach, not at up */
};

struct pvio_state {
	pid_t hvd_pid;
	unsigned long long hvd_start;
	pid_t watch_pid;		/* pvio watch, which restarts domains */
	unsigned long long watch_start;
	uint32_t control_vectors;
	/* The config's link defaults, for attach's new links. */
	uint32_t vectors, grants;
	uint64_t link_size;
	unsigned int nr_domains, nr_links;
	struct pvio_sdomain domains[PVIO_MAX_DOMAINS];
	struct pvio_slink links[PVIO_MAX_LINKS];
};

static const char *const kind_name[] = { "vbd", "vif", "spare" };
static const char *const type_name[] = { "none", "driver", "guest" };

/* A domain's on-crash, as pvio.cfg(5) spells it. */
static const char *on_crash_name(bool restart)
{
	return restart ? "restart" : "destroy";
}

/*
 * Take the run directory's lock. Only `up` creates the directory; for
 * the other commands a missing one means that nothing is up.
 */
static void pvio_lock_dir(bool create)
{
	if (create && mkdir(pvio_dir, 0700) && errno != EEXIST)
		die("mkdir %s: %s", pvio_dir, strerror(errno));
	pvio_lock_fd = open(pvio_path("pvio.lock"),
			    O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (pvio_lock_fd < 0 && !create && errno == ENOENT)
		return;
	if (pvio_lock_fd < 0)
		die("%s: %s", pvio_path("pvio.lock"), strerror(errno));
	if (flock(pvio_lock_fd, LOCK_EX))
		die("lock: %s", strerror(errno));
}

static void pvio_lock(void)
{
	pvio_lock_dir(false);
}

/* Before a long wait that only reads: let status and the others in. */
static void pvio_unlock(void)
{
	if (pvio_lock_fd >= 0)
		close(pvio_lock_fd);
	pvio_lock_fd = -1;
}

/* false if there is no state file: nothing is up. */
static bool state_load(struct pvio_state *st)
{
	char line[1024], a[64], b[16], c[PVIO_NAME_MAX], spec[512], hot[8];
	char oc[16];
	struct pvio_sdomain *d;
	struct pvio_slink *l;
	unsigned long long s1, s2;
	unsigned int u1, u2, u3;
	int lineno = 0, pid, nf;
	FILE *f;

	memset(st, 0, sizeof(*st));
	f = fopen(pvio_path(PVIO_STATE), "re");
	if (!f) {
		if (errno == ENOENT)
			return false;
		die("%s: %s", pvio_path(PVIO_STATE), strerror(errno));
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (sscanf(line, "hvd %d %llu %u", &pid, &s1, &u1) == 3) {
			st->hvd_pid = pid;
			st->hvd_start = s1;
			st->control_vectors = u1;
		} else if (sscanf(line, "watch %d %llu", &pid, &s1) == 2) {
			st->watch_pid = pid;
			st->watch_start = s1;
		} else if (sscanf(line, "defaults %u %llu %u", &u1, &s1, &u2) == 3) {
			st->vectors = u1;
			st->link_size = s1;
			st->grants = u2;
		} else if (st->nr_domains < PVIO_MAX_DOMAINS &&
			   (nf = sscanf(line, "domain %31s %u %63s %d %llu %15s %u %15s",
					c, &u1, a, &pid, &s1, b, &u2, oc)) >= 7) {
			d = &st->domains[st->nr_domains++];
			strcpy(d->name, c);
			d->id = u1;
			d->type = !strcmp(a, "driver") ? PVIO_DRIVER : PVIO_GUEST;
			d->pid = pid;
			d->start = s1;
			memcpy(d->state, b, sizeof(d->state));
			d->starts = u2;
			d->restart = nf == 8 ? !strcmp(oc, "restart") :
					       d->type == PVIO_DRIVER;
		} else if (st->nr_links < PVIO_MAX_LINKS &&
			   (nf = sscanf(line, "link %u %63s %31s %u %u %llu %511s %7s",
					&u1, a, c, &u2, &u3, &s2, spec, hot)) >= 7) {
			l = &st->links[st->nr_links++];
			l->id = u1;
			l->kind = !strcmp(a, "vbd") ? PVIO_VBD :
				  !strcmp(a, "vif") ? PVIO_VIF : PVIO_SPARE;
			strcpy(l->guest, c);
			l->vectors = u2;
			l->grants = u3;
			l->size = s2;
			strcpy(l->spec, spec);
			l->hot = nf == 8 && !strcmp(hot, "hot");
		} else if (strncmp(line, "pvio-state", 10)) {
			die("%s:%d: corrupt state file", pvio_path(PVIO_STATE),
			    lineno);
		}
	}
	fclose(f);
	return true;
}

static void state_save(const struct pvio_state *st)
{
	char *tmp = pvio_path(PVIO_STATE ".new");
	const struct pvio_sdomain *d;
	const struct pvio_slink *l;
	unsigned int i;
	FILE *f;

	f = fopen(tmp, "we");
	if (!f)
		die("%s: %s", tmp, strerror(errno));
	fprintf(f, "pvio-state 1\nhvd %d %llu %u\n", (int)st->hvd_pid,
		st->hvd_start, st->control_vectors);
	if (st->watch_pid)
		fprintf(f, "watch %d %llu\n", (int)st->watch_pid,
			st->watch_start);
	fprintf(f, "defaults %u %llu %u\n", st->vectors,
		(unsigned long long)st->link_size, st->grants);
	for (i = 0; i < st->nr_domains; i++) {
		d = &st->domains[i];
		fprintf(f, "domain %s %u %s %d %llu %s %u %s\n", d->name, d->id,
			type_name[d->type], (int)d->pid, d->start, d->state,
			d->starts, on_crash_name(d->restart));
	}
	for (i = 0; i < st->nr_links; i++) {
		l = &st->links[i];
		fprintf(f, "link %u %s %s %u %u %llu %s%s\n", l->id,
			kind_name[l->kind], l->guest, l->vectors, l->grants,
			(unsigned long long)l->size, l->spec,
			l->hot ? " hot" : "");
	}
	if (fflush(f) || fsync(fileno(f)) || fclose(f) ||
	    rename(tmp, pvio_path(PVIO_STATE)))
		die("%s: %s", pvio_path(PVIO_STATE), strerror(errno));
}

static struct pvio_sdomain *state_domain(struct pvio_state *st,
					 const char *name)
{
	unsigned int i;

	for (i = 0; i < st->nr_domains; i++)
		if (!strcmp(st->domains[i].name, name))
			return &st->domains[i];
	return NULL;
}

/* The driver domain of a link: the spec's first word. */
static void slink_driver(const struct pvio_slink *l, char *buf)
{
	size_t n = strcspn(l->spec, ":,");

	if (n >= PVIO_NAME_MAX)
		n = PVIO_NAME_MAX - 1;
	memcpy(buf, l->spec, n);
	buf[n] = '\0';
}

/* --- pvio-hvd's control socket ---------------------------------------------- */

/*
 * pvio-hvd's answers stay below its HVD_MAX_OUTPUT (8 MiB) of unread
 * output; a longer line is not one of its answers.
 */
#define HVD_MAX_ANSWER	(8u << 20)

/*
 * One request, one answer: the parsed JSON (an object whose "ok" is
 * true), or NULL with @err set.
 */
static struct json_object *hvd_call(const char *req, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct json_object *j = NULL, *ok;
	size_t len = 0, cap = 65536;
	char *buf = NULL, *nl = NULL;
	struct pollfd pfd;
	double end = pvio_now() + 10;
	ssize_t n;
	int fd;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/hvd.sock", pvio_dir);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		snprintf(err, errlen, "pvio-hvd: %s: %s", sun.sun_path,
			 strerror(errno));
		goto out;
	}
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req) ||
	    send(fd, "\n", 1, MSG_NOSIGNAL) != 1) {
		snprintf(err, errlen, "pvio-hvd: send: %s", strerror(errno));
		goto out;
	}
	buf = malloc(cap);
	while (buf && !nl) {
		if (len + 1 >= cap) {
			char *t;

			if (cap >= HVD_MAX_ANSWER) {
				snprintf(err, errlen,
					 "pvio-hvd: answer to '%s' too long",
					 req);
				goto out;
			}
			t = realloc(buf, cap * 2);
			if (!t)
				break;
			buf = t;
			cap *= 2;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)((end - pvio_now()) * 1000) + 1) <= 0) {
			snprintf(err, errlen, "pvio-hvd: no answer to '%s'", req);
			goto out;
		}
		n = recv(fd, buf + len, cap - len - 1, 0);
		if (n <= 0) {
			snprintf(err, errlen, "pvio-hvd: hung up on '%s'", req);
			goto out;
		}
		nl = memchr(buf + len, '\n', n);
		len += n;
	}
	if (!nl) {
		snprintf(err, errlen, "pvio-hvd: out of memory");
		goto out;
	}
	*nl = '\0';
	j = pvio_json_parse(buf, nl - buf);
	ok = pvio_json_get(j, "ok", json_type_boolean);
	if (!ok) {
		snprintf(err, errlen, "pvio-hvd: bad answer to '%s'", req);
		json_object_put(j);
		j = NULL;
	} else if (!json_object_get_boolean(ok)) {
		snprintf(err, errlen, "pvio-hvd: '%s': %s", req,
			 pvio_json_str(j, "error") ?: "failed");
		json_object_put(j);
		j = NULL;
	}
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	return j;
}

static void hvd_do(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void hvd_do(const char *fmt, ...)
{
	char req[1024], err[512];
	struct json_object *j;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(req, sizeof(req), fmt, ap);
	va_end(ap);
	j = hvd_call(req, err, sizeof(err));
	if (!j)
		die("%s", err);
	json_object_put(j);
}

/* --- domains ------------------------------------------------------------------ */

/*
 * A QEMU command line: argv[0..nr_read) point into @mem (read_argv()),
 * the rest are arg()'s own strings; argv_free() frees both.
 */
struct argv_buf {
	int argc;
	int nr_read;
	char *mem;
	char *argv[PVIO_MAX_ARGS + 1];
};

static void argv_free(struct argv_buf *a)
{
	int i;

	for (i = a->nr_read; i < a->argc; i++)
		free(a->argv[i]);
	free(a->mem);
	a->mem = NULL;
	a->argc = a->nr_read = 0;
}

static void arg(struct argv_buf *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void arg(struct argv_buf *a, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (a->argc == PVIO_MAX_ARGS)
		die("too many QEMU arguments");
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	a->argv[a->argc++] = s;
	a->argv[a->argc] = NULL;
}

/* The keys pvio-hvd gives a link's backend: the defining key last. */
static void link_keys(unsigned int id, const struct pvio_dev *dev)
{
	if (dev->kind == PVIO_VBD) {
		hvd_do("key-set %u vbd0/mode %s", id, dev->ro ? "r" : "w");
		if (dev->has & PVIO_HAS_IOPS)
			hvd_do("key-set %u vbd0/iops %u", id, dev->iops);
		if (dev->has & PVIO_HAS_BPS)
			hvd_do("key-set %u vbd0/bps %u", id, dev->bps);
		if (dev->has & PVIO_HAS_COALESCE)
			hvd_do("key-set %u vbd0/coalesce %u", id, dev->coalesce);
		hvd_do("key-set %u vbd0/params %s", id, dev->target);
	} else if (dev->kind == PVIO_VIF) {
		if (dev->has & PVIO_HAS_QUEUES)
			hvd_do("key-set %u vif0/queues %u", id, dev->queues);
		if (dev->has & PVIO_HAS_RATE)
			hvd_do("key-set %u vif0/rate %u", id, dev->rate);
		if (dev->has & PVIO_HAS_BURST)
			hvd_do("key-set %u vif0/burst %u", id, dev->burst);
		hvd_do("key-set %u vif0/mac %s", id, dev->mac);
	}
}

/* A vif without a MAC gets 02:70:76 ("pv"), its guest's id and its link. */
static void dev_default_mac(struct pvio_dev *dev, unsigned int domid,
			    unsigned int link)
{
	if (dev->kind != PVIO_VIF || (dev->has & PVIO_HAS_MAC))
		return;
	snprintf(dev->mac, sizeof(dev->mac), "02:70:76:%02x:%02x:%02x",
		 (domid >> 8) & 0xff, domid & 0xff, link & 0xff);
	dev->has |= PVIO_HAS_MAC;
}

static void write_argv(const char *name, const struct argv_buf *a)
{
	char *path = pvio_path("%s.argv", name);
	FILE *f = fopen(path, "we");
	int i;

	if (!f)
		die("%s: %s", path, strerror(errno));
	for (i = 0; i < a->argc; i++)
		fwrite(a->argv[i], strlen(a->argv[i]) + 1, 1, f);
	if (fclose(f))
		die("%s: %s", path, strerror(errno));
}

static void read_argv(const char *name, struct argv_buf *a)
{
	char *path = pvio_path("%s.argv", name), *buf, *p;
	size_t len = 0, cap = 65536;
	FILE *f = fopen(path, "re");

	if (!f)
		die("%s: %s", path, strerror(errno));
	buf = malloc(cap);
	if (!buf)
		die("out of memory");
	len = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[len] = '\0';
	a->argc = 0;
	for (p = buf; p < buf + len; p += strlen(p) + 1) {
		if (a->argc == PVIO_MAX_ARGS)
			die("%s: too many arguments", path);
		a->argv[a->argc++] = p;
	}
	a->argv[a->argc] = NULL;
	if (!a->argc)
		die("%s: empty", path);
	a->mem = buf;
	a->nr_read = a->argc;
}

/* The end of link @l that domain type @type holds. */
static const char *slink_end(enum pvio_type type)
{
	return type == PVIO_DRIVER ? "backend" : "frontend";
}

/* A link end's ivshmem-doorbell device and its chardev, on QEMU's command line. */
static void link_args(struct argv_buf *a, const struct pvio_slink *l,
		      enum pvio_type type)
{
	arg(a, "-chardev");
	arg(a, "socket,id=link%u,path=%s", l->id,
	    pvio_path("link%u-%s.sock", l->id, slink_end(type)));
	arg(a, "-device");
	arg(a, "ivshmem-doorbell,chardev=link%u,vectors=%u", l->id,
	    l->vectors);
}

/* The QEMU command line of a domain; links from the state. */
static void domain_argv(const struct pvio_config *cfg,
			const struct pvio_domain *d,
			const struct pvio_state *st, struct argv_buf *a)
{
	char accel[sizeof(cfg->accel)], *w, *save;
	const struct pvio_slink *l;
	char drv[PVIO_NAME_MAX];
	unsigned int i;

	a->argc = a->nr_read = 0;
	a->mem = NULL;
	arg(a, "%s", cfg->qemu);
	arg(a, "-name");
	arg(a, "%s", d->name);
	arg(a, "-nodefaults");
	arg(a, "-display");
	arg(a, "none");
	arg(a, "-no-reboot");
	strcpy(accel, cfg->accel);
	for (w = strtok_r(accel, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
		arg(a, "%s", w);
	if (d->vcpus) {
		/* The last -smp wins whole in QEMU 7.2: this replaces accel's. */
		arg(a, "-smp");
		arg(a, "%u,maxcpus=%u", d->vcpus, d->vcpus < 2 ? 2 : d->vcpus);
	}
	arg(a, "-cpu");
	arg(a, PVIO_CPU);
	arg(a, "-m");
	arg(a, "%lluM", (unsigned long long)(d->memory >> 20));
	arg(a, "-kernel");
	arg(a, "%s", cfg->kernel);
	arg(a, "-initrd");
	arg(a, "%s", cfg->initrd);
	/*
	 * The harness's command line, and no_timer_check: on a loaded host a
	 * TCG guest's jiffies can miss the kernel's IO-APIC timer check,
	 * which then panics ("IO-APIC + timer doesn't work"). watchdog_thresh
	 * 30 (a soft lockup after 60 s, not 20): a TCG vCPU the host starves
	 * while its clock runs on was reported stuck 23 s unpacking its
	 * initramfs, with five QEMUs on two cores.
	 */
	arg(a, "-append");
	arg(a, "console=ttyS0 loglevel=5 log_buf_len=4M panic=-1 no_timer_check watchdog_thresh=30 pviorun=domain.sh pviorole=%s pvioname=%s pviodomid=%u%s%s%s%s",
	    type_name[d->type], d->name, d->id, d->run[0] ? " pvioexec=" : "",
	    d->run, d->append[0] ? " " : "", d->append);
	arg(a, "-serial");
	arg(a, "file:%s", pvio_path("%s.console", d->name));
	/* The harness's init reports to ttyS1: nobody reads it here. */
	arg(a, "-serial");
	arg(a, "null");
	/* For attach: hot-plugged on i440fx's root bus (ACPI PCI hotplug). */
	arg(a, "-qmp");
	arg(a, "unix:%s,server=on,wait=off", pvio_path("qmp-%s.sock", d->name));
	arg(a, "-virtfs");
	arg(a, "local,path=/usr,mount_tag=usr,security_model=none,readonly=on");
	arg(a, "-virtfs");
	arg(a, "local,path=%s,mount_tag=kmods,security_model=none,readonly=on",
	    cfg->modules);
	if (d->type == PVIO_DRIVER) {
		arg(a, "-chardev");
		arg(a, "socket,id=ctl,path=%s", pvio_path("control.sock"));
		arg(a, "-device");
		arg(a, "ivshmem-doorbell,chardev=ctl,vectors=%u",
		    cfg->control_vectors);
		for (i = 0; i < d->nr_disks; i++) {
			const struct pvio_disk *k = &d->disks[i];

			arg(a, "-drive");
			arg(a, "file=%s,format=%s,cache=%s,if=none,id=disk%u%s",
			    k->path, k->format, k->cache, i,
			    k->ro ? ",readonly=on" : "");
			arg(a, "-device");
			arg(a, "virtio-blk-pci,drive=disk%u", i);
		}
		for (i = 0; i < d->nr_nics; i++) {
			arg(a, "-netdev");
			arg(a, "user,id=nic%u", i);
			arg(a, "-device");
			if (d->nics[i].mac[0])
				arg(a, "virtio-net-pci,netdev=nic%u,mac=%s", i,
				    d->nics[i].mac);
			else
				arg(a, "virtio-net-pci,netdev=nic%u", i);
		}
	}
	for (i = 0; i < st->nr_links; i++) {
		l = &st->links[i];
		slink_driver(l, drv);
		if (d->type == PVIO_DRIVER ? strcmp(drv, d->name) :
					     strcmp(l->guest, d->name))
			continue;
		link_args(a, l, d->type);
	}
}

/*
 * How many of the domain's ivshmem devices pvio-hvd shows connected (a
 * peer id on the control device, for a driver domain, and on each of its
 * link ends) and how many not; -1 if pvio-hvd does not answer.
 */
static int domain_ends(const struct pvio_sdomain *d, unsigned int *up,
		       unsigned int *down)
{
	struct json_object *j, *links, *l;
	const char *end = slink_end(d->type);
	char err[512], key[16];
	int64_t peer;
	size_t i;

	*up = *down = 0;
	j = hvd_call("status", err, sizeof(err));
	if (!j)
		return -1;
	if (d->type == PVIO_DRIVER) {
		peer = pvio_json_int(pvio_json_get(j, "control",
						   json_type_object), "peer");
		*(peer > 0 ? up : down) += 1;
	}
	snprintf(key, sizeof(key), "%s_peer", end);
	links = pvio_json_get(j, "links", json_type_array);
	for (i = 0; i < json_object_array_length(links); i++) {
		l = json_object_array_get_idx(links, i);
		if (pvio_json_int(l, end) != d->id)
			continue;
		*(pvio_json_int(l, key) > 0 ? up : down) += 1;
	}
	json_object_put(j);
	return 0;
}

/* Start a domain's QEMU from its argv file; wait for its devices. */
static bool domain_start(struct pvio_state *st, struct pvio_sdomain *d)
{
	struct argv_buf a;
	unsigned int up, down;
	double end;
	int c;

	read_argv(d->name, &a);
	/*
	 * QEMU truncates the console when it opens it, some time after it
	 * starts: move the last boot's aside (NAME.console.prev) so that its
	 * ready line is not taken for the new boot's.
	 */
	if (rename(pvio_path("%s.console", d->name),
		   pvio_path("%s.console.prev", d->name)) && errno != ENOENT)
		die("%s: %s", pvio_path("%s.console", d->name), strerror(errno));
	d->pid = spawn(a.argv, pvio_path("%s.qemu", d->name), &d->start);
	argv_free(&a);
	d->starts++;
	snprintf(d->state, sizeof(d->state), "running");
	state_save(st);
	end = pvio_now() + 30;
	for (;;) {
		if (!proc_alive(d->pid, d->start)) {
			say("%s: QEMU exited at start", d->name);
			log_tail(pvio_path("%s.qemu", d->name), 10);
			snprintf(d->state, sizeof(d->state), "stopped");
			state_save(st);
			return false;
		}
		c = domain_ends(d, &up, &down);
		if (!c && !down)
			return true;
		if (c < 0 || pvio_now() > end) {
			say("%s: its ivshmem devices did not all connect to pvio-hvd",
			    d->name);
			return false;
		}
		pvio_sleep_ms(50);
	}
}

static bool console_ready(const char *name)
{
	char line[512];
	bool ready = false;
	FILE *f = fopen(pvio_path("%s.console", name), "re");

	if (!f)
		return false;
	while (!ready && fgets(line, sizeof(line), f))
		ready = strstr(line, PVIO_READY) != NULL;
	fclose(f);
	return ready;
}

static const char *domain_state(const struct pvio_sdomain *d)
{
	if (!strcmp(d->state, "running")) {
		if (!proc_alive(d->pid, d->start))
			return "dead";
		return console_ready(d->name) ? "ready" : "booting";
	}
	return d->state;
}

/* Wait for the domains' consoles to say they are ready. */
static bool wait_ready(struct pvio_state *st, const char *only, double secs)
{
	double end = pvio_now() + secs;
	unsigned int i, waiting;

	do {
		waiting = 0;
		for (i = 0; i < st->nr_domains; i++) {
			struct pvio_sdomain *d = &st->domains[i];
			const char *s;

			if (only && strcmp(only, d->name))
				continue;
			s = domain_state(d);
			if (!strcmp(s, "booting"))
				waiting++;
			else if (strcmp(s, "ready")) {
				say("%s: %s", d->name, s);
				return false;
			}
		}
		if (!waiting)
			return true;
		pvio_sleep_ms(100);
	} while (pvio_now() < end);
	say("domains not ready after %.0f s", secs);
	return false;
}

/* --- defaults ------------------------------------------------------------------ */

/* The directory of this program, for pvio-hvd and the tree's initramfs. */
static const char *self_dir(void)
{
	static char dir[PATH_MAX];
	ssize_t n;

	if (!dir[0]) {
		n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
		if (n <= 0)
			return ".";
		dir[n] = '\0';
		*strrchr(dir, '/') = '\0';
	}
	return dir;
}

static int version_cmp(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

/* As selftests/vm/run.sh: the cached stock kernel and its modules. */
static void resolve_defaults(struct pvio_config *cfg)
{
	const char *cache = getenv("PVIO_CACHE") ?: "/var/cache/pvio";
	char pat[PATH_MAX], *dir;
	glob_t g;

	if (!cfg->kernel[0] || !cfg->modules[0]) {
		snprintf(pat, sizeof(pat), "%s/kernels/*/done", cache);
		if (glob(pat, 0, NULL, &g) || !g.gl_pathc)
			die("%s: no kernel = given and no cached kernel in %s/kernels (selftests/vm/stock-kernel.sh fetches one)",
			    cfg->file, cache);
		qsort(g.gl_pathv, g.gl_pathc, sizeof(char *), version_cmp);
		dir = g.gl_pathv[g.gl_pathc - 1];
		*strrchr(dir, '/') = '\0';
		if (!cfg->kernel[0])
			snprintf(cfg->kernel, sizeof(cfg->kernel), "%s/vmlinuz", dir);
		if (!cfg->modules[0])
			snprintf(cfg->modules, sizeof(cfg->modules),
				 "%s/modroot/lib/modules", dir);
		globfree(&g);
	}
	if (!cfg->initrd[0])
		snprintf(cfg->initrd, sizeof(cfg->initrd),
			 "%s/../.build/vm-logs/stock/initramfs.cpio.gz",
			 self_dir());
	if (!cfg->hvd[0])
		snprintf(cfg->hvd, sizeof(cfg->hvd), "%s/pvio-hvd", self_dir());
	if (!cfg->qemu[0])
		snprintf(cfg->qemu, sizeof(cfg->qemu), "%s",
			 getenv("PVIO_QEMU") ?: "qemu-system-x86_64");
	if (!cfg->accel[0])
		snprintf(cfg->accel, sizeof(cfg->accel), "%s",
			 getenv("PVIO_ACCEL") ?: PVIO_ACCEL_DEFAULT);
}

/* What must exist before anything starts; errors at the line that named it. */
static void check_files(struct pvio_config *cfg)
{
	struct stat s;
	unsigned int i, j;

	if (stat(cfg->kernel, &s) || !S_ISREG(s.st_mode))
		pvio_err(cfg, cfg->key_line[0], "kernel %s: %s", cfg->kernel,
			 errno ? strerror(errno) : "not a file");
	if (stat(cfg->initrd, &s) || !S_ISREG(s.st_mode))
		pvio_err(cfg, cfg->key_line[1], "initrd %s: %s (the default is the one selftests/vm/run.sh builds: make check-vm T=core_boot)",
			 cfg->initrd, strerror(errno));
	if (stat(cfg->modules, &s) || !S_ISDIR(s.st_mode))
		pvio_err(cfg, cfg->key_line[2], "modules %s: not a directory",
			 cfg->modules);
	if (access(cfg->hvd, X_OK))
		pvio_err(cfg, cfg->key_line[4], "hvd %s: %s", cfg->hvd,
			 strerror(errno));
	for (i = 0; i < cfg->nr_domains; i++) {
		const struct pvio_domain *d = &cfg->domains[i];

		for (j = 0; j < d->nr_disks; j++) {
			errno = 0;
			if (stat(d->disks[j].path, &s) || !S_ISREG(s.st_mode))
				pvio_err(cfg, d->disks[j].line, "disk %s: %s",
					 d->disks[j].path,
					 errno ? strerror(errno) : "not a file");
		}
	}
}

/* --- commands ------------------------------------------------------------------ */

/* Guests first, then driver domains; each in the reverse of its start. */
static void state_stop_all(struct pvio_state *st)
{
	unsigned int i, k;
	char err[256];
	glob_t g;

	/* The watch first, or it would start what is being stopped. */
	if (st->watch_pid &&
	    !proc_stop(st->watch_pid, st->watch_start, SIGTERM, 5))
		say("pvio watch %d does not exit", (int)st->watch_pid);
	st->watch_pid = 0;
	for (k = 0; k < 2 * st->nr_domains; k++) {
		struct pvio_sdomain *d;

		i = st->nr_domains - 1 - k % st->nr_domains;
		d = &st->domains[i];
		if ((k < st->nr_domains) != (d->type == PVIO_GUEST))
			continue;
		if (!proc_stop(d->pid, d->start, SIGTERM, 5))
			say("%s: QEMU %d does not exit", d->name, (int)d->pid);
		if (d->pid)
			snprintf(d->state, sizeof(d->state), "stopped");
		d->pid = 0;
	}
	if (st->hvd_pid && proc_alive(st->hvd_pid, st->hvd_start)) {
		json_object_put(hvd_call("quit", err, sizeof(err)));
		if (!proc_stop(st->hvd_pid, st->hvd_start, SIGTERM, 5))
			say("pvio-hvd %d does not exit", (int)st->hvd_pid);
	}
	st->hvd_pid = 0;
	/* What a killed pvio-hvd could not remove. */
	if (!glob(pvio_path("*.sock"), 0, NULL, &g)) {
		for (i = 0; i < g.gl_pathc; i++)
			unlink(g.gl_pathv[i]);
		globfree(&g);
	}
	for (i = 0; i < st->nr_domains; i++)
		unlink(pvio_path("%s.argv", st->domains[i].name));
	unlink(pvio_path(PVIO_STATE));
}

/*
 * The options of a command that takes [-w SECONDS]: *@wait, 0 without -w.
 * -1 to go on; else, after @usage on stdout, the exit status (0 for -h).
 */
static int getopt_wait(int argc, char **argv, const char *cmd, double *wait,
		       const char *usage)
{
	char *end;
	int c;

	*wait = 0;
	while ((c = getopt(argc, argv, "+w:h")) != -1) {
		switch (c) {
		case 'w':
			*wait = strtod(optarg, &end);
			if (*end || *wait < 0)
				die("%s: -w takes seconds", cmd);
			break;
		default:
			fputs(usage, stdout);
			return c == 'h' ? 0 : 2;
		}
	}
	return -1;
}

static struct pvio_config cfg_buf;

static int cmd_up(int argc, char **argv)
{
	static struct pvio_state st;
	struct pvio_config *cfg = &cfg_buf;
	unsigned int i, j, link = 0;
	struct argv_buf a;
	double wait;
	int rc, c;

	rc = getopt_wait(argc, argv, "up", &wait,
			 "usage: pvio [-d DIR] up [-w SECONDS] CONFIG\n\n"
			 "Start pvio-hvd, create the links, boot the driver domains, then the\n"
			 "guests. -w: then wait that long for every domain to be ready.\n");
	if (rc >= 0)
		return rc;
	if (optind != argc - 1)
		die("up: give one CONFIG (pvio up --help)");
	pvio_config_init(cfg);
	if (pvio_config_load(cfg, argv[optind]))
		return 1;
	if (!pvio_dir)
		pvio_dir = cfg->rundir[0] ? cfg->rundir :
			   getenv("PVIO_DIR") ?: PVIO_RUNDIR_DEFAULT;
	resolve_defaults(cfg);
	check_files(cfg);
	if (cfg->errors)
		return 1;
	pvio_lock_dir(true);
	if (state_load(&st)) {
		if (proc_alive(st.hvd_pid, st.hvd_start))
			die("%s: already up (pvio -d %s down first)", pvio_dir,
			    pvio_dir);
		state_stop_all(&st);	/* leftovers of a crashed pvio */
	}
	memset(&st, 0, sizeof(st));
	st.control_vectors = cfg->control_vectors;
	st.vectors = cfg->vectors;
	st.link_size = cfg->link_size;
	st.grants = cfg->grants;
	for (i = 0; i < cfg->nr_domains; i++) {
		struct pvio_sdomain *d = &st.domains[st.nr_domains++];

		strcpy(d->name, cfg->domains[i].name);
		d->id = cfg->domains[i].id;
		d->type = cfg->domains[i].type;
		d->restart = pvio_domain_restarts(&cfg->domains[i]);
		strcpy(d->state, "stopped");
	}
	/* pvio-hvd, before any QEMU. */
	{
		char cv[16], *hargv[] = { cfg->hvd, "-d", (char *)pvio_dir,
					 "-c", cv, NULL };
		double until = pvio_now() + 10;
		struct json_object *js = NULL;
		char err[512];

		snprintf(cv, sizeof(cv), "%u", cfg->control_vectors);
		st.hvd_pid = spawn(hargv, pvio_path("hvd.log"), &st.hvd_start);
		pvio_undo = &st;
		state_save(&st);
		while (!js) {
			js = hvd_call("status", err, sizeof(err));
			if (js)
				break;
			if (!proc_alive(st.hvd_pid, st.hvd_start) ||
			    pvio_now() > until) {
				log_tail(pvio_path("hvd.log"), 10);
				die("pvio-hvd did not start: %s", err);
			}
			pvio_sleep_ms(20);
		}
		json_object_put(js);
	}
	/* The links: guests in order, their vbds and vifs, then spares. */
	for (i = 0; i < cfg->nr_domains; i++) {
		struct pvio_domain *g = &cfg->domains[i];

		for (j = 0; j < g->nr_devs; j++) {
			struct pvio_dev *dev = &g->devs[j];
			struct pvio_slink *l = &st.links[st.nr_links++];
			struct pvio_domain *dd = pvio_domain_find(cfg, dev->driver);

			l->id = link++;
			l->kind = dev->kind;
			strcpy(l->guest, g->name);
			l->vectors = pvio_dev_vectors(cfg, dev);
			l->size = dev->has & PVIO_HAS_SIZE ? dev->size : cfg->link_size;
			l->grants = dev->has & PVIO_HAS_GRANTS ? dev->grants : cfg->grants;
			dev_default_mac(dev, g->id, l->id);
			pvio_dev_spec(dev, l->spec, sizeof(l->spec));
			hvd_do("link-add %u backend=%u frontend=%u size=%llu vectors=%u grants=%u",
			       l->id, dd->id, g->id,
			       (unsigned long long)l->size, l->vectors, l->grants);
			link_keys(l->id, dev);
		}
	}
	state_save(&st);
	for (i = 0; i < cfg->nr_domains; i++) {
		domain_argv(cfg, &cfg->domains[i], &st, &a);
		write_argv(cfg->domains[i].name, &a);
		argv_free(&a);
	}
	/* Driver domains first: their backends wait for the guests. */
	for (c = PVIO_DRIVER; c <= PVIO_GUEST; c++) {
		for (i = 0; i < st.nr_domains; i++) {
			if (st.domains[i].type != (enum pvio_type)c)
				continue;
			if (!domain_start(&st, &st.domains[i]))
				die("up: stopping everything");
			printf("%s: %s domain %u, QEMU pid %d, console %s\n",
			       st.domains[i].name, type_name[c],
			       st.domains[i].id, (int)st.domains[i].pid,
			       pvio_path("%s.console", st.domains[i].name));
		}
	}
	watch_spawn(&st);
	pvio_undo = NULL;
	state_save(&st);
	pvio_unlock();
	if (wait && !wait_ready(&st, NULL, wait))
		return 1;
	return 0;
}

static struct pvio_sdomain *need_domain(struct pvio_state *st,
					const char *name)
{
	struct pvio_sdomain *d;

	if (!state_load(st))
		die("nothing is up in %s", pvio_dir);
	d = state_domain(st, name);
	if (!d)
		die("no domain '%s' in %s", name, pvio_dir);
	return d;
}

/*
 * SIGKILL, wait for the exit, then for pvio-hvd to have seen each of the
 * domain's sockets close: its successor's connections would be refused
 * while the old ones count as live, and the caller may look at the new
 * generations at once.
 */
static bool domain_kill(struct pvio_state *st, struct pvio_sdomain *d)
{
	unsigned int up = 0, down;
	double end;

	if (!proc_stop(d->pid, d->start, SIGKILL, 10)) {
		say("%s: QEMU %d does not exit", d->name, (int)d->pid);
		return false;
	}
	d->pid = 0;
	d->start = 0;
	snprintf(d->state, sizeof(d->state), "killed");
	state_save(st);
	if (!proc_alive(st->hvd_pid, st->hvd_start))
		return true;
	for (end = pvio_now() + 10; pvio_now() < end; pvio_sleep_ms(20))
		if (!domain_ends(d, &up, &down) && !up)
			return true;
	say("%s: pvio-hvd still shows %u of its devices connected", d->name, up);
	return false;
}

static int cmd_kill(int argc, char **argv)
{
	static struct pvio_state st;
	struct pvio_sdomain *d;

	if (argc != 2 || argv[1][0] == '-') {
		printf("usage: pvio [-d DIR] kill DOMAIN\n\n"
		       "SIGKILL the domain's QEMU and wait for it to exit.\n");
		return argc == 2 && (!strcmp(argv[1], "-h") ||
				     !strcmp(argv[1], "--help")) ? 0 : 2;
	}
	pvio_lock();
	d = need_domain(&st, argv[1]);
	return domain_kill(&st, d) ? 0 : 1;
}

static int cmd_restart(int argc, char **argv)
{
	static struct pvio_state st;
	struct pvio_sdomain *d;
	double wait;
	int rc;

	rc = getopt_wait(argc, argv, "restart", &wait,
			 "usage: pvio [-d DIR] restart [-w SECONDS] DOMAIN\n\n"
			 "SIGKILL the domain's QEMU, wait for it to exit, and start it again with\n"
			 "the same arguments (a new ivshmem peer id on each of its devices).\n"
			 "-w: then wait that long for it to be ready.\n");
	if (rc >= 0)
		return rc;
	if (optind != argc - 1)
		die("restart: give one DOMAIN");
	pvio_lock();
	d = need_domain(&st, argv[optind]);
	if (!proc_alive(st.hvd_pid, st.hvd_start))
		die("pvio-hvd is not running: pvio down, then up");
	if (!domain_kill(&st, d) || !domain_start(&st, d))
		return 1;
	printf("%s: QEMU pid %d\n", d->name, (int)d->pid);
	pvio_unlock();
	if (wait && !wait_ready(&st, d->name, wait))
		return 1;
	return 0;
}

/* --- the watch: domains restarted on their own ------------------------------ */

#define PVIO_WATCH_PERIOD_MS	200
#define PVIO_WATCH_BACKOFF_MAX_S 60

/* What the watch remembers of a domain between its looks. */
struct pvio_watched {
	bool seen_dead;		/* it saw the QEMU gone and said so */
	double next_try;	/* no start before */
	unsigned int early_deaths;	/* in a row, each before "ready" */
};

/*
 * @d's QEMU exited by itself and its on-crash says restart: start it
 * again, as `pvio restart` would. A domain that died before its console
 * said it is ready is in a crash loop (a bad kernel, a panic at boot):
 * each start after such a death waits longer (1 s, doubling, at most a
 * minute) until one gets to ready again. Under the lock.
 */
static void watch_domain(struct pvio_state *st, struct pvio_sdomain *d,
			 struct pvio_watched *w)
{
	double now = pvio_now();
	unsigned int delay = 0;

	if (!w->seen_dead) {
		w->seen_dead = true;
		/* The console is still the boot that died. */
		if (console_ready(d->name))
			w->early_deaths = 0;
		else
			w->early_deaths++;
		if (w->early_deaths)
			delay = 1u << (w->early_deaths < 7 ? w->early_deaths - 1 : 6);
		w->next_try = now + (delay < PVIO_WATCH_BACKOFF_MAX_S ?
				     delay : PVIO_WATCH_BACKOFF_MAX_S);
		say("%s: QEMU %d exited by itself; starting it again%s", d->name,
		    (int)d->pid, delay ? " after a pause: it died before it was ready" : "");
		log_tail(pvio_path("%s.qemu", d->name), 5);
	}
	if (now < w->next_try)
		return;
	if (!proc_alive(st->hvd_pid, st->hvd_start)) {
		say("%s: not started: pvio-hvd is not running", d->name);
		w->next_try = now + PVIO_WATCH_BACKOFF_MAX_S;
		return;
	}
	w->seen_dead = false;
	if (domain_kill(st, d) && domain_start(st, d))
		say("%s: started again, QEMU pid %d (start %u)", d->name,
		    (int)d->pid, d->starts);
	else
		say("%s: could not start it again; pvio restart %s to retry",
		    d->name, d->name);
}

/*
 * pvio watch: what `up` leaves running in the background (its pid in the
 * state file, its log watch.log). Every PVIO_WATCH_PERIOD_MS it looks
 * for a domain whose QEMU exited by itself (state "dead": not killed or
 * stopped by pvio) and starts the ones whose on-crash is restart. It
 * ends when the state file goes (down) or names another watch.
 */
static int cmd_watch(int argc, char **argv)
{
	static struct pvio_state st;
	static struct pvio_watched w[PVIO_MAX_DOMAINS];
	unsigned int i;

	if (argc != 1) {
		printf("usage: pvio [-d DIR] watch\n\n"
		       "Restart the domains whose QEMU exits by itself and whose on-crash is\n"
		       "restart. pvio up starts it; it stops with pvio down.\n");
		return !strcmp(argv[1], "-h") ? 0 : 2;
	}
	signal(SIGTERM, SIG_DFL);
	for (;;) {
		/* Reap the QEMUs this watch started that have exited. */
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		pvio_lock();
		if (!state_load(&st) || st.watch_pid != getpid())
			return 0;
		for (i = 0; i < st.nr_domains; i++) {
			struct pvio_sdomain *d = &st.domains[i];

			if (d->restart && !strcmp(domain_state(d), "dead"))
				watch_domain(&st, d, &w[i]);
			else
				w[i].seen_dead = false;
		}
		pvio_unlock();
		pvio_sleep_ms(PVIO_WATCH_PERIOD_MS);
	}
}

/* Start the watch for a system up just brought up. Under the lock. */
static void watch_spawn(struct pvio_state *st)
{
	static char self[PATH_MAX];
	char *wargv[] = { self, "-d", (char *)pvio_dir, "watch", NULL };
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0)
		die("/proc/self/exe: %s", strerror(errno));
	self[n] = '\0';
	st->watch_pid = spawn(wargv, pvio_path("watch.log"), &st->watch_start);
}

static int cmd_down(int argc, char **argv)
{
	static struct pvio_state st;

	if (argc != 1) {
		printf("usage: pvio [-d DIR] down\n\n"
		       "Stop every QEMU (SIGTERM, then SIGKILL after 5 s), then pvio-hvd.\n");
		return argc == 2 && (!strcmp(argv[1], "-h") ||
				     !strcmp(argv[1], "--help")) ? 0 : 2;
	}
	pvio_lock();
	if (!state_load(&st)) {
		say("nothing is up in %s", pvio_dir);
		return 0;
	}
	state_stop_all(&st);
	return 0;
}

/* The config a running system was made of, for attach's checks. */
static void state_config(struct pvio_state *st, struct pvio_config *cfg)
{
	unsigned int i;

	pvio_config_init(cfg);
	cfg->file = "pvio attach";
	if (st->vectors) {
		cfg->vectors = st->vectors;
		cfg->link_size = st->link_size;
		cfg->grants = st->grants;
	}
	for (i = 0; i < st->nr_domains; i++) {
		struct pvio_domain *d = &cfg->domains[cfg->nr_domains++];

		strcpy(d->name, st->domains[i].name);
		d->type = st->domains[i].type;
		d->id = st->domains[i].id;
	}
	for (i = 0; i < st->nr_links; i++) {
		struct pvio_slink *l = &st->links[i];
		struct pvio_domain *g = pvio_domain_find(cfg, l->guest);

		if (!g || l->kind == PVIO_SPARE || g->nr_devs == PVIO_MAX_DEVS)
			continue;
		if (pvio_dev_parse(cfg, g, l->kind, l->spec, 0,
				   &g->devs[g->nr_devs]))
			die("corrupt state: link %u: %s", l->id, l->spec);
		g->nr_devs++;
	}
}

/* A spare link of @g to @dev's driver domain that can take @dev, or NULL. */
static struct pvio_slink *spare_for(struct pvio_state *st,
				    const struct pvio_config *cfg,
				    const struct pvio_sdomain *g,
				    const struct pvio_dev *dev)
{
	char drv[PVIO_NAME_MAX];
	unsigned int i;

	/* A spare's size, grants and vectors were fixed at up. */
	if (dev->has & (PVIO_HAS_SIZE | PVIO_HAS_GRANTS | PVIO_HAS_VECTORS))
		return NULL;
	for (i = 0; i < st->nr_links; i++) {
		struct pvio_slink *l = &st->links[i];

		slink_driver(l, drv);
		if (l->kind == PVIO_SPARE && !strcmp(l->guest, g->name) &&
		    !strcmp(drv, dev->driver) &&
		    pvio_dev_vectors(cfg, dev) <= l->vectors)
			return l;
	}
	return NULL;
}

/* The lowest link id neither the state nor pvio-hvd uses. */
static unsigned int free_link_id(const struct pvio_state *st)
{
	bool used[PVIO_MAX_LINKS] = { false };
	struct json_object *j, *links;
	char err[512];
	unsigned int i;
	int64_t id;

	for (i = 0; i < st->nr_links; i++)
		used[st->links[i].id] = true;
	j = hvd_call("status", err, sizeof(err));
	if (!j)
		die("%s", err);
	links = pvio_json_get(j, "links", json_type_array);
	for (i = 0; i < json_object_array_length(links); i++) {
		id = pvio_json_int(json_object_array_get_idx(links, i), "id");
		if (id >= 0 && id < PVIO_MAX_LINKS)
			used[id] = true;
	}
	json_object_put(j);
	for (i = 0; i < PVIO_MAX_LINKS; i++)
		if (!used[i])
			return i;
	die("attach: all %u link ids are in use", PVIO_MAX_LINKS);
}

/*
 * Hot-plug the @d's end of link @l into its running QEMU: a socket
 * chardev to that end's pvio-hvd socket (QEMU connects at once and reads
 * the region, its peer id and the eventfds), then the ivshmem-doorbell
 * device on it, which the guest kernel sees through ACPI PCI hotplug.
 * @tag names both in QEMU. Undoes the chardev if the device fails.
 */
static int link_plug(struct pvio_sdomain *d, const struct pvio_slink *l,
		     const char *tag, char *err, size_t errlen)
{
	struct json_object *addr;
	struct pvio_qmp q;
	int ret = -1;

	if (!proc_alive(d->pid, d->start)) {
		snprintf(err, errlen, "%s is not running", d->name);
		return -1;
	}
	if (pvio_qmp_open(&q, pvio_path("qmp-%s.sock", d->name))) {
		snprintf(err, errlen, "%s: %s", d->name, q.err);
		return -1;
	}
	addr = pvio_json_new_obj("type", pvio_json_new_str("unix"),
		"data", pvio_json_new_obj("path", pvio_json_new_str(
			pvio_path("link%u-%s.sock", l->id, slink_end(d->type))),
			NULL),
		NULL);
	if (pvio_qmp_cmd(&q, "chardev-add", pvio_json_new_obj(
			"id", pvio_json_new_str(tag),
			"backend", pvio_json_new_obj(
				"type", pvio_json_new_str("socket"),
				"data", pvio_json_new_obj(
					"server", pvio_json_new_bool(false),
					"addr", addr, NULL),
				NULL),
			NULL)))
		goto out;
	if (pvio_qmp_cmd(&q, "device_add", pvio_json_new_obj(
			"driver", pvio_json_new_str("ivshmem-doorbell"),
			"id", pvio_json_new_str(tag),
			"chardev", pvio_json_new_str(tag),
			"vectors", pvio_json_new_int(l->vectors), NULL))) {
		snprintf(err, errlen, "%s: %s", d->name, q.err);
		pvio_qmp_cmd(&q, "chardev-remove", pvio_json_new_obj(
			"id", pvio_json_new_str(tag), NULL));
		pvio_qmp_close(&q);
		return -1;
	}
	ret = 0;
out:
	if (ret)
		snprintf(err, errlen, "%s: %s", d->name, q.err);
	pvio_qmp_close(&q);
	return ret;
}

/* Ask @d's QEMU to unplug device @tag: best effort, on a failed attach. */
static void link_unplug(struct pvio_sdomain *d, const char *tag)
{
	struct pvio_qmp q;

	if (pvio_qmp_open(&q, pvio_path("qmp-%s.sock", d->name)))
		return;
	pvio_qmp_cmd(&q, "device_del",
		     pvio_json_new_obj("id", pvio_json_new_str(tag), NULL));
	pvio_qmp_close(&q);
}

/*
 * `pvio trigger DOMAIN nmi`, as `xl trigger`: an NMI to the domain's VM.
 * A kernel booted with unknown_nmi_panic panics on it, and with panic=-1
 * and QEMU's -no-reboot the VM ends: the way to crash a driver domain on
 * purpose. (A QMP system_reset would end it the same way under
 * -no-reboot, so there is no "reset".)
 */
static int cmd_trigger(int argc, char **argv)
{
	static struct pvio_state st;
	struct pvio_sdomain *d;
	struct pvio_qmp q;

	if (argc != 3 || argv[1][0] == '-') {
		printf("usage: pvio [-d DIR] trigger DOMAIN nmi\n\n"
		       "Send the domain's VM an NMI through its QEMU.\n");
		return argc == 2 && !strcmp(argv[1], "-h") ? 0 : 2;
	}
	if (strcmp(argv[2], "nmi"))
		die("trigger: '%s' is not a trigger (nmi)", argv[2]);
	pvio_lock();
	d = need_domain(&st, argv[1]);
	if (!proc_alive(d->pid, d->start))
		die("%s: its QEMU is not running", d->name);
	if (pvio_qmp_open(&q, pvio_path("qmp-%s.sock", d->name)) ||
	    pvio_qmp_cmd(&q, "inject-nmi", NULL))
		die("%s: %s", d->name, q.err);
	pvio_qmp_close(&q);
	return 0;
}

/* A restart of @d plugs link @l's end at boot, like up's links. */
static void argv_add_link(const struct pvio_sdomain *d,
			  const struct pvio_slink *l)
{
	struct argv_buf a;

	read_argv(d->name, &a);
	link_args(&a, l, d->type);
	write_argv(d->name, &a);
	argv_free(&a);
}

/*
 * A new link for @dev of guest @g: made in pvio-hvd with its keys, then
 * its ivshmem-doorbell device hot-plugged into the driver domain (whose
 * backend waits for the guest) and then into the guest. On failure
 * nothing of it stays but, at worst, a device being unplugged.
 */
static struct pvio_slink *link_hotplug(struct pvio_state *st,
				       const struct pvio_config *cfg,
				       struct pvio_sdomain *g,
				       struct pvio_dev *dev)
{
	struct pvio_sdomain *dd = state_domain(st, dev->driver);
	struct pvio_slink *l;
	char tag[64], err[512];

	if (st->nr_links == PVIO_MAX_LINKS)
		die("attach: %u links already", PVIO_MAX_LINKS);
	if (!proc_alive(dd->pid, dd->start) || !proc_alive(g->pid, g->start))
		die("attach: %s and %s must both be running", dd->name,
		    g->name);
	l = &st->links[st->nr_links];
	memset(l, 0, sizeof(*l));
	l->id = free_link_id(st);
	l->kind = dev->kind;
	l->hot = true;
	strcpy(l->guest, g->name);
	l->vectors = pvio_dev_vectors(cfg, dev);
	l->size = dev->has & PVIO_HAS_SIZE ? dev->size : cfg->link_size;
	l->grants = dev->has & PVIO_HAS_GRANTS ? dev->grants : cfg->grants;
	dev_default_mac(dev, g->id, l->id);
	pvio_dev_spec(dev, l->spec, sizeof(l->spec));
	hvd_do("link-add %u backend=%u frontend=%u size=%llu vectors=%u grants=%u",
	       l->id, dd->id, g->id, (unsigned long long)l->size, l->vectors,
	       l->grants);
	link_keys(l->id, dev);
	/* Unique per attach: a failed one may leave its ids in QEMU. */
	snprintf(tag, sizeof(tag), "link%u-%d", l->id, (int)getpid());
	if (link_plug(dd, l, tag, err, sizeof(err))) {
		hvd_do("link-del %u", l->id);
		die("attach: %s", err);
	}
	if (link_plug(g, l, tag, err, sizeof(err))) {
		hvd_do("link-del %u", l->id);
		link_unplug(dd, tag);
		die("attach: %s", err);
	}
	st->nr_links++;
	argv_add_link(dd, l);
	argv_add_link(g, l);
	return l;
}

static int cmd_attach(int argc, char **argv)
{
	static struct pvio_state st;
	struct pvio_config *cfg = &cfg_buf;
	struct pvio_sdomain *g;
	struct pvio_slink *l;
	struct pvio_domain *cg;
	struct pvio_dev dev;
	enum pvio_kind kind;

	if (argc != 4 || (strcmp(argv[2], "vbd") && strcmp(argv[2], "vif"))) {
		printf("usage: pvio [-d DIR] attach GUEST vbd DRIVER:TARGET[:ro][,OPTION=VALUE]...\n"
		       "       pvio [-d DIR] attach GUEST vif DRIVER[,OPTION=VALUE]...\n\n"
		       "Give a running guest a vbd or vif: through one of its spare links to\n"
		       "DRIVER if one fits (spares = N in the config), else through a new link\n"
		       "whose ivshmem-doorbell device is hot-plugged into the driver domain's\n"
		       "and the guest's QEMU (QMP). Options as in pvio.cfg(5); size=, grants=\n"
		       "and vectors= always make a new link.\n");
		return argc == 2 && (!strcmp(argv[1], "-h") ||
				     !strcmp(argv[1], "--help")) ? 0 : 2;
	}
	kind = !strcmp(argv[2], "vbd") ? PVIO_VBD : PVIO_VIF;
	pvio_lock();
	g = need_domain(&st, argv[1]);
	if (g->type != PVIO_GUEST)
		die("%s is not a guest", g->name);
	state_config(&st, cfg);
	cg = pvio_domain_find(cfg, g->name);
	if (pvio_dev_parse(cfg, cg, kind, argv[3], 0, &dev) ||
	    pvio_dev_check(cfg, cg, &dev))
		return 1;
	if (!proc_alive(st.hvd_pid, st.hvd_start))
		die("pvio-hvd is not running");
	l = spare_for(&st, cfg, g, &dev);
	if (l) {
		dev_default_mac(&dev, g->id, l->id);
		link_keys(l->id, &dev);
		l->kind = kind;
		pvio_dev_spec(&dev, l->spec, sizeof(l->spec));
	} else {
		l = link_hotplug(&st, cfg, g, &dev);
	}
	state_save(&st);
	printf("%s: %s %s on %s link %u\n", g->name, kind_name[kind], l->spec,
	       l->hot ? "hot-plugged" : "spare", l->id);
	return 0;
}

/*
 * Times an end of link @hl (hvd's status) reconnected: what it published
 * as its connects, less its first.
 */
static int64_t end_reconnects(const struct json_object *hl, const char *role)
{
	char key[32];
	int64_t n;

	snprintf(key, sizeof(key), "%s_connects", role);
	n = pvio_json_int(hl, key);
	return n > 1 ? n - 1 : 0;
}

/* An end's published state and recovery figures, as members of @o. */
static void json_end_status(struct json_object *o,
			    const struct json_object *hl, const char *role)
{
	char key[48];
	const char *state;

	snprintf(key, sizeof(key), "%s_state", role);
	state = pvio_json_str(hl, key);
	pvio_json_add(o, key, pvio_json_new_str(state ?: "unknown"));
	snprintf(key, sizeof(key), "%s_reconnects", role);
	pvio_json_add(o, key, pvio_json_new_int(end_reconnects(hl, role)));
	snprintf(key, sizeof(key), "%s_last_downtime_ms", role);
	pvio_json_add(o, key, pvio_json_new_int(pvio_json_int(hl, key)));
	snprintf(key, sizeof(key), "%s_replays", role);
	pvio_json_add(o, key, pvio_json_new_int(pvio_json_int(hl, key)));
}

/* pvio-hvd's status of link @id, or NULL. */
static struct json_object *hvd_link_status(const struct json_object *links,
					   unsigned int id)
{
	struct json_object *hl;
	size_t i;

	for (i = 0; i < json_object_array_length(links); i++) {
		hl = json_object_array_get_idx(links, i);
		if (pvio_json_int(hl, "id") == id)
			return hl;
	}
	return NULL;
}

/* status -j: one object, what the table of status shows and more. */
static void status_json(const struct pvio_state *st,
			const struct json_object *hs, bool hvd_up,
			bool watch_up)
{
	struct json_object *links = pvio_json_get(hs, "links", json_type_array);
	struct json_object *ctl = pvio_json_get(hs, "control", json_type_object);
	struct json_object *j, *doms, *ls, *o, *keys, *hk, *hl;
	char drv[PVIO_NAME_MAX];
	unsigned int i;

	doms = pvio_json_new_array();
	ls = pvio_json_new_array();
	j = pvio_json_new_obj(
		"up", pvio_json_new_bool(true),
		"rundir", pvio_json_new_str(pvio_dir),
		"watch", pvio_json_new_obj(
			"pid", pvio_json_new_int(st->watch_pid),
			"running", pvio_json_new_bool(watch_up), NULL),
		"hvd", pvio_json_new_obj(
			"pid", pvio_json_new_int(st->hvd_pid),
			"running", pvio_json_new_bool(hvd_up),
			"next_peer", pvio_json_new_int(pvio_json_int(hs, "next_peer")),
			"control_peer", pvio_json_new_int(pvio_json_int(ctl, "peer")),
			"control_generation",
			pvio_json_new_int(pvio_json_int(ctl, "generation")),
			NULL),
		"domains", doms,
		"links", ls, NULL);
	for (i = 0; i < st->nr_domains; i++) {
		const struct pvio_sdomain *d = &st->domains[i];

		pvio_json_append(doms, pvio_json_new_obj(
			"name", pvio_json_new_str(d->name),
			"id", pvio_json_new_int(d->id),
			"type", pvio_json_new_str(type_name[d->type]),
			"pid", pvio_json_new_int(proc_alive(d->pid, d->start) ?
						 d->pid : 0),
			"state", pvio_json_new_str(domain_state(d)),
			"starts", pvio_json_new_int(d->starts),
			"on_crash", pvio_json_new_str(on_crash_name(d->restart)),
			"console", pvio_json_new_str(pvio_path("%s.console",
							       d->name)),
			NULL));
	}
	for (i = 0; i < st->nr_links; i++) {
		const struct pvio_slink *l = &st->links[i];
		struct json_object_iter it;

		hl = hvd_link_status(links, l->id);
		slink_driver(l, drv);
		o = pvio_json_new_obj(
			"id", pvio_json_new_int(l->id),
			"kind", pvio_json_new_str(kind_name[l->kind]),
			"backend", pvio_json_new_str(drv),
			"frontend", pvio_json_new_str(l->guest),
			"device", pvio_json_new_str(l->kind == PVIO_SPARE ?
						    "" : l->spec),
			"hotplugged", pvio_json_new_bool(l->hot),
			"vectors", pvio_json_new_int(l->vectors),
			"size", pvio_json_new_u64(l->size),
			"grants", pvio_json_new_int(l->grants),
			"generation", pvio_json_new_int(pvio_json_int(hl, "generation")),
			"backend_peer",
			pvio_json_new_int(pvio_json_int(hl, "backend_peer")),
			"frontend_peer",
			pvio_json_new_int(pvio_json_int(hl, "frontend_peer")),
			NULL);
		json_end_status(o, hl, "backend");
		json_end_status(o, hl, "frontend");
		keys = pvio_json_new_obj(NULL);
		hk = pvio_json_get(hl, "keys", json_type_object);
		if (hk)
			json_object_object_foreachC(hk, it)
				if (json_object_is_type(it.val, json_type_string))
					pvio_json_add(keys, it.key, pvio_json_new_str(
						json_object_get_string(it.val)));
		pvio_json_add(o, "keys", keys);
		pvio_json_append(ls, o);
	}
	pvio_json_print(stdout, j);
}

static int cmd_status(int argc, char **argv)
{
	static struct pvio_state st;
	struct json_object *hs = NULL, *links, *hl, *ctl;
	bool json = false, hvd_up, watch_up;
	char err[512], drv[PVIO_NAME_MAX];
	unsigned int i;
	int c;

	while ((c = getopt(argc, argv, "+jh")) != -1) {
		if (c == 'j') {
			json = true;
			continue;
		}
		printf("usage: pvio [-d DIR] status [-j]\n\n"
		       "Domains (QEMU pid, state, starts), pvio-hvd, and the links (kind,\n"
		       "ends, generation, peer ids, device, keys). -j: as one JSON object.\n");
		return c == 'h' ? 0 : 2;
	}
	if (optind != argc)
		die("status: no arguments but -j");
	pvio_lock();
	if (!state_load(&st)) {
		if (json)
			pvio_json_print(stdout, pvio_json_new_obj(
				"up", pvio_json_new_bool(false), NULL));
		else
			printf("nothing is up in %s\n", pvio_dir);
		return 0;
	}
	hvd_up = proc_alive(st.hvd_pid, st.hvd_start);
	watch_up = st.watch_pid && proc_alive(st.watch_pid, st.watch_start);
	if (hvd_up) {
		hs = hvd_call("status", err, sizeof(err));
		if (!hs)
			say("%s", err);
	}
	if (json) {
		status_json(&st, hs, hvd_up, watch_up);
		json_object_put(hs);
		return 0;
	}
	links = pvio_json_get(hs, "links", json_type_array);
	ctl = pvio_json_get(hs, "control", json_type_object);
	printf("pvio-hvd: pid %d, %s", (int)st.hvd_pid,
	       hvd_up ? "running" : "NOT RUNNING");
	if (hs)
		printf(", next peer id %" PRId64 ", control device peer %" PRId64,
		       pvio_json_int(hs, "next_peer"), pvio_json_int(ctl, "peer"));
	printf("\npvio watch: pid %d, %s\n", (int)st.watch_pid,
	       watch_up ? "running" : "NOT RUNNING: no domain is restarted");
	printf("\n%-16s %5s %-6s %8s %-8s %6s %s\n", "DOMAIN", "ID",
	       "TYPE", "PID", "STATE", "STARTS", "ON-CRASH");
	for (i = 0; i < st.nr_domains; i++) {
		struct pvio_sdomain *d = &st.domains[i];

		printf("%-16s %5u %-6s %8d %-8s %6u %s\n", d->name,
		       d->id, type_name[d->type],
		       proc_alive(d->pid, d->start) ? (int)d->pid : 0,
		       domain_state(d), d->starts, on_crash_name(d->restart));
	}
	printf("\n%4s %-5s %-16s %-16s %4s %7s %7s %6s %9s %7s  %s\n",
	       "LINK", "KIND", "BACKEND", "FRONTEND", "GEN", "BE-PEER",
	       "FE-PEER", "RECONN", "DOWN-MS", "REPLAYS", "DEVICE");
	for (i = 0; i < st.nr_links; i++) {
		struct pvio_slink *l = &st.links[i];

		hl = hvd_link_status(links, l->id);
		slink_driver(l, drv);
		printf("%4u %-5s %-16s %-16s %4" PRId64 " %7" PRId64 " %7" PRId64
		       " %6" PRId64 " %9" PRId64 " %7" PRId64 "  %s%s\n",
		       l->id, kind_name[l->kind], drv, l->guest,
		       pvio_json_int(hl, "generation"),
		       pvio_json_int(hl, "backend_peer"),
		       pvio_json_int(hl, "frontend_peer"),
		       end_reconnects(hl, "frontend"),
		       pvio_json_int(hl, "frontend_last_downtime_ms"),
		       pvio_json_int(hl, "frontend_replays"),
		       l->kind == PVIO_SPARE ? "-" : l->spec,
		       l->hot ? " (hot-plugged)" : "");
	}
	json_object_put(hs);
	return 0;
}

static int cmd_check(int argc, char **argv)
{
	struct pvio_config *cfg = &cfg_buf;
	unsigned int i, j, link = 0;
	char spec[512];

	if (argc != 2 || argv[1][0] == '-') {
		printf("usage: pvio check CONFIG\n\n"
		       "Read and validate CONFIG; print the domains and the links up would make.\n");
		return argc == 2 && (!strcmp(argv[1], "-h") ||
				     !strcmp(argv[1], "--help")) ? 0 : 2;
	}
	pvio_config_init(cfg);
	if (pvio_config_load(cfg, argv[1]))
		return 1;
	for (i = 0; i < cfg->nr_domains; i++) {
		struct pvio_domain *d = &cfg->domains[i];

		printf("domain %s id %u type %s memory %lluM vcpus %u disks %u nics %u on-crash %s\n",
		       d->name, d->id, type_name[d->type],
		       (unsigned long long)(d->memory >> 20), d->vcpus,
		       d->nr_disks, d->nr_nics,
		       on_crash_name(pvio_domain_restarts(d)));
	}
	for (i = 0; i < cfg->nr_domains; i++) {
		struct pvio_domain *g = &cfg->domains[i];

		for (j = 0; j < g->nr_devs; j++) {
			struct pvio_dev *dev = &g->devs[j];

			dev_default_mac(dev, g->id, link);
			pvio_dev_spec(dev, spec, sizeof(spec));
			printf("link %u %s %s %s vectors %u\n", link++,
			       kind_name[dev->kind], g->name, spec,
			       pvio_dev_vectors(cfg, dev));
		}
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: pvio [-d DIR] COMMAND [ARGS]\n"
"\n"
"The toolstack of pvio's ivshmem provider: driver domains and guests as\n"
"QEMU VMs, their links served by pvio-hvd. See pvio(1) and pvio.cfg(5).\n"
"\n"
"  up [-w SECONDS] CONFIG   start pvio-hvd, the links and every domain\n"
"  status [-j]              domains, pvio-hvd, links (-j: JSON)\n"
"  kill DOMAIN              SIGKILL a domain's QEMU and wait for it\n"
"  restart [-w SECONDS] DOMAIN  kill it and start it again\n"
"  trigger DOMAIN nmi       an NMI to its VM (as xl trigger)\n"
"  attach GUEST vbd|vif SPEC    a device for a running guest: a spare\n"
"                           link, else a new one, hot-plugged\n"
"  down                     stop every QEMU, then pvio-hvd\n"
"  check CONFIG             validate a config\n"
"  watch                    restart crashed domains (up starts it)\n"
"\n"
"  -V, --version  pvio's version\n"
"  -d DIR   the run directory (default: the config's rundir, else\n"
"           $PVIO_DIR, else %s)\n"
"COMMAND --help shows a command's usage.\n", PVIO_RUNDIR_DEFAULT);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} cmds[] = {
		{ "up", cmd_up }, { "status", cmd_status },
		{ "kill", cmd_kill }, { "restart", cmd_restart },
		{ "trigger", cmd_trigger },
		{ "down", cmd_down }, { "attach", cmd_attach },
		{ "check", cmd_check }, { "watch", cmd_watch },
	};
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ }
	};
	unsigned int i;
	int c;

	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt_long(argc, argv, "+d:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (*optarg != '/')
				die("-d: give an absolute path");
			pvio_dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("pvio %s\n", PVIO_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return 2;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[optind], cmds[i].name))
			continue;
		if (!pvio_dir && strcmp(cmds[i].name, "up"))
			pvio_dir = getenv("PVIO_DIR") ?: PVIO_RUNDIR_DEFAULT;
		argc -= optind;
		argv += optind;
		optind = 1;
		/* getopt_long style --help for every command. */
		for (c = 1; c < argc; c++)
			if (!strcmp(argv[c], "--help"))
				argv[c] = "-h";
		return cmds[i].fn(argc, argv);
	}
	fprintf(stderr, "pvio: unknown command '%s'\n", argv[optind]);
	usage(stderr);
	return 2;
}
