// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The pvio authors. */
/*
 * pvio_uend: a userspace backend of a vif through /dev/pvio/link<N>-vif<M>
 * (pvio_uend.ko, Documentation/uend.rst), for the link_uend test.
 *
 *   pvio_uend misuse DEV   every misuse the device must refuse, and how
 *   pvio_uend serve DEV    the netif handshake as pvio_netback does it, up
 *                          to Connected, back to InitWait and Connected
 *                          again; then "connected PORT" on stdout, and it
 *                          waits for the device to go (unbind: then it
 *                          checks its calls fail and its mapping is gone)
 *                          or to be killed
 *
 * Lines starting with '#' are for the log; the exit code is the verdict.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "link.h"
#include "netif.h"
#include "pvio_uend.h"
#include "ring.h"

static int failed;

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("# FAIL: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	failed = 1;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("# FATAL: ");
	vprintf(fmt, ap);
	printf(" (%s)\n", strerror(errno));
	va_end(ap);
	exit(1);
}

/* expect(call's return, errno wanted, what): -1 with that errno. */
static void expect_err(int ret, int err, const char *what)
{
	if (ret != -1)
		fail("%s: succeeded, expected %s", what, strerror(err));
	else if (errno != err)
		fail("%s: %s, expected %s", what, strerror(errno),
		     strerror(err));
	else
		printf("# %s: %s, as expected\n", what, strerror(err));
}

static int uend_open(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die("open %s", path);
	return fd;
}

static void get_state(int fd, struct pvio_uend_state *st)
{
	memset(st, 0, sizeof(*st));
	if (ioctl(fd, PVIO_UEND_IOC_GET_STATE, st))
		die("GET_STATE");
}

static int set_state(int fd, uint32_t state)
{
	struct pvio_uend_set_state s = { .state = state };

	return ioctl(fd, PVIO_UEND_IOC_SET_STATE, &s);
}

static int store(int fd, unsigned long cmd, uint32_t area, const char *key,
		 const char *value, char *out)
{
	struct pvio_uend_store s = { .area = area };
	int ret;

	snprintf(s.key, sizeof(s.key), "%s", key);
	if (value)
		snprintf(s.value, sizeof(s.value), "%s", value);
	ret = ioctl(fd, cmd, &s);
	if (!ret && out)
		memcpy(out, s.value, sizeof(s.value));
	return ret;
}

/* ---- misuse ---- */

static sigjmp_buf fault_jmp;

static void on_fault(int sig)
{
	siglongjmp(fault_jmp, sig);
}

/* Does a read of @p fault? */
static int faults(volatile const unsigned char *p)
{
	struct sigaction sa = { .sa_handler = on_fault }, old_bus, old_segv;
	int sig;

	sigaction(SIGBUS, &sa, &old_bus);
	sigaction(SIGSEGV, &sa, &old_segv);
	sig = sigsetjmp(fault_jmp, 1);
	if (!sig)
		(void)*p;
	sigaction(SIGBUS, &old_bus, NULL);
	sigaction(SIGSEGV, &old_segv, NULL);
	return sig;
}

