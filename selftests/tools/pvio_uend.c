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
 *                          serves the vif as a tiny host 10.99.0.1 that
 *                          answers ARP and ping ("# answered ..." lines),
 *                          until the device goes (unbind: then it checks
 *                          its calls fail and its mapping is gone) or it
 *                          is killed
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
	unsigned int order;		/* the rings' */
	int grefs[4];			/* tx req, tx rsp, rx req, rx rsp */
	struct pvio_ring rings[4];
	unsigned long arp, ping, dropped, tx;
};

enum { TX_REQ, TX_RSP, RX_REQ, RX_RSP };

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

/*
 * What the frontend's grant @gref names, in the data area; NULL if bad
 * (or read-only, when we are to @write it). The entry is read once.
 */
static void *granted_rw(struct served *s, uint32_t gref, int write)
{
	const struct pvio_grant_entry *g;
	uint32_t page, flags;

	if (gref >= s->info.grant_entries)
		return NULL;
	g = (const void *)(s->ctl + s->info.grant_offset + 8ull * gref);
	flags = le32toh(READ_ONCE(g->flags));
	page = le32toh(READ_ONCE(g->page));
	if (!(flags & PVIO_GRANT_F_VALID) ||
	    (write && (flags & PVIO_GRANT_F_READONLY)))
		return NULL;
	if ((uint64_t)page * 4096 >= s->info.region_size - s->info.data_offset)
		return NULL;
	return s->data + (uint64_t)page * 4096;
}

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
	int i, kicked = 0;
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
	    order < PVIO_NETIF_RING_ORDER_MIN || order > 8 || feat ||
	    sscanf(q0, "%d %d %d %d %u", &txreq, &txrsp, &rxreq, &rxrsp,
		   &s->port) != 5 || !s->port || s->port >= s->info.nr_ports)
		die("the frontend's keys make no sense");
	s->order = order;
	s->grefs[TX_REQ] = txreq;
	s->grefs[TX_RSP] = txrsp;
	s->grefs[RX_REQ] = rxreq;
	s->grefs[RX_RSP] = rxrsp;
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
	/* Kicks of the rings before: not what we wait for below. */
	while (read(s->kick, &v, sizeof(v)) == 8)
		;
	step(s, PVIO_STATE_CONNECTED);
	if (wait_peer(s, PVIO_STATE_CONNECTED))
		exit(1);
	printf("# Connected\n");
	/*
	 * Connected, the frontend posts its receive buffers and rings:
	 * a kick, then the buffers in the ring (each kick says "look").
	 */
	rx = granted(s, rxreq);
	if (!rx)
		fail("the rx request ring's grant %d does not resolve", rxreq);
	p = (struct pollfd){ .fd = s->kick, .events = POLLIN };
	for (i = 0; rx && i < 10; i++) {
		if (poll(&p, 1, 1000) == 1 && read(s->kick, &v, 8) == 8)
			kicked = 1;
		if (kicked && le32toh(READ_ONCE(rx->prod)))
			break;
	}
	if (!kicked)
		fail("no kick from the frontend on port %u", s->port);
	else if (rx && !le32toh(READ_ONCE(rx->prod)))
		fail("the frontend posted no receive buffer");
	else if (rx)
		printf("# the frontend rang port %u, posted %u receive buffers\n",
		       s->port, le32toh(READ_ONCE(rx->prod)));
	n.port = s->port;
	if (ioctl(s->fd, PVIO_UEND_IOC_NOTIFY, &n))
		fail("NOTIFY port %u: %s", s->port, strerror(errno));
}

/* ---- a tiny host on the vif: ARP and ping ---- */

static const uint8_t our_mac[6] = { 0x02, 0x00, 0x5e, 0x10, 0x00, 0x01 };
static const uint8_t our_ip[4] = { 10, 99, 0, 1 };
static const uint32_t entry_size[4] = {
	sizeof(struct pvio_netif_tx_request),
	sizeof(struct pvio_netif_tx_response),
	sizeof(struct pvio_netif_rx_request),
	sizeof(struct pvio_netif_rx_response),
};

