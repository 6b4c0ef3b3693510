// SPDX-License-Identifier: GPL-2.0
/*
 * Throughput of the pvio ring (common/ring.h) between two threads, beside
 * plain memcpy and, when built with HAVE_DPDK, an SP/SC DPDK rte_ring doing
 * the same work:
 *
 *  - 64-byte entries: the producer writes each entry, the consumer copies
 *    it out;
 *  - 4 KiB payloads as pvio moves them ("The link and its region" in
 *    Documentation/architecture.rst): the producer copies a
 *    block from its own memory into a buffer pool, sends a 16-byte
 *    descriptor, and the consumer copies the block out of the pool. Pool
 *    buffer i belongs to ring slot i, so a buffer is free again once the
 *    consumer has finished with its descriptor.
 *
 * Both sides busy-poll (no notifications), pinned to two CPUs. Each figure
 * is the median of three runs.
 *
 * Copyright (C) 2026 The pvio authors.
 */
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "ring.h"

#ifdef HAVE_DPDK
#include <rte_ring.h>
#include <rte_ring_elem.h>
#endif

#define RING_ORDER	8
#define RING_SLOTS	(1U << RING_ORDER)
#define BATCH		32
#define BLOCK		4096
/* private working set of each side for the 4 KiB work: 64 KiB */
#define PRIV_BLOCKS	16
#define RUNS		3

/* about 0.1 to 0.2 s per run on the development machines */
#define ENTRIES_64	16000000ULL
#define BLOCKS_4K	1000000ULL

struct entry64 {
	__u64 seq;
	__u64 data[7];
};

struct desc {
	__u32 buf;
	__u32 len;
	__u64 seq;
};

struct work {
	const char *name;
	void *(*setup)(__u32 entry_size);
	void (*teardown)(void *ring);
	void *(*producer)(void *job);
	void *(*consumer)(void *job);
	__u32 entry_size;
	__u64 total;
};

struct job {
	const struct work *w;
	void *ring;
	unsigned char *pool;	/* RING_SLOTS blocks */
	unsigned char *src, *dst;	/* PRIV_BLOCKS blocks each */
	int cpu[2];
	int go;
	__u64 sum;
	int bad;
};

static int cpus[2];

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void *xalloc(size_t align, size_t bytes)
{
	void *p = aligned_alloc(align, (bytes + align - 1) & ~(align - 1));

	if (!p) {
		perror("aligned_alloc");
		exit(2);
	}
	memset(p, 0, bytes);
	return p;
}

