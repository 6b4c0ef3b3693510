// SPDX-License-Identifier: GPL-2.0
/*
 * Two-thread stress of common/ring.h: a producer and a consumer thread,
 * pinned to different CPUs when there are two, move numbered, checksummed
 * entries through a small ring and the consumer checks every one.
 *
 * Both sides use the notification helpers for real: a side with nothing to
 * do spins briefly, then arms its event index and sleeps on a futex that
 * the other side rings only when publish()/release() ask for a kick. A
 * lost wake-up therefore hangs, and a watchdog turns the hang into a
 * failure.
 *
 * Usage: ring_stress [entries [watchdog_seconds]]
 *
 * Copyright (C) 2026 The pvio authors.
 */
#include <inttypes.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "ring.h"

/* entries between two publishes when the ring has room */
#define PUBLISH_BATCH	16

struct stress_entry {
	__u64 seq;
	__u32 data;
	__u32 sum;
};

struct side {
	struct pvio_ring r;
	/* the futex this side sleeps on; the other side rings it */
	unsigned int bell;
	uint64_t done;		/* entries moved, for the watchdog */
	uint64_t sleeps, kicks, sum;
	int cpu;
} __attribute__((aligned(64)));

struct stress {
	int num;		/* TAP test number */
	unsigned int order;
	uint64_t total;
	/* how long a side polls before it arms its event and sleeps */
	uint64_t spin_ns;
	struct side prod, cons;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* Polls @ready() for up to @spin_ns; returns its last answer. */
static int spin(int (*ready)(struct pvio_ring *), struct pvio_ring *r,
		uint64_t spin_ns)
{
	uint64_t start = 0;
	unsigned int i;
	int n;

	for (i = 0; !(n = ready(r)); i++) {
		if (i % 16 == 0) {
			uint64_t t = now_ns();

			if (!start)
				start = t;
			else if (t - start >= spin_ns)
				break;
		}
		cpu_relax();
	}
	return n;
}

static __u32 entry_data(__u64 seq)
{
	seq ^= seq >> 33;
	seq *= 0xff51afd7ed558ccdULL;
	seq ^= seq >> 33;
	return (__u32)seq;
}

static __u32 entry_sum(__u64 seq, __u32 data)
{
	return ~((__u32)seq * 3 + (__u32)(seq >> 32) * 5 + data * 7);
}

/* Only for real failures: the other thread may be asleep for good. */
static void fail(struct stress *s, const char *why)
{
	struct pvio_ring_shared *sh = s->prod.r.sh;

	printf("# %s\n", why);
	printf("# shared: prod %u cons %u prod_event %u cons_event %u\n",
	       le32_to_cpu(sh->prod), le32_to_cpu(sh->cons),
	       le32_to_cpu(sh->prod_event), le32_to_cpu(sh->cons_event));
	printf("# producer: pvt %u pub %u cons_seen %u err %d, %" PRIu64
	       " entries\n", s->prod.r.prod_pvt, s->prod.r.prod_pub,
	       s->prod.r.cons_seen, s->prod.r.err,
	       __atomic_load_n(&s->prod.done, __ATOMIC_RELAXED));
	printf("# consumer: pvt %u pub %u prod_seen %u err %d, %" PRIu64
	       " entries\n", s->cons.r.cons_pvt, s->cons.r.cons_pub,
	       s->cons.r.prod_seen, s->cons.r.err,
	       __atomic_load_n(&s->cons.done, __ATOMIC_RELAXED));
	printf("not ok %d - ring_stress order %u\n", s->num, s->order);
	printf("%d passed, 1 failed\n", s->num - 1);
	fflush(stdout);
	_exit(1);
}

static void ring_bell(struct side *peer, struct side *self)
{
	__atomic_fetch_add(&peer->bell, 1, __ATOMIC_SEQ_CST);
	syscall(SYS_futex, &peer->bell, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	self->kicks++;
}

/* Sleeps unless the bell rang since @seen was read. */
static void wait_bell(struct side *self, unsigned int seen)
{
	syscall(SYS_futex, &self->bell, FUTEX_WAIT_PRIVATE, seen, NULL, NULL,
		0);
	self->sleeps++;
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *producer(void *arg)
{
	struct stress *s = arg;
	struct side *self = &s->prod;
	struct pvio_ring *r = &self->r;
	unsigned int filled = 0, seen;
	uint64_t seq = 0;
	int n;

	pin(self->cpu);
	while (seq < s->total) {
		struct stress_entry *e = pvio_ring_prod_slot(r);

		if (e) {
			e->seq = seq;
			e->data = entry_data(seq);
			e->sum = entry_sum(seq, e->data);
			self->sum += e->data;
			pvio_ring_prod_push(r);
			seq++;
			if (++filled < PUBLISH_BATCH)
				continue;
		}
		/* a batch is ready, or the ring is full */
		if (pvio_ring_publish(r))
			ring_bell(&s->cons, self);
		filled = 0;
		__atomic_store_n(&self->done, seq, __ATOMIC_RELAXED);
		if (e)
			continue;
		n = spin(pvio_ring_free, r, s->spin_ns);
		if (n < 0)
			fail(s, "producer: ring broken");
		if (n)
			continue;
		/* read the bell before arming: a kick after it wakes us */
		seen = __atomic_load_n(&self->bell, __ATOMIC_SEQ_CST);
		if (!pvio_ring_prod_arm_space(r))
			wait_bell(self, seen);
	}
	if (pvio_ring_publish(r))
		ring_bell(&s->cons, self);
	__atomic_store_n(&self->done, seq, __ATOMIC_RELAXED);
	return NULL;
}

static void *consumer(void *arg)
{
	struct stress *s = arg;
	struct side *self = &s->cons;
	struct pvio_ring *r = &self->r;
	struct stress_entry e;
	uint64_t seq = 0;
	unsigned int seen;
	char msg[128];
	int n;

	pin(self->cpu);
	while (seq < s->total) {
		n = spin(pvio_ring_avail, r, s->spin_ns);
		if (n < 0)
			fail(s, "consumer: ring broken");
		if (!n) {
			seen = __atomic_load_n(&self->bell, __ATOMIC_SEQ_CST);
			if (!pvio_ring_cons_enable_notify(r))
				wait_bell(self, seen);
			continue;
		}
		while (n--) {
			if (pvio_ring_cons_copy(r, &e))
				fail(s, "consumer: copy failed");
			if (e.seq != seq || e.data != entry_data(seq) ||
			    e.sum != entry_sum(seq, e.data)) {
				snprintf(msg, sizeof(msg),
					 "entry %" PRIu64 ": seq %" PRIu64
					 " data %#x sum %#x", seq,
					 (uint64_t)e.seq, e.data, e.sum);
				fail(s, msg);
			}
			self->sum += e.data;
			seq++;
		}
		if (pvio_ring_cons_release(r))
			ring_bell(&s->prod, self);
		__atomic_store_n(&self->done, seq, __ATOMIC_RELAXED);
	}
	if (pvio_ring_avail(r) != 0)
		fail(s, "consumer: entries beyond the last one");
	return NULL;
}

/* The two CPUs to pin to, or -1 when there are fewer than two. */
static void pick_cpus(int cpu[2])
{
	cpu_set_t set;
	int i, n = 0;

	cpu[0] = cpu[1] = -1;
	if (sched_getaffinity(0, sizeof(set), &set))
		return;
	for (i = 0; i < CPU_SETSIZE && n < 2; i++)
		if (CPU_ISSET(i, &set))
			cpu[n++] = i;
	if (n < 2)
		cpu[0] = cpu[1] = -1;
}

static int run(int num, unsigned int order, uint64_t total, uint64_t spin_ns,
	       unsigned int wd)
{
	size_t bytes = (PVIO_RING_BYTES(order, sizeof(struct stress_entry)) +
			63) & ~(size_t)63;
	struct pvio_ring_shared *sh = aligned_alloc(64, bytes);
	struct stress *s = aligned_alloc(64, sizeof(*s));
	uint64_t start, last_done = 0, last_change, ns;
	pthread_t pt, ct;
	int cpu[2], ok;

	if (!sh || !s) {
		perror("aligned_alloc");
		exit(2);
	}
	memset(s, 0, sizeof(*s));
	s->num = num;
	s->order = order;
	s->total = total;
	pick_cpus(cpu);
	/* on one CPU, spinning only delays the side that has work */
	s->spin_ns = cpu[0] < 0 ? 0 : spin_ns;
	s->prod.cpu = cpu[0];
	s->cons.cpu = cpu[1];
	if (pvio_ring_init_shared(sh, order, sizeof(struct stress_entry)) ||
	    pvio_ring_attach(&s->prod.r, sh, order,
			     sizeof(struct stress_entry)) ||
	    pvio_ring_attach(&s->cons.r, sh, order,
			     sizeof(struct stress_entry))) {
		printf("not ok %d - ring setup\n", num);
		return 0;
	}
	printf("# ring of %u x %zu bytes, %" PRIu64 " entries, spin %" PRIu64
	       " ns, producer on cpu %d, consumer on cpu %d\n",
	       1U << order, sizeof(struct stress_entry), total, s->spin_ns,
	       cpu[0], cpu[1]);
	fflush(stdout);

	start = now_ns();
	last_change = start;
	if (pthread_create(&pt, NULL, producer, s) ||
	    pthread_create(&ct, NULL, consumer, s)) {
		perror("pthread_create");
		exit(2);
	}
	/* watchdog: both sides stuck for wd seconds means a lost wake-up */
	while (__atomic_load_n(&s->cons.done, __ATOMIC_RELAXED) < total) {
		uint64_t done, t;
		struct timespec tick = { 0, 50 * 1000 * 1000 };

		nanosleep(&tick, NULL);
		done = __atomic_load_n(&s->prod.done, __ATOMIC_RELAXED) +
		       __atomic_load_n(&s->cons.done, __ATOMIC_RELAXED);
		t = now_ns();
		if (done != last_done) {
			last_done = done;
			last_change = t;
		} else if (t - last_change > wd * 1000000000ULL) {
			fail(s, "no progress: lost wake-up?");
		}
	}
	pthread_join(pt, NULL);
	pthread_join(ct, NULL);
	ns = now_ns() - start;

	ok = s->prod.sum == s->cons.sum && !s->prod.r.err && !s->cons.r.err;
	printf("# %.2f s, %.2f M entries/s; producer slept %" PRIu64
	       " times, kicked %" PRIu64 "; consumer slept %" PRIu64
	       ", kicked %" PRIu64 "\n", ns / 1e9, total * 1e3 / ns,
	       s->prod.sleeps, s->prod.kicks, s->cons.sleeps, s->cons.kicks);
	printf("%s %d - ring_stress order %u, %" PRIu64 " entries\n",
	       ok ? "ok" : "not ok", num, order, total);
	fflush(stdout);
	free(sh);
	free(s);
	return ok;
}

int main(int argc, char **argv)
{
	uint64_t total = argc > 1 ? strtoull(argv[1], NULL, 0) : 100000000;
	unsigned int wd = argc > 2 ? strtoul(argv[2], NULL, 0) : 10;
	int passed = 0;

	printf("TAP version 13\n1..3\n");
	/*
	 * A one-slot ring, full and empty in turn, polled only a few times:
	 * nearly every entry goes through arm, sleep and kick on both sides.
	 */
	passed += run(1, 0, total / 1000 ? total / 1000 : 1, 0, wd);
	/* batches in flight while the sides sleep and wake often */
	passed += run(2, 6, total / 100 ? total / 100 : 1, 1000, wd);
	/* throughput, sleeping only when a side really stalls */
	passed += run(3, 6, total, 50000, wd);
	printf("%d passed, %d failed\n", passed, 3 - passed);
	return passed == 3 ? 0 : 1;
}
