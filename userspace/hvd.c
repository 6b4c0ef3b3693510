// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The pvio authors. */
/*
 * pvio-hvd: the ivshmem server and hypervisor side of pvio's ivshmem
 * provider ("Across VMs" in Documentation/architecture.rst). main() sets
 * up the run directory (0700, locked so that a second pvio-hvd refuses to
 * start), the control region, the toolstack's socket, and runs the epoll
 * loop. No network socket at all.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <glob.h>
#include <unistd.h>

#include "hvd.h"
#include "version.h"

#define HVD_DEFAULT_DIR "/run/pvio"

struct hvd hvd = {
	.epfd = -1,
	.idle = HVD_DEFAULT_IDLE,
	.ctl_vectors = 1,
	.next_peer_id = 1,	/* QEMU takes 0 as a valid id; we never use it */
	.ctl_shm = { .fd = -1 },
};

void hvd_log(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio == LOG_DEBUG && !hvd.verbose)
		return;
	va_start(ap, fmt);
	if (hvd.use_syslog) {
		vsyslog(prio, fmt, ap);
	} else {
		fprintf(stderr, "pvio-hvd: ");
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}

int hvd_watch_add(struct hvd_watch *w, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = w };

	return epoll_ctl(hvd.epfd, EPOLL_CTL_ADD, w->fd, &ev) ? -errno : 0;
}

int hvd_watch_add_fd(struct hvd_watch *w, int fd, uint32_t events)
{
	int ret;

	w->fd = fd;
	ret = hvd_watch_add(w, events);
	if (ret)
		w->fd = -1;
	return ret;
}

void hvd_watch_del(struct hvd_watch *w)
{
	epoll_ctl(hvd.epfd, EPOLL_CTL_DEL, w->fd, NULL);
}

/*
 * Out of fds, a pending connection would keep its listener readable and
 * the loop spinning: a spare fd lets us accept it and close it at once.
 */
static int hvd_spare_fd = -1;

int hvd_accept(int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0 && (errno == EMFILE || errno == ENFILE) &&
	    hvd_spare_fd >= 0) {
		hvd_log(LOG_ERR, "out of file descriptors: connection dropped");
		close(hvd_spare_fd);
		fd = accept(lfd, NULL, NULL);
		if (fd >= 0)
			close(fd);
		hvd_spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		return -1;
	}
	return fd;
}

int hvd_listen(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* We hold the directory's lock: a socket there is a stale one. */
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    chmod(path, 0600) || listen(fd, 16)) {
		err = -errno;
		hvd_log(LOG_ERR, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return err;
	}
	return fd;
}

/*
 * The run directory: 0700, ours, and locked for our whole life so that a
 * second pvio-hvd on it refuses to start rather than take the sockets
 * from under running QEMUs. Sockets a dead one left are removed.
 */
static int hvd_dir_init(void)
{
	struct stat st;
	glob_t g;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	size_t i;
	int fd;

	/* The longest socket name must fit sun_path. */
	if (strlen(hvd.dir) + sizeof("/link254-frontend.sock") > sizeof(path)) {
		hvd_log(LOG_ERR, "%s: directory name too long", hvd.dir);
		return -1;
	}
	if (mkdir(hvd.dir, 0700) && errno != EEXIST) {
		hvd_log(LOG_ERR, "mkdir %s: %s", hvd.dir, strerror(errno));
		return -1;
	}
	if (lstat(hvd.dir, &st) || !S_ISDIR(st.st_mode) ||
	    st.st_uid != geteuid() || chmod(hvd.dir, 0700)) {
		hvd_log(LOG_ERR, "%s: not a directory of ours", hvd.dir);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/hvd.lock", hvd.dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		hvd_log(LOG_ERR, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		hvd_log(LOG_ERR, "%s: another pvio-hvd runs on this directory",
			hvd.dir);
		close(fd);
		return -1;
	}
	/* fd stays open (and locked) until we exit. */
	snprintf(path, sizeof(path), "%s/link*-*.sock", hvd.dir);
	if (!glob(path, 0, NULL, &g)) {
		for (i = 0; i < g.gl_pathc; i++)
			unlink(g.gl_pathv[i]);
		globfree(&g);
	}
	return 0;
}

static void hvd_signal(struct hvd_watch *w, uint32_t events)
{
	struct signalfd_siginfo si;

	(void)events;
	if (read(w->fd, &si, sizeof(si)) == sizeof(si)) {
		hvd_log(LOG_INFO, "signal %u: exiting", si.ssi_signo);
		hvd.quit = true;
	}
}