static int misuse(const char *path)
{
	struct pvio_uend_info info = { 0 };
	struct pvio_uend_set_state ss;
	struct pvio_uend_store st;
	struct pvio_uend_bind b;
	struct pvio_uend_notify n;
	unsigned char big[512];
	size_t ctl;
	void *m;
	pid_t pid;
	int fd, status;

	fd = uend_open(path);
	if (ioctl(fd, PVIO_UEND_IOC_INFO, &info))
		die("INFO");
	printf("# link %u vif%u: region %llu bytes, data at %llu, %u ports, generation %u\n",
	       info.link_id, info.dev_index,
	       (unsigned long long)info.region_size,
	       (unsigned long long)info.data_offset, info.nr_ports,
	       info.generation);
	if (info.abi != PVIO_UEND_ABI || info.dev_type != 1 ||
	    !info.region_size || info.data_offset >= info.region_size)
		fail("INFO makes no sense");
	ctl = info.data_offset;

	expect_err(open(path, O_RDWR), EBUSY, "a second open");

	/* Non-root: the node's mode refuses, and the capability would. */
	pid = fork();
	if (!pid) {
		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(2);
		_exit(open(path, O_RDWR) < 0 && errno == EACCES ? 0 : 1);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fail("nobody could open the device, or the check broke");
	else
		printf("# nobody cannot open it: EACCES, as expected\n");

	/* Bad arguments. */
	expect_err(ioctl(fd, _IOR(PVIO_UEND_IOC_MAGIC, 0x7f, info), &info),
		   ENOTTY, "an unknown ioctl");
	expect_err(ioctl(fd, _IO(PVIO_UEND_IOC_MAGIC, 0x02), 0), ENOTTY,
		   "SET_STATE without its direction");
	expect_err(ioctl(fd, _IOW(PVIO_UEND_IOC_MAGIC, 0x02, uint32_t), &ss),
		   EINVAL, "SET_STATE with a struct too short");
	memset(big, 0, sizeof(big));
	((struct pvio_uend_set_state *)big)->state = 77;
	expect_err(ioctl(fd, _IOW(PVIO_UEND_IOC_MAGIC, 0x02, big), big),
		   EINVAL, "SET_STATE, a longer struct, state 77");
	big[200] = 1;
	expect_err(ioctl(fd, _IOW(PVIO_UEND_IOC_MAGIC, 0x02, big), big), E2BIG,
		   "SET_STATE, a longer struct with a non-zero tail");
	expect_err(ioctl(fd, PVIO_UEND_IOC_INFO, (void *)8), EFAULT,
		   "INFO to a bad address");
	memset(&ss, 0, sizeof(ss));
	ss.state = PVIO_STATE_CONNECTED;
	ss.reserved[1] = 1;
	expect_err(ioctl(fd, PVIO_UEND_IOC_SET_STATE, &ss), EINVAL,
		   "SET_STATE with a reserved field set");
	ss.reserved[1] = 0;
	ss.flags = 1;
	expect_err(ioctl(fd, PVIO_UEND_IOC_SET_STATE, &ss), EINVAL,
		   "SET_STATE with a flag set");
	expect_err(set_state(fd, PVIO_STATE_UNKNOWN), EINVAL,
		   "SET_STATE Unknown");
	expect_err(set_state(fd, 1000), EINVAL, "SET_STATE 1000");
	/* From Closed (or Unknown) straight to Connected: illegal. */
	expect_err(set_state(fd, PVIO_STATE_CONNECTED), EINVAL,
		   "SET_STATE Connected from where the end is");
	expect_err(store(fd, PVIO_UEND_IOC_STORE_WRITE, PVIO_UEND_AREA_FRONTEND,
			 "x", "1", NULL), EPERM,
		   "STORE_WRITE to the frontend's area");
	expect_err(store(fd, PVIO_UEND_IOC_STORE_WRITE,
			 PVIO_UEND_AREA_TOOLSTACK, "mac", "1", NULL), EPERM,
		   "STORE_WRITE to the toolstack's area");
	expect_err(store(fd, PVIO_UEND_IOC_STORE_READ, 3, "x", NULL, NULL),
		   EINVAL, "STORE_READ of area 3");
	expect_err(store(fd, PVIO_UEND_IOC_STORE_READ, PVIO_UEND_AREA_BACKEND,
			 "", NULL, NULL), EINVAL, "STORE_READ of an empty key");
	expect_err(store(fd, PVIO_UEND_IOC_STORE_READ, PVIO_UEND_AREA_BACKEND,
			 "a b", NULL, NULL), EINVAL,
		   "STORE_READ of a key with a space");
	expect_err(store(fd, PVIO_UEND_IOC_STORE_READ, PVIO_UEND_AREA_BACKEND,
			 "0123456789012345678901234567", NULL, NULL), E2BIG,
		   "STORE_READ of a key too long once prefixed");
	memset(&st, 'k', sizeof(st));
	st.area = PVIO_UEND_AREA_BACKEND;
	st.flags = 0;
	memset(st.reserved, 0, sizeof(st.reserved));
	expect_err(ioctl(fd, PVIO_UEND_IOC_STORE_READ, &st), EINVAL,
		   "STORE_READ of a key without its NUL");
	memset(&st, 0, sizeof(st));
	st.area = PVIO_UEND_AREA_BACKEND;
	strcpy(st.key, "x");
	memset(st.value, 'v', sizeof(st.value));
	expect_err(ioctl(fd, PVIO_UEND_IOC_STORE_WRITE, &st), EINVAL,
		   "STORE_WRITE of a value without its NUL");
	expect_err(store(fd, PVIO_UEND_IOC_STORE_READ, PVIO_UEND_AREA_FRONTEND,
			 "nosuchkey", NULL, NULL), ENOENT,
		   "STORE_READ of a missing key");
	memset(&b, 0, sizeof(b));
	b.fd = eventfd(0, EFD_CLOEXEC);
	b.port = 0;
	expect_err(ioctl(fd, PVIO_UEND_IOC_BIND, &b), EINVAL,
		   "BIND of the control port");
	b.port = info.nr_ports;
	expect_err(ioctl(fd, PVIO_UEND_IOC_BIND, &b), EINVAL,
		   "BIND past the last port");
	b.port = 1;
	b.fd = fd;
	expect_err(ioctl(fd, PVIO_UEND_IOC_BIND, &b), EINVAL,
		   "BIND of something not an eventfd");
	b.fd = 9999;
	expect_err(ioctl(fd, PVIO_UEND_IOC_BIND, &b), EBADF,
		   "BIND of no file");
	b.fd = -1;
	expect_err(ioctl(fd, PVIO_UEND_IOC_BIND, &b), ENOENT,
		   "unbinding a port not bound");
	memset(&n, 0, sizeof(n));
	n.port = 1;
	expect_err(ioctl(fd, PVIO_UEND_IOC_NOTIFY, &n), ENOENT,
		   "NOTIFY of a port not bound");
	n.port = 5000;
	expect_err(ioctl(fd, PVIO_UEND_IOC_NOTIFY, &n), EINVAL,
		   "NOTIFY of no port");

	/* Mappings. */
	expect_err(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd,
			info.region_size) == MAP_FAILED ? -1 : 0,
		   EINVAL, "mmap past the region");
	expect_err(mmap(NULL, info.region_size + 4096, PROT_READ, MAP_SHARED,
			fd, 0) == MAP_FAILED ? -1 : 0,
		   EINVAL, "mmap longer than the region");
	expect_err(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			0) == MAP_FAILED ? -1 : 0,
		   EACCES, "mmap of the header read-write");
	expect_err(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) ==
		   MAP_FAILED ? -1 : 0, EINVAL, "a private mmap");
	m = mmap(NULL, ctl, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		die("mmap of the control pages");
	expect_err(mprotect(m, 4096, PROT_READ | PROT_WRITE), EACCES,
		   "mprotect of the header to read-write");
	if (le32toh(((struct pvio_link_header *)m)->magic) != PVIO_LINK_MAGIC)
		fail("no link magic in the mapped header");
	munmap(m, ctl);
	/* The last page, read-write, and not one byte more. */
	m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 info.region_size - 4096);
	expect_err(m == MAP_FAILED ? -1 : 0, EINVAL,
		   "mmap of the last page and one more");
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		 info.region_size - 4096);
	if (m == MAP_FAILED)
		die("mmap of the last page");
	if (faults(m))
		fail("the last page faults");
	if (mremap(m, 4096, 8192, 0) != MAP_FAILED)
		fail("mremap grew the mapping");
	else
		printf("# mremap cannot grow a mapping: %s\n", strerror(errno));
	munmap(m, 4096);
	close(b.fd);
	close(fd);
	/* Closed: open again at once. */
	fd = uend_open(path);
	close(fd);
	return failed;
}

