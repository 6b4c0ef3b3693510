// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The pvio authors. */
/*
 * ivshmem_litmus: memory-ordering litmus tests between two VMs that map the
 * same ivshmem region (BAR2 of a QEMU ivshmem device, 1af4:1110), run by
 * selftests/tests/ivshmem_litmus.host.sh. QEMU's TCG drops the guest's
 * barriers and atomics unless it translates for parallel vCPUs
 * (CF_PARALLEL); two QEMU processes sharing memory then may not order a
 * store before a later load for each other. This measures it.
 *
 * usage: ivshmem_litmus [-d RESOURCE] [-s SECS] [-n ROUNDS] [-m ROUNDS]
 *                       [-c COUNT] [-j JITTER] [-w SECS]
 *                       a|b NONCE TEST[,TEST...]
 *   a|b       this VM's side; the other VM runs the other with the same
 *             NONCE and TESTs (both checked)
 *   NONCE     a number both sides are given, so neither takes a stale
 *             region for its peer
 *   TEST      sb-none, sb-mfence, sb-lock, sb-xchg, mp-plain, mp-fence
 *   -d        the BAR to map (default: resource2 of the first 1af4:1110
 *             device in /sys/bus/pci/devices)
 *   -s, -n    each test runs until SECS seconds (default 20) or ROUNDS
 *             rounds (default 100000) pass, whichever comes first; side
 *             a decides, side b follows
 *   -m, -c    but past SECS, up to 2 * SECS, until at least ROUNDS
 *             (fenced) rounds and, in sb, COUNT forbidden outcomes of the
 *             unfenced ones (defaults 0): with the host's cores busy a
 *             round may wait for a VM to be scheduled, and two VMs that
 *             seldom run at the same time seldom reorder
 *   -j        the most either side waits, in loop turns drawn at random
 *             each round, before its part of a round (default 64): it
 *             varies which side's accesses come first
 *   -w        how long to wait for the peer to start (default 120)
 *
 * Patterns (x, y, data, flag start at 0 each round; r1 is a's, r2 b's):
 *   sb  a: x = 1; BARRIER; r1 = y       b: y = 1; BARRIER; r2 = x
 *       forbidden with a full barrier: r1 == 0 && r2 == 0
 *       none:   no barrier (the control: x86 itself may reorder it)
 *       mfence: mfence
 *       lock:   lock addl $0,-4(%rsp), the kernel's smp_mb()/virt_mb()
 *       xchg:   the store by xchg, the kernel's smp_store_mb()
 *   mp  a: data = 1; WMB; flag = 1      b: wait for flag; RMB; r2 = data
 *       forbidden: flag seen and r2 == 0
 *       plain:  compiler barriers (smp_wmb()/smp_rmb() on x86)
 *       fence:  sfence and lfence (wmb()/rmb())
 *
 * Each round both sides meet through a counter each owns (one writer per
 * field, no read-modify-write across VMs), wait a little (the jitter, and
 * in sb an offset that holds back the side that tends to go first), run
 * their part, publish their result and meet again. Prints per test, on
 * both sides:
 *   litmus TEST rounds=N secs=S r00=N r01=N r10=N r11=N forbidden=N [...] offset=N
 * with rXY the rounds where r1 == X and r2 == Y (for mp: r1 is whether b
 * saw the flag, r2 what it read from data; r0Y counts rounds b gave up
 * waiting) and the offset where it ended. A fenced sb test runs every
 * other round without its barrier, the control, and adds
 *   control=N control_forbidden=N
 * (rounds counts the fenced ones only). Exits 0 once every test ran
 * (whatever it found), 1 on error.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LINE		64
#define REGION_MIN	(16 * LINE)

/* The region: each line has one writer. */
enum {
	L_SIDE_A,	/* struct side of a */
	L_SIDE_B,	/* struct side of b */
	L_X = 4,	/* sb: written by a */
	L_Y = 6,	/* sb: written by b */
	L_DATA = 8,	/* mp: written by a */
	L_FLAG = 10,	/* mp: written by a */
};

struct side {
	volatile uint64_t hello;	/* nonce ^ tests hash, once started */
	volatile uint64_t tick;		/* meeting counter */
	volatile uint64_t stop;		/* a: tick at which the test ends */
	volatile uint64_t result;	/* this side's result of the round */
};