static void hvd_usage(FILE *f)
{
	fprintf(f,
"usage: pvio-hvd [-d DIR] [-c VECTORS] [-i SECONDS] [-s] [-v]\n"
"\n"
"The ivshmem server of pvio's ivshmem provider: one sealed shared-memory\n"
"region per link, one UNIX socket per link end for QEMU's ivshmem-doorbell\n"
"(chardev socket,path=DIR/linkN-backend.sock or -frontend.sock), a control\n"
"region for the driver domain (DIR/control.sock) and a control socket for\n"
"the toolstack (DIR/hvd.sock): one request per line, JSON answers.\n"
"\n"
"  -d, --dir DIR          run directory, created 0700 (default %s)\n"
"  -c, --control-vectors N  vectors of the control device (default 1)\n"
"  -i, --idle SECONDS     close control clients idle that long (default %u)\n"
"  -s, --syslog           log to syslog instead of stderr\n"
"  -v, --verbose          log more\n"
"  -h, --help             this text\n"
"  -V, --version          pvio-hvd's version\n"
"\n"
"Requests: link-add ID backend=DOMID frontend=DOMID [size=BYTES]\n"
"          [vectors=N] [grants=N]; link-del ID; key-set ID KEY VALUE;\n"
"          key-del ID KEY; status; quit.\n"
"pvio-hvd cannot be restarted under running VMs: QEMU takes the server's\n"
"memory and eventfds once per connection. See pvio-hvd(8).\n",
		HVD_DEFAULT_DIR, HVD_DEFAULT_IDLE);
}

static int hvd_parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "control-vectors", required_argument, NULL, 'c' },
		{ "idle", required_argument, NULL, 'i' },
		{ "syslog", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	unsigned long v;
	char *end;
	int c;

	hvd.dir = HVD_DEFAULT_DIR;
	while ((c = getopt_long(argc, argv, "d:c:i:svhV", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			hvd.dir = optarg;
			break;
		case 'c':
		case 'i':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || !*optarg || !v ||
			    v > (c == 'c' ? HVD_MAX_VECTORS : 86400)) {
				fprintf(stderr, "pvio-hvd: bad value '%s' for -%c\n",
					optarg, c);
				return 2;
			}
			if (c == 'c')
				hvd.ctl_vectors = v;
			else
				hvd.idle = v;
			break;
		case 's':
			hvd.use_syslog = true;
			break;
		case 'v':
			hvd.verbose = true;
			break;
		case 'h':
			hvd_usage(stdout);
			exit(0);
		case 'V':
			printf("pvio-hvd %s\n", PVIO_VERSION);
			exit(0);
		default:
			hvd_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		hvd_usage(stderr);
		return 2;
	}
	return 0;
}

static int hvd_signals_init(struct hvd_watch *w)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	/* A peer that hangs up under a send must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	w->fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (w->fd < 0)
		return -errno;
	w->handle = hvd_signal;
	return hvd_watch_add(w, EPOLLIN);
}

/*
 * Each peer holds up to 256 eventfds and we keep every one: 255 links of 9
 * vectors already need 4590 fds. Take what the hard limit allows.
 */
static void hvd_raise_nofile(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/*
 * One event per wait: a handler may free any object (a peer, a link), and
 * no other event of the same batch can then point at it.
 */
static void hvd_loop(void)
{
	struct epoll_event ev;
	struct hvd_watch *w;
	int n;

	while (!hvd.quit) {
		n = epoll_wait(hvd.epfd, &ev, 1, 1000);
		if (n < 0 && errno != EINTR) {
			hvd_log(LOG_ERR, "epoll_wait: %s", strerror(errno));
			break;
		}
		if (n > 0) {
			w = ev.data.ptr;
			w->handle(w, ev.events);
		}
		hvd_ctl_expire();
	}
}

int main(int argc, char **argv)
{
	struct hvd_watch sig = { .fd = -1 };
	int ret;

	ret = hvd_parse_args(argc, argv);
	if (ret)
		return ret;
	if (hvd.use_syslog)
		openlog("pvio-hvd", LOG_PID, LOG_DAEMON);
	umask(077);
	hvd_raise_nofile();
	hvd_spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (hvd_dir_init())
		return 1;
	hvd.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (hvd.epfd < 0 || hvd_signals_init(&sig)) {
		hvd_log(LOG_ERR, "epoll or signalfd: %s", strerror(errno));
		return 1;
	}
	ret = hvd_table_init();
	if (ret) {
		hvd_log(LOG_ERR, "control region: %s", strerror(-ret));
		return 1;
	}
	hvd_end_init(&hvd.ctl_end, NULL, PVIO_BACKEND);
	ret = hvd_end_listen(&hvd.ctl_end, "control.sock");
	if (!ret)
		ret = hvd_ctl_init("hvd.sock");
	if (ret) {
		hvd_log(LOG_ERR, "%s: cannot listen: %s", hvd.dir,
			strerror(-ret));
		hvd_end_close(&hvd.ctl_end);
		hvd_table_exit();
		return 1;
	}
	hvd_log(LOG_INFO, "listening in %s", hvd.dir);
	hvd_loop();
	hvd_ctl_exit();
	hvd_links_destroy();
	hvd_end_close(&hvd.ctl_end);
	hvd_table_exit();
	return 0;
}