/* ---- serve ---- */

struct served {
	int fd;
	int watch;		/* eventfd: the frontend moved */
	int kick;		/* eventfd: the frontend rang our port */
	unsigned int port;	/* the frontend's queue 0 port */
	unsigned int bound;	/* the port @kick is bound to, 0: none */
	struct pvio_uend_info info;
	const unsigned char *ctl;	/* header, store, grants: read-only */
	unsigned char *data;		/* rings and pool */
};

/* Wait until the frontend is in @want (30 s at most). */
static int wait_peer(struct served *s, uint32_t want)
{
	struct pvio_uend_state st;
	struct pollfd p = { .fd = s->watch, .events = POLLIN };
	uint64_t v;
	int i;

	for (i = 0; i < 300; i++) {
		get_state(s->fd, &st);
		if (st.peer_state == want)
			return 0;
		if (poll(&p, 1, 100) > 0 && read(s->watch, &v, sizeof(v)) < 0)
			die("read the watch eventfd");
	}
	fail("the frontend stayed in state %u, not %u", st.peer_state, want);
	return -1;
}

static void step(struct served *s, uint32_t state)
{
	if (set_state(s->fd, state))
		die("SET_STATE %u", state);
}

/* What the frontend's grant @gref names, in the data area; NULL if bad. */
static const void *granted(struct served *s, uint32_t gref)
{
	const struct pvio_grant_entry *g;
	uint32_t page;

	if (gref >= s->info.grant_entries)
		return NULL;
	g = (const void *)(s->ctl + s->info.grant_offset + 8ull * gref);
	if (!(le32toh(g->flags) & PVIO_GRANT_F_VALID))
		return NULL;
	page = le32toh(g->page);
	if ((uint64_t)page * 4096 >= s->info.region_size - s->info.data_offset)
		return NULL;
	return s->data + (uint64_t)page * 4096;
}