enum pattern { SB, MP };
enum barrier { B_NONE, B_MFENCE, B_LOCK, B_XCHG, B_PLAIN, B_FENCE };

static const struct test {
	const char *name;
	enum pattern pat;
	enum barrier bar;
} tests[] = {
	{ "sb-none", SB, B_NONE },
	{ "sb-mfence", SB, B_MFENCE },
	{ "sb-lock", SB, B_LOCK },
	{ "sb-xchg", SB, B_XCHG },
	{ "mp-plain", MP, B_PLAIN },
	{ "mp-fence", MP, B_FENCE },
};

static volatile uint8_t *region;
static struct side *me, *peer;
static bool side_a;
static unsigned int jitter = 64;
static uint64_t tick;
static time_t peer_wait = 120;

#define VAR(l)	(*(volatile uint32_t *)(region + (l) * LINE))

/* fail: print the message (and errno's, if set) and exit 1. */
static void __attribute__((noreturn, format(printf, 1, 2)))
fail(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	fprintf(stderr, "ivshmem_litmus: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s%s\n", err ? ": " : "", err ? strerror(err) : "");
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* xorshift64: the jitter need not be good, only differ per side. */
static uint64_t rnd_state;

static unsigned int rnd(unsigned int n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return n ? rnd_state % n : 0;
}

static void delay(unsigned int turns)
{
	while (turns--)
		asm volatile("" ::: "memory");
}

/*
 * meet: publish the next tick and wait until the peer's reaches it. Gives
 * up (exits) if the peer does not move for peer_wait seconds: it died.
 * Spins SPINS turns (tens of microseconds under TCG) before it sleeps.
 */
#define SPINS		8192

static void meet(void)
{
	unsigned long spins = 0;
	double give_up = 0;

	tick++;
	me->tick = tick;
	while (peer->tick < tick) {
		if (++spins < SPINS)
			continue;
		/*
		 * The peer's vCPU is not running: with the host's cores
		 * busy, spinning on would keep it off one. Idle this vCPU
		 * (its QEMU thread sleeps) until the peer comes.
		 */
		usleep(50);
		if (!give_up)
			give_up = now() + peer_wait;
		else if (now() > give_up) {
			errno = 0;
			fail("the peer stopped at tick %llu",
			     (unsigned long long)peer->tick);
		}
	}
}

/* The patterns. Each returns this side's result of the round. */
static uint32_t sb(enum barrier bar)
{
	volatile uint32_t *mine = side_a ? &VAR(L_X) : &VAR(L_Y);
	volatile uint32_t *theirs = side_a ? &VAR(L_Y) : &VAR(L_X);
	uint32_t one = 1;

	switch (bar) {
	case B_MFENCE:
		*mine = 1;
		asm volatile("mfence" ::: "memory");
		break;
	case B_LOCK:
		*mine = 1;
		asm volatile("lock addl $0,-4(%%rsp)" ::: "memory", "cc");
		break;
	case B_XCHG:
		asm volatile("xchgl %0,%1" : "+r"(one), "+m"(*mine) :: "memory");
		break;
	default:
		*mine = 1;
		asm volatile("" ::: "memory");
		break;
	}
	return *theirs;
}

/* Side b: 1 << 1 if it saw the flag, | 1 if it then read data as 1. */
static uint32_t mp(enum barrier bar)
{
	unsigned long spins;
	uint32_t data;

	if (side_a) {
		VAR(L_DATA) = 1;
		if (bar == B_FENCE)
			asm volatile("sfence" ::: "memory");
		else
			asm volatile("" ::: "memory");
		VAR(L_FLAG) = 1;
		return 0;
	}
	for (spins = 0; !VAR(L_FLAG); spins++)
		if (spins > 100000)
			return VAR(L_DATA);
	if (bar == B_FENCE)
		asm volatile("lfence" ::: "memory");
	else
		asm volatile("" ::: "memory");
	data = VAR(L_DATA);
	return 2 | data;
}

/*
 * The side that reaches a meeting last leaves it first (the other learns
 * of it one cache-line transfer later, in TCG many instructions), so one
 * side's accesses tend to come all before the other's and sb's forbidden
 * outcome, which needs them to overlap, is rare. Every WINDOW rounds of
 * sb, the side that went first more often (r10: b did, r01: a did) waits
 * longer: offset > 0 delays b by offset loop turns, < 0 delays a. Both
 * sides see the same results and so keep the same offset.
 */
#define WINDOW		64
#define OFFSET_MAX	4096

/* enough: has sb's unfenced control reordered min_control times? */
static bool enough(const struct test *t, const unsigned long *count,
		   const unsigned long *ctl, unsigned long min_control)
{
	if (t->pat != SB)
		return true;
	return (t->bar == B_NONE ? count[0] : ctl[0]) >= min_control;
}

static void run(const struct test *t, double secs, unsigned long max_rounds,
		unsigned long min_rounds, unsigned long min_control)
{
	unsigned long count[4] = { 0 }, ctl[4] = { 0 }, rounds = 0, fenced = 0;
	unsigned long w01 = 0, w10 = 0;
	double start = now(), end = start + secs, took, t_now;
	bool interleave = t->pat == SB && t->bar != B_NONE, control;
	uint32_t r, r1, r2;
	long offset = 0;
	unsigned int d;

	for (;;) {
		/* Round start: a decides whether there is one. */
		if (side_a && (rounds >= max_rounds ||
			       (!(rounds & 63) && (t_now = now()) > end &&
				((fenced >= min_rounds &&
				  enough(t, count, ctl, min_control)) ||
				 t_now > end + secs))))
			me->stop = tick + 1;
		meet();
		if ((side_a ? me : peer)->stop == tick)
			break;
		/*
		 * Every other round of a fenced sb test goes without the
		 * barrier: whether those reorder says whether the fenced
		 * ones could have, in the same seconds (the VMs may not run
		 * at the same time while the host's cores are busy).
		 */
		control = interleave && (rounds & 1);
		d = rnd(jitter);
		if (side_a ? offset < 0 : offset > 0)
			d += labs(offset);
		delay(d);
		if (t->pat == SB)
			r = sb(control ? B_NONE : t->bar);
		else
			r = mp(t->bar);
		me->result = r;
		meet();
		/* Both sides are done with the shared variables. */
		if (t->pat == SB) {
			r1 = side_a ? r : peer->result;
			r2 = side_a ? peer->result : r;
			*(side_a ? &VAR(L_X) : &VAR(L_Y)) = 0;
		} else {
			r = side_a ? peer->result : r;
			r1 = r >> 1;
			r2 = r & 1;
			if (side_a) {
				VAR(L_DATA) = 0;
				VAR(L_FLAG) = 0;
			}
		}
		(control ? ctl : count)[r1 << 1 | r2]++;
		fenced += !control;
		rounds++;
		if (t->pat != SB)
			continue;
		w01 += r1 == 0 && r2 == 1;
		w10 += r1 == 1 && r2 == 0;
		if (rounds % WINDOW)
			continue;
		offset += ((long)w10 - (long)w01) / 4;
		if (offset > OFFSET_MAX)
			offset = OFFSET_MAX;
		if (offset < -OFFSET_MAX)
			offset = -OFFSET_MAX;
		w01 = w10 = 0;
	}
	took = now() - start;
	printf("litmus %s rounds=%lu secs=%.1f r00=%lu r01=%lu r10=%lu r11=%lu forbidden=%lu",
	       t->name, fenced, took, count[0], count[1], count[2], count[3],
	       t->pat == SB ? count[0] : count[2]);
	if (interleave)
		printf(" control=%lu control_forbidden=%lu",
		       ctl[0] + ctl[1] + ctl[2] + ctl[3], ctl[0]);
	printf(" offset=%ld\n", offset);
	fflush(stdout);
}

/* The first ivshmem device's BAR2, or "" if there is none. */
static void find_bar(char *path, size_t len)
{
	const char *dir = "/sys/bus/pci/devices";
	char buf[64], p[512];
	struct dirent *d;
	DIR *dp;
	FILE *f;

	*path = 0;
	dp = opendir(dir);
	if (!dp)
		fail("cannot open %s", dir);
	while ((d = readdir(dp))) {
		unsigned int vendor = 0, device = 0;

		if (d->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s/vendor", dir, d->d_name);
		f = fopen(p, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f))
			vendor = strtoul(buf, NULL, 0);
		fclose(f);
		snprintf(p, sizeof(p), "%s/%s/device", dir, d->d_name);
		f = fopen(p, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f))
			device = strtoul(buf, NULL, 0);
		fclose(f);
		if (vendor == 0x1af4 && device == 0x1110) {
			snprintf(path, len, "%s/%s/resource2", dir, d->d_name);
			break;
		}
	}
	closedir(dp);
}

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 1099511628211ULL;
	return h;
}