/* Pins the calling thread, then waits for the start signal. */
static void start(struct job *j, int side)
{
	cpu_set_t set;

	if (j->cpu[side] >= 0) {
		CPU_ZERO(&set);
		CPU_SET(j->cpu[side], &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	while (!__atomic_load_n(&j->go, __ATOMIC_ACQUIRE))
		cpu_relax();
}

static void fill64(struct entry64 *e, __u64 seq)
{
	int i;

	e->seq = seq;
	for (i = 0; i < 7; i++)
		e->data[i] = seq + i;
}

/* Copies block @seq in, stamped so the consumer can check it. */
static void block_in(struct job *j, unsigned char *buf, __u64 seq)
{
	memcpy(buf, j->src + (seq % PRIV_BLOCKS) * BLOCK, BLOCK);
	memcpy(buf, &seq, sizeof(seq));
}

/* Copies block @seq out; returns 1 if it is not the one expected. */
static int block_out(struct job *j, const unsigned char *buf, __u32 len,
		     __u64 seq)
{
	unsigned char *dst = j->dst + (seq % PRIV_BLOCKS) * BLOCK;

	memcpy(dst, buf, len);
	return memcmp(dst, &seq, sizeof(seq)) != 0;
}

static struct pvio_ring *cons_view(struct pvio_ring *prod_view)
{
	return (struct pvio_ring *)((char *)prod_view + 128);
}

static void *pvio64_producer(void *arg)
{
	struct job *j = arg;
	const __u64 total = j->w->total;
	struct pvio_ring *r = j->ring;
	unsigned int filled = 0;
	__u64 seq = 0;

	start(j, 0);
	while (seq < total) {
		struct entry64 *e = pvio_ring_prod_slot(r);

		if (!e) {
			pvio_ring_publish(r);
			filled = 0;
			cpu_relax();
			continue;
		}
		fill64(e, seq++);
		pvio_ring_prod_push(r);
		if (++filled == BATCH) {
			pvio_ring_publish(r);
			filled = 0;
		}
	}
	pvio_ring_publish(r);
	return NULL;
}

static void *pvio64_consumer(void *arg)
{
	struct job *j = arg;
	const __u64 total = j->w->total;
	__u64 sum = 0;
	int bad = 0;
	struct pvio_ring *r = cons_view(j->ring);
	struct entry64 e;
	__u64 got = 0;
	int n;

	start(j, 1);
	while (got < total) {
		n = pvio_ring_avail(r);
		if (n <= 0) {
			bad += n < 0;
			cpu_relax();
			continue;
		}
		for (n = n < BATCH ? n : BATCH; n; n--, got++) {
			pvio_ring_cons_copy(r, &e);
			sum += e.seq;
		}
		pvio_ring_cons_release(r);
	}
	/* results stored once: the producer reads *j all along */
	j->sum = sum;
	j->bad = bad;
	return NULL;
}

static void *pvio4k_producer(void *arg)
{
	struct job *j = arg;
	const __u64 total = j->w->total;
	struct pvio_ring *r = j->ring;
	unsigned int filled = 0;
	__u64 seq = 0;

	start(j, 0);
	while (seq < total) {
		struct desc *d = pvio_ring_prod_slot(r);
		__u32 buf = r->prod_pvt & r->mask;

		if (!d) {
			pvio_ring_publish(r);
			filled = 0;
			cpu_relax();
			continue;
		}
		block_in(j, j->pool + (size_t)buf * BLOCK, seq);
		d->buf = buf;
		d->len = BLOCK;
		d->seq = seq++;
		pvio_ring_prod_push(r);
		if (++filled == BATCH) {
			pvio_ring_publish(r);
			filled = 0;
		}
	}
	pvio_ring_publish(r);
	return NULL;
}

static void *pvio4k_consumer(void *arg)
{
	struct job *j = arg;
	const __u64 total = j->w->total;
	__u64 sum = 0;
	int bad = 0;
	struct pvio_ring *r = cons_view(j->ring);
	struct desc d;
	__u64 got = 0;
	int n;

	start(j, 1);
	while (got < total) {
		n = pvio_ring_avail(r);
		if (n <= 0) {
			bad += n < 0;
			cpu_relax();
			continue;
		}
		for (n = n < BATCH ? n : BATCH; n; n--, got++) {
			pvio_ring_cons_copy(r, &d);
			/* what a backend checks before touching the pool */
			if (d.buf >= RING_SLOTS || d.len > BLOCK) {
				bad++;
				continue;
			}
			bad += block_out(j, j->pool + (size_t)d.buf * BLOCK,
					 d.len, d.seq);
			sum += d.seq;
		}
		pvio_ring_cons_release(r);
	}
	/* results stored once: the producer reads *j all along */
	j->sum = sum;
	j->bad = bad;
	return NULL;
}

/* The producer's view, then the consumer's, on separate cache lines. */
static void *pvio_setup(__u32 es)
{
	struct pvio_ring *r = xalloc(64, 128 + sizeof(*r));
	struct pvio_ring_shared *sh;

	sh = xalloc(4096, PVIO_RING_BYTES(RING_ORDER, es));
	if (pvio_ring_init_shared(sh, RING_ORDER, es) ||
	    pvio_ring_attach(r, sh, RING_ORDER, es) ||
	    pvio_ring_attach(cons_view(r), sh, RING_ORDER, es)) {
		fprintf(stderr, "pvio ring setup failed\n");
		exit(2);
	}
	return r;
}

static void pvio_teardown(void *ring)
{
	struct pvio_ring *r = ring;

	free(r->sh);
	free(r);
}

#ifdef HAVE_DPDK
/*
 * rte_ring on plain memory: rte_ring_init() needs no EAL. Same capacity as
 * the pvio ring (RING_F_EXACT_SZ), single producer, single consumer.
 */
static void *rte_setup(__u32 esize)
{
	unsigned int flags = RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ;
	/* EXACT_SZ rounds up to the next power of two above the count */
	unsigned int slots = rte_align32pow2(RING_SLOTS + 1);
	ssize_t bytes = rte_ring_get_memsize_elem(esize, slots);
	struct rte_ring *r;

	if (bytes < 0) {
		fprintf(stderr, "rte_ring_get_memsize_elem failed\n");
		exit(2);
	}
	r = xalloc(RTE_CACHE_LINE_SIZE, bytes);
	if (rte_ring_init(r, "pvio_bench", RING_SLOTS, flags)) {
		fprintf(stderr, "rte_ring_init failed\n");
		exit(2);
	}
	return r;
}

static void rte_teardown(void *ring)
{
	free(ring);
}

static void *rte64_producer(void *arg)
{
	struct job *j = arg;
	const __u64 total = j->w->total;
	struct entry64 e[BATCH];
	__u64 seq = 0;
	unsigned int i, k, n;

	start(j, 0);
	while (seq < total) {
		k = total - seq < BATCH ? total - seq : BATCH;
		for (i = 0; i < k; i++)
			fill64(&e[i], seq + i);
		n = rte_ring_enqueue_burst_elem(j->ring, e, sizeof(e[0]), k,
						NULL);
		seq += n;
		if (!n)
			cpu_relax();
	}
	return NULL;
}

static void *rte64_consumer(void *arg)
{
	struct job *j = arg;
	const __u64 total = j->w->total;
	__u64 sum = 0;
	int bad = 0;
	struct entry64 e[BATCH];
	unsigned int i, n;
	__u64 got = 0;

	start(j, 1);
	while (got < total) {
		n = rte_ring_dequeue_burst_elem(j->ring, e, sizeof(e[0]),
						BATCH, NULL);
		if (!n)
			cpu_relax();
		for (i = 0; i < n; i++)
			sum += e[i].seq;
		got += n;
	}
	/* results stored once: the producer reads *j all along */
	j->sum = sum;
	j->bad = bad;
	return NULL;
}

static void *rte4k_producer(void *arg)
{
	struct job *j = arg;
	const __u64 total = j->w->total;
	struct desc d[BATCH];
	unsigned int i, k;
	__u64 seq = 0;

	start(j, 0);
	while (seq < total) {
		/* buffers of entries the consumer has finished are free */
		k = rte_ring_free_count(j->ring);
		k = k < BATCH ? k : BATCH;
		k = total - seq < k ? total - seq : k;
		if (!k) {
			cpu_relax();
			continue;
		}
		for (i = 0; i < k; i++) {
			d[i].buf = (seq + i) % RING_SLOTS;
			d[i].len = BLOCK;
			d[i].seq = seq + i;
			block_in(j, j->pool + (size_t)d[i].buf * BLOCK,
				 seq + i);
		}
		seq += rte_ring_enqueue_bulk_elem(j->ring, d, sizeof(d[0]), k,
						  NULL);
	}
	return NULL;
}

/* Zero-copy dequeue: the slot is released only after the block is out. */
static void *rte4k_consumer(void *arg)
{
	struct job *j = arg;
	const __u64 total = j->w->total;
	__u64 sum = 0;
	int bad = 0;
	struct rte_ring_zc_data zcd;
	unsigned int i, n;
	__u64 got = 0;

	start(j, 1);
	while (got < total) {
		n = rte_ring_dequeue_zc_burst_elem_start(j->ring,
							 sizeof(struct desc),
							 BATCH, &zcd, NULL);
		if (!n) {
			cpu_relax();
			continue;
		}
		for (i = 0; i < n; i++) {
			struct desc d = i < zcd.n1 ?
				((struct desc *)zcd.ptr1)[i] :
				((struct desc *)zcd.ptr2)[i - zcd.n1];

			if (d.buf >= RING_SLOTS || d.len > BLOCK) {
				bad++;
				continue;
			}
			bad += block_out(j, j->pool + (size_t)d.buf * BLOCK,
					 d.len, d.seq);
			sum += d.seq;
		}
		rte_ring_dequeue_zc_elem_finish(j->ring, n);
		got += n;
	}
	/* results stored once: the producer reads *j all along */
	j->sum = sum;
	j->bad = bad;
	return NULL;
}
#endif /* HAVE_DPDK */

/* Runs one two-thread work; returns its duration in ns. */
static __u64 run_pair(const struct work *w)
{
	struct job j = { .w = w, .cpu = { cpus[0], cpus[1] } };
	pthread_t pt, ct;
	__u64 t0, ns;

	j.ring = w->setup(w->entry_size);
	j.pool = xalloc(4096, (size_t)RING_SLOTS * BLOCK);
	j.src = xalloc(4096, PRIV_BLOCKS * BLOCK);
	j.dst = xalloc(4096, PRIV_BLOCKS * BLOCK);
	if (pthread_create(&pt, NULL, w->producer, &j) ||
	    pthread_create(&ct, NULL, w->consumer, &j)) {
		perror("pthread_create");
		exit(2);
	}
	/* let both threads reach their CPUs before the clock starts */
	usleep(20000);
	t0 = now_ns();
	__atomic_store_n(&j.go, 1, __ATOMIC_RELEASE);
	pthread_join(ct, NULL);
	ns = now_ns() - t0;
	pthread_join(pt, NULL);
	if (j.bad || j.sum != w->total * (w->total - 1) / 2) {
		fprintf(stderr, "%s: wrong data (%d bad)\n", w->name, j.bad);
		exit(1);
	}
	w->teardown(j.ring);
	free(j.pool);
	free(j.src);
	free(j.dst);
	return ns;
}

/* Single-thread memcpy of 4 KiB blocks over the same working set. */
static __u64 run_memcpy(void)
{
	unsigned char *pool = xalloc(4096, (size_t)RING_SLOTS * BLOCK);
	unsigned char *src = xalloc(4096, PRIV_BLOCKS * BLOCK);
	__u64 i, t0, ns;

	t0 = now_ns();
	for (i = 0; i < BLOCKS_4K; i++) {
		memcpy(pool + (i % RING_SLOTS) * BLOCK,
		       src + (i % PRIV_BLOCKS) * BLOCK, BLOCK);
		/* keep the compiler from merging or dropping copies */
		__asm__ volatile("" : : "r"(pool) : "memory");
	}
	ns = now_ns() - t0;
	free(pool);
	free(src);
	return ns;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* Median of RUNS runs, as a rate: @units per second divided by @scale. */
static double median_rate(__u64 ns[RUNS], __u64 units, double scale)
{
	qsort(ns, RUNS, sizeof(ns[0]), cmp_u64);
	return units / (ns[RUNS / 2] / 1e9) / scale;
}

static void pick_cpus(void)
{
	cpu_set_t set;
	int i, n = 0;

	cpus[0] = cpus[1] = -1;
	if (sched_getaffinity(0, sizeof(set), &set))
		return;
	for (i = 0; i < CPU_SETSIZE && n < 2; i++)
		if (CPU_ISSET(i, &set))
			cpus[n++] = i;
	if (n < 2)
		cpus[0] = cpus[1] = -1;
}

int main(void)
{
	static const struct work pvio64 = {
		"pvio 64", pvio_setup, pvio_teardown, pvio64_producer,
		pvio64_consumer, sizeof(struct entry64), ENTRIES_64 };
	static const struct work pvio4k = {
		"pvio 4k", pvio_setup, pvio_teardown, pvio4k_producer,
		pvio4k_consumer, sizeof(struct desc), BLOCKS_4K };
	double p64, p4k, mc;
	__u64 ns[RUNS];
	int i;
#ifdef HAVE_DPDK
	static const struct work rte64 = {
		"rte 64", rte_setup, rte_teardown, rte64_producer,
		rte64_consumer, sizeof(struct entry64), ENTRIES_64 };
	static const struct work rte4k = {
		"rte 4k", rte_setup, rte_teardown, rte4k_producer,
		rte4k_consumer, sizeof(struct desc), BLOCKS_4K };
	double r64, r4k;
#endif

	pick_cpus();
	printf("ring_bench: %u-slot rings, batches of %u, producer on cpu %d,"
	       " consumer on cpu %d; median of %d runs\n",
	       RING_SLOTS, BATCH, cpus[0], cpus[1], RUNS);

	for (i = 0; i < RUNS; i++)
		ns[i] = run_pair(&pvio64);
	p64 = median_rate(ns, ENTRIES_64, 1e6);
	for (i = 0; i < RUNS; i++)
		ns[i] = run_pair(&pvio4k);
	p4k = median_rate(ns, BLOCKS_4K * BLOCK, 1e9);
	for (i = 0; i < RUNS; i++)
		ns[i] = run_memcpy();
	mc = median_rate(ns, BLOCKS_4K * BLOCK, 1e9);

	printf("\n%-36s %10s %10s %8s\n", "work", "pvio", "rte_ring",
	       "ratio");
#ifdef HAVE_DPDK
	for (i = 0; i < RUNS; i++)
		ns[i] = run_pair(&rte64);
	r64 = median_rate(ns, ENTRIES_64, 1e6);
	for (i = 0; i < RUNS; i++)
		ns[i] = run_pair(&rte4k);
	r4k = median_rate(ns, BLOCKS_4K * BLOCK, 1e9);
	printf("%-36s %10.1f %10.1f %8.2f\n", "64-byte entries (M entries/s)",
	       p64, r64, p64 / r64);
	printf("%-36s %10.2f %10.2f %8.2f\n", "4 KiB through a pool (GB/s)",
	       p4k, r4k, p4k / r4k);
#else
	printf("%-36s %10.1f %10s %8s\n", "64-byte entries (M entries/s)",
	       p64, "-", "-");
	printf("%-36s %10.2f %10s %8s\n", "4 KiB through a pool (GB/s)",
	       p4k, "-", "-");
#endif
	printf("%-36s %10.2f\n", "memcpy 4 KiB, one thread (GB/s)", mc);
	printf("%-36s %10.2f\n", "pvio 4 KiB / memcpy", p4k / mc);
#ifndef HAVE_DPDK
	printf("(rte_ring: built without DPDK; install libdpdk-dev)\n");
#endif
	return 0;
}