/* Attach the four rings: consecutive grants of consecutive pages. */
static int attach_rings(struct served *s)
{
	size_t bytes, pages, i;
	unsigned char *first;
	int r;

	for (r = 0; r < 4; r++) {
		bytes = PVIO_RING_BYTES(s->order, entry_size[r]);
		pages = (bytes + 4095) / 4096;
		first = granted_rw(s, s->grefs[r], 1);
		for (i = 0; first && i < pages; i++)
			if (granted_rw(s, s->grefs[r] + i, 1) !=
			    first + i * 4096)
				first = NULL;
		if (!first || pvio_ring_attach(&s->rings[r], (void *)first,
					       s->order, entry_size[r]))
			return -1;
	}
	return 0;
}

static uint16_t csum(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += p[0] << 8 | p[1];
	if (len)
		sum += p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* The answer to frame @f of @len bytes into @out, or 0. */
static size_t answer(struct served *s, const uint8_t *f, size_t len,
		     uint8_t *out)
{
	size_t ihl, iplen;
	uint16_t c;

	if (len >= 42 && f[12] == 0x08 && f[13] == 0x06 &&
	    f[20] == 0 && f[21] == 1 && !memcmp(f + 38, our_ip, 4)) {
		memcpy(out, f + 6, 6);
		memcpy(out + 6, our_mac, 6);
		memcpy(out + 12, f + 12, 8);
		out[21] = 2;
		memcpy(out + 22, our_mac, 6);
		memcpy(out + 28, our_ip, 4);
		memcpy(out + 32, f + 22, 10);
		s->arp++;
		printf("# answered ARP %lu\n", s->arp);
		return 42;
	}
	if (len < 34 || f[12] != 0x08 || f[13] != 0x00 || (f[14] >> 4) != 4)
		return 0;
	ihl = (f[14] & 15) * 4;
	iplen = f[16] << 8 | f[17];
	if (ihl < 20 || iplen < ihl + 8 || 14 + iplen > len || f[23] != 1 ||
	    memcmp(f + 30, our_ip, 4) || f[14 + ihl] != 8 || iplen > 4000)
		return 0;
	memcpy(out, f + 6, 6);
	memcpy(out + 6, our_mac, 6);
	memcpy(out + 12, f + 12, 14 + iplen - 12);
	memcpy(out + 26, f + 30, 4);
	memcpy(out + 30, f + 26, 4);
	out[14 + ihl] = 0;
	out[14 + ihl + 2] = 0;
	out[14 + ihl + 3] = 0;
	c = csum(out + 14 + ihl, iplen - ihl);
	out[14 + ihl + 2] = c >> 8;
	out[14 + ihl + 3] = c;
	s->ping++;
	printf("# answered ping %lu\n", s->ping);
	return 14 + iplen;
}

/* Into the frontend's next receive buffer; dropped if it has none. */
static int deliver(struct served *s, const uint8_t *f, size_t len)
{
	struct pvio_netif_rx_request req;
	struct pvio_netif_rx_response *rsp;
	uint8_t *buf;

	if (pvio_ring_avail(&s->rings[RX_REQ]) <= 0 ||
	    pvio_ring_cons_copy(&s->rings[RX_REQ], &req))
		goto drop;
	rsp = pvio_ring_prod_slot(&s->rings[RX_RSP]);
	buf = granted_rw(s, le32toh(req.gref), 1);
	if (!rsp || !buf)
		return -1;
	memcpy(buf, f, len);
	rsp->id = req.id;
	rsp->len = htole16(len);
	pvio_ring_prod_push(&s->rings[RX_RSP]);
	return 0;
drop:
	s->dropped++;
	return 0;
}

/* Take the frontend's packets, answer them. Returns < 0 if it broke. */
static int poll_rings(struct served *s)
{
	static uint8_t frame[PVIO_NETIF_FRAME_MAX], out[4096];
	struct pvio_netif_tx_request req;
	struct pvio_netif_tx_response *rsp;
	struct pvio_uend_notify n = { .port = s->port };
	size_t len, got, alen;
	unsigned int i;
	int kick = 0, more;
	const uint8_t *seg;

	do {
		while (pvio_ring_avail(&s->rings[TX_REQ]) > 0) {
			if (pvio_ring_cons_copy(&s->rings[TX_REQ], &req))
				return -1;
			len = le32toh(req.len);
			got = 0;
			if (!req.nr_segs || req.nr_segs > PVIO_NETIF_TX_SEGS_MAX ||
			    req.flags || len < PVIO_NETIF_FRAME_MIN ||
			    len > PVIO_NETIF_FRAME_MAX)
				return -1;
			for (i = 0; i < req.nr_segs; i++) {
				uint32_t off = le16toh(req.seg[i].offset);
				uint32_t sl = le16toh(req.seg[i].len);

				seg = granted(s, le32toh(req.seg[i].gref));
				if (!seg || off + sl > 4096 || got + sl > len)
					return -1;
				memcpy(frame + got, seg + off, sl);
				got += sl;
			}
			if (got != len)
				return -1;
			s->tx++;
			rsp = pvio_ring_prod_slot(&s->rings[TX_RSP]);
			if (!rsp)
				return -1;
			rsp->id = req.id;
			rsp->status = htole16(PVIO_NETIF_RSP_OK);
			pvio_ring_prod_push(&s->rings[TX_RSP]);
			alen = answer(s, frame, len, out);
			if (alen && deliver(s, out, alen))
				return -1;
		}
		kick |= pvio_ring_cons_release(&s->rings[TX_REQ]);
		kick |= pvio_ring_cons_release(&s->rings[RX_REQ]);
		kick |= pvio_ring_publish(&s->rings[TX_RSP]);
		kick |= pvio_ring_publish(&s->rings[RX_RSP]);
		pvio_ring_cons_enable_notify(&s->rings[TX_REQ]);
		more = pvio_ring_avail(&s->rings[TX_REQ]);
		if (more < 0)
			return -1;
	} while (more > 0);
	if (kick && ioctl(s->fd, PVIO_UEND_IOC_NOTIFY, &n))
		return -1;
	return 0;
}

static sigjmp_buf serve_jmp;

static void on_serve_fault(int sig)
{
	siglongjmp(serve_jmp, sig);
}

static int serve(const char *path)
{
	struct sigaction sa = { .sa_handler = on_serve_fault };
	struct pvio_uend_state st;
	struct served s = { 0 };
	const struct pvio_link_header *hdr;
	struct pvio_uend_watch w = { 0 };
	char mac[PVIO_UEND_VALUE_MAX];
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
	if (attach_rings(&s))
		fail("the frontend's rings do not resolve");
	printf("connected %u\n", s.port);
	fflush(stdout);
	if (failed)
		return 1;

	/*
	 * Until killed, or until the device goes: then the region goes
	 * too, and a touch of it between two looks is SIGBUS.
	 */
	if (sigsetjmp(serve_jmp, 1)) {
		printf("# SIGBUS: the region went\n");
		goto gone;
	}
	sigaction(SIGBUS, &sa, NULL);
	for (;;) {
		struct pollfd pf[2] = {
			{ .fd = s.watch, .events = POLLIN },
			{ .fd = s.kick, .events = POLLIN },
		};

		poll(pf, 2, 200);
		if (read(s.watch, &v, sizeof(v)) < 0 && errno != EAGAIN)
			die("read the watch eventfd");
		if (read(s.kick, &v, sizeof(v)) < 0 && errno != EAGAIN)
			die("read the kick eventfd");
		if (s.rings[TX_REQ].sh && poll_rings(&s)) {
			/* As a kernel backend: stop serving a broken peer. */
			printf("# the frontend broke the protocol\n");
			memset(s.rings, 0, sizeof(s.rings));
		}
		memset(&st, 0, sizeof(st));
		if (!ioctl(s.fd, PVIO_UEND_IOC_GET_STATE, &st))
			continue;
		if (errno != ENODEV)
			die("GET_STATE");
		break;
	}
gone:
	signal(SIGBUS, SIG_DFL);
	memset(&st, 0, sizeof(st));
	if (ioctl(s.fd, PVIO_UEND_IOC_GET_STATE, &st) != -1 || errno != ENODEV)
		fail("GET_STATE after the device went: not ENODEV");
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