static void usage(void)
{
	fprintf(stderr, "usage: ivshmem_litmus [-d RESOURCE] [-s SECS] [-n ROUNDS] [-m ROUNDS] [-c COUNT] [-j JITTER] [-w SECS] a|b NONCE TEST[,TEST...]\n"
		"(see the comment at the top of ivshmem_litmus.c)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const struct test *run_list[64];
	unsigned long max_rounds = 100000, min_rounds = 0, min_control = 0;
	char path[512] = "", *list, *tok;
	unsigned int i, n = 0;
	double secs = 20, give_up;
	uint64_t hello;
	struct stat st;
	int opt, fd;

	while ((opt = getopt(argc, argv, "d:s:n:m:c:j:w:")) != -1) {
		switch (opt) {
		case 'd': snprintf(path, sizeof(path), "%s", optarg); break;
		case 's': secs = atof(optarg); break;
		case 'n': max_rounds = strtoul(optarg, NULL, 0); break;
		case 'm': min_rounds = strtoul(optarg, NULL, 0); break;
		case 'c': min_control = strtoul(optarg, NULL, 0); break;
		case 'j': jitter = strtoul(optarg, NULL, 0); break;
		case 'w': peer_wait = strtol(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (argc - optind != 3 || (strcmp(argv[optind], "a") &&
				   strcmp(argv[optind], "b")))
		usage();
	side_a = !strcmp(argv[optind], "a");
	hello = strtoull(argv[optind + 1], NULL, 0) ^ hash(argv[optind + 2]);
	list = strdup(argv[optind + 2]);
	for (tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++)
			if (!strcmp(tok, tests[i].name))
				break;
		errno = 0;
		if (i == sizeof(tests) / sizeof(tests[0]))
			fail("unknown test %s", tok);
		if (n == sizeof(run_list) / sizeof(run_list[0]))
			fail("too many tests");
		run_list[n++] = &tests[i];
	}
	if (!n)
		usage();

	if (!*path)
		find_bar(path, sizeof(path));
	errno = 0;
	if (!*path)
		fail("no ivshmem device (1af4:1110)");
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0 || fstat(fd, &st))
		fail("cannot open %s", path);
	errno = 0;
	if (st.st_size < REGION_MIN)
		fail("%s is too small", path);
	region = mmap(NULL, REGION_MIN, PROT_READ | PROT_WRITE, MAP_SHARED,
		      fd, 0);
	if (region == MAP_FAILED)
		fail("cannot map %s", path);
	me = (struct side *)(region + (side_a ? L_SIDE_A : L_SIDE_B) * LINE);
	peer = (struct side *)(region + (side_a ? L_SIDE_B : L_SIDE_A) * LINE);
	rnd_state = hello ^ (side_a ? 0x9e3779b97f4a7c15ULL : 0xc2b2ae3d27d4eb4fULL);
	rnd_state |= 1;

	/* Each side clears what it writes, then says hello. */
	me->tick = 0;
	me->stop = 0;
	me->result = 0;
	if (side_a) {
		VAR(L_X) = 0;
		VAR(L_DATA) = 0;
		VAR(L_FLAG) = 0;
	} else {
		VAR(L_Y) = 0;
	}
	me->hello = hello;
	printf("litmus side %s: %s, peer...\n", side_a ? "a" : "b", path);
	fflush(stdout);
	give_up = now() + peer_wait;
	while (peer->hello != hello) {
		if (now() > give_up) {
			errno = 0;
			fail("no peer with the same nonce and tests after %lds",
			     (long)peer_wait);
		}
		usleep(1000);
	}
	for (i = 0; i < n; i++)
		run(run_list[i], secs, max_rounds, min_rounds, min_control);
	meet();
	me->hello = 0;
	return 0;
}