/*
 * One handshake: offer, InitWait, take the frontend's rings (claim its
 * nonce), Connected; a kick on the port, a kick back.
 */
static void handshake(struct served *s)
{
	char rings[PVIO_UEND_VALUE_MAX], q0[PVIO_UEND_VALUE_MAX];
	char nonce[PVIO_UEND_VALUE_MAX];
	int txreq, txrsp, rxreq, rxrsp;
	struct pvio_uend_bind b = { 0 };
	struct pvio_uend_notify n = { 0 };
	struct pollfd p;
	const struct pvio_ring_shared *rx;
	unsigned int nr, order, feat;
	uint64_t v;
	char offer[64];

	snprintf(offer, sizeof(offer), "1 8 %u", PVIO_NETIF_FEAT_NONCE);
	if (store(s->fd, PVIO_UEND_IOC_STORE_WRITE, PVIO_UEND_AREA_BACKEND,
		  "back", offer, NULL))
		die("STORE_WRITE back");
	step(s, PVIO_STATE_INITWAIT);
	printf("# InitWait, offering \"%s\"\n", offer);
	if (wait_peer(s, PVIO_STATE_INITIALISED))
		exit(1);
	if (store(s->fd, PVIO_UEND_IOC_STORE_READ, PVIO_UEND_AREA_FRONTEND,
		  "nonce", NULL, nonce) ||
	    store(s->fd, PVIO_UEND_IOC_STORE_READ, PVIO_UEND_AREA_FRONTEND,
		  "rings", NULL, rings) ||
	    store(s->fd, PVIO_UEND_IOC_STORE_READ, PVIO_UEND_AREA_FRONTEND,
		  "q0", NULL, q0))
		die("STORE_READ of the frontend's keys");
	printf("# frontend: nonce %s, rings \"%s\", q0 \"%s\"\n", nonce, rings,
	       q0);
	if (sscanf(rings, "%u %u %u", &nr, &order, &feat) != 3 || nr != 1 ||
	    sscanf(q0, "%d %d %d %d %u", &txreq, &txrsp, &rxreq, &rxrsp,
		   &s->port) != 5 || !s->port || s->port >= s->info.nr_ports)
		die("the frontend's keys make no sense");
	/* Claim its description: our nonce is its. */
	if (store(s->fd, PVIO_UEND_IOC_STORE_WRITE, PVIO_UEND_AREA_BACKEND,
		  "nonce", nonce, NULL))
		die("STORE_WRITE nonce");
	if (s->bound != s->port) {
		if (s->bound) {
			b.port = s->bound;
			b.fd = -1;
			if (ioctl(s->fd, PVIO_UEND_IOC_BIND, &b))
				die("unbind port %u", s->bound);
		}
		b.port = s->port;
		b.fd = s->kick;
		if (ioctl(s->fd, PVIO_UEND_IOC_BIND, &b))
			die("BIND port %u", s->port);
		s->bound = s->port;
		expect_err(ioctl(s->fd, PVIO_UEND_IOC_BIND, &b), EBUSY,
			   "BIND of a port bound");
	}
	step(s, PVIO_STATE_CONNECTED);
	if (wait_peer(s, PVIO_STATE_CONNECTED))
		exit(1);
	printf("# Connected\n");
	/* Connected, the frontend posts its receive buffers and rings. */
	p = (struct pollfd){ .fd = s->kick, .events = POLLIN };
	if (poll(&p, 1, 10000) != 1 || read(s->kick, &v, sizeof(v)) != 8)
		fail("no kick from the frontend on port %u", s->port);
	else
		printf("# the frontend rang port %u\n", s->port);
	rx = granted(s, rxreq);
	if (!rx)
		fail("the rx request ring's grant %d does not resolve", rxreq);
	else if (!le32toh(rx->prod))
		fail("the frontend posted no receive buffer");
	else
		printf("# the frontend posted %u receive buffers\n",
		       le32toh(rx->prod));
	n.port = s->port;
	if (ioctl(s->fd, PVIO_UEND_IOC_NOTIFY, &n))
		fail("NOTIFY port %u: %s", s->port, strerror(errno));
}

static int serve(const char *path)
{
	struct pvio_uend_state st;
	struct served s = { 0 };
	const struct pvio_link_header *hdr;
	struct pvio_uend_watch w = { 0 };
	char mac[PVIO_UEND_VALUE_MAX];
	struct pollfd p;
	uint64_t v;
	int i;

	s.fd = uend_open(path);
	if (ioctl(s.fd, PVIO_UEND_IOC_INFO, &s.info))
		die("INFO");
	s.ctl = mmap(NULL, s.info.data_offset, PROT_READ, MAP_SHARED, s.fd, 0);
	s.data = mmap(NULL, s.info.region_size - s.info.data_offset,
		      PROT_READ | PROT_WRITE, MAP_SHARED, s.fd,
		      s.info.data_offset);
	if (s.ctl == MAP_FAILED || s.data == MAP_FAILED)
		die("mmap");
	hdr = (const void *)s.ctl;
	printf("# header: magic %#x, abi %u, %u pages, generation %u (the core says %u)\n",
	       le32toh(hdr->magic), le32toh(hdr->abi_version),
	       le32toh(hdr->region_pages), le32toh(hdr->generation),
	       s.info.generation);
	if (le32toh(hdr->magic) != PVIO_LINK_MAGIC ||
	    le32toh(hdr->abi_version) != PVIO_LINK_ABI ||
	    (uint64_t)le32toh(hdr->region_pages) * 4096 != s.info.region_size ||
	    le32toh(hdr->generation) != s.info.generation ||
	    le32toh(hdr->data_offset) * 4096ull != s.info.data_offset)
		fail("the mapped header is not the link's");
	if (store(s.fd, PVIO_UEND_IOC_STORE_READ, PVIO_UEND_AREA_TOOLSTACK,
		  "mac", NULL, mac))
		fail("no mac in the toolstack's records: %s", strerror(errno));
	else
		printf("# the toolstack gave the frontend mac %s\n", mac);

	s.watch = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s.kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	w.fd = s.watch;
	if (s.watch < 0 || s.kick < 0 || ioctl(s.fd, PVIO_UEND_IOC_WATCH, &w))
		die("eventfds");

	/* Wherever a previous backend left the end: start afresh. */
	get_state(s.fd, &st);
	if (st.state != PVIO_STATE_INITIALISING &&
	    set_state(s.fd, PVIO_STATE_INITIALISING))
		die("SET_STATE Initialising from %u", st.state);
	handshake(&s);
	/*
	 * And back, as a backend that lets go: Closing, the claim withdrawn,
	 * Closed; the frontend loses us. Then InitWait and Connected again.
	 */
	step(&s, PVIO_STATE_CLOSING);
	if (store(s.fd, PVIO_UEND_IOC_STORE_REMOVE, PVIO_UEND_AREA_BACKEND,
		  "nonce", NULL, NULL))
		die("STORE_REMOVE nonce");
	step(&s, PVIO_STATE_CLOSED);
	for (i = 0; i < 300; i++) {
		get_state(s.fd, &st);
		if (st.peer_state != PVIO_STATE_CONNECTED)
			break;
		usleep(100000);
	}
	if (st.peer_state == PVIO_STATE_CONNECTED)
		fail("the frontend stayed Connected to a Closed backend");
	else
		printf("# the frontend let go: state %u\n", st.peer_state);
	step(&s, PVIO_STATE_INITIALISING);
	handshake(&s);
	get_state(s.fd, &st);
	if (!st.peer_alive)
		fail("the frontend's heartbeat is not seen");
	printf("connected %u\n", s.port);
	fflush(stdout);
	if (failed)
		return 1;

	/* Until killed, or until the device goes. */
	for (;;) {
		p = (struct pollfd){ .fd = s.watch, .events = POLLIN };
		poll(&p, 1, 200);
		if (read(s.watch, &v, sizeof(v)) < 0 && errno != EAGAIN)
			die("read the watch eventfd");
		memset(&st, 0, sizeof(st));
		if (!ioctl(s.fd, PVIO_UEND_IOC_GET_STATE, &st))
			continue;
		if (errno != ENODEV)
			die("GET_STATE");
		break;
	}
	printf("# the device went: ENODEV\n");
	if (set_state(s.fd, PVIO_STATE_CLOSING) != -1 || errno != ENODEV)
		fail("SET_STATE after the device went: not ENODEV");
	for (i = 0; i < 2; i++) {
		const volatile unsigned char *a = i ? s.data : s.ctl;

		if (faults(a) != SIGBUS)
			fail("the region is still mapped (%s)",
			     i ? "data" : "control");
	}
	if (mmap(NULL, 4096, PROT_READ, MAP_SHARED, s.fd, 0) != MAP_FAILED ||
	    errno != ENODEV)
		fail("mmap after the device went: not ENODEV");
	printf("gone\n");
	return failed;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "misuse"))
		return misuse(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "serve"))
		return serve(argv[2]);
	fprintf(stderr, "usage: pvio_uend misuse|serve DEV\n");
	return 2;
}
