// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The pvio authors. */
/*
 * The host half of ivshmem_probe (selftests/tests/ivshmem_probe.host.sh):
 * the backend end of one pvio-hvd link, played as QEMU plays it, against
 * one VM whose pvio_ivshmem holds the frontend end
 * (selftests/tests/parts/ivshmem_probe.sh). TAP on stdout; "# peer id N"
 * as soon as it is connected (the VM's command line gets N).
 *
 * usage: probe_peer SOCKET VECTORS BACKEND_ID FRONTEND_ID
 *
 * The two sides take turns through the doorbells themselves (P = VECTORS):
 *   1. the VM rings port P-1 once its link is made   (only that eventfd)
 *   2. we ring the VM's vector 2                     (it counts only that)
 *   3. the VM rings port 1: it counted it
 *   4. we hang up: pvio-hvd zeroes our end and bumps the generation, and
 *      the VM's end takes the new generation; then we come back
 *   5. the VM rings port P-1 of the new peer id
 *   6. the VM unbinds and binds its device again, and rings port 2
 *   7. we ring the VM's vector 1 (its rebound device counts it)
 *   8. the VM unloads pvio_ivshmem and powers off: pvio-hvd tells us.
 * Every wait is bounded (generously: TCG, the debug kernel) and ends at
 * once if the VM's QEMU goes.
 */
#include <endian.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "link.h"

#define BOOT_SECS	600	/* VM boot and module load, debug kernel */
#define STEP_SECS	300
#define HANGUP_SECS	30	/* "within a second or so": a bound only */

static unsigned int nvec;
static bool vm_gone;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ull + ts.tv_nsec / 1000000;
}

static uint32_t hdr32(const struct qpeer *p, size_t off)
{
	uint32_t v;

	v = __atomic_load_n((uint32_t *)((char *)p->map + off),
			    __ATOMIC_RELAXED);
	return le32toh(v);
}

#define HDR(p, field) hdr32(p, offsetof(struct pvio_link_header, field))
#define END_GEN(p, role) hdr32(p, offsetof(struct pvio_link_header, \
					   ends[role].generation))

/* One message from pvio-hvd while we wait: only the VM's going is. */
static void peer_message(struct qpeer *p)
{
	int64_t v;
	int fd, r;

	r = qp_recv(p->sock, &v, &fd, 0);
	if (r <= 0) {
		tap_diag("pvio-hvd closed our connection");
		vm_gone = true;
		return;
	}
	if (fd >= 0)
		close(fd);
	if (v == p->other_id && fd < 0) {
		tap_diag("the VM's QEMU (peer %lld) went", (long long)v);
		vm_gone = true;
		return;
	}
	tap_diag("unexpected message %lld%s", (long long)v,
		 fd >= 0 ? " with an fd" : "");
}

/* Wait until our vector @port rings (@secs at most): true if it did. */
static bool wait_vector(struct qpeer *p, unsigned int port, int secs)
{
	uint64_t end = now_ms() + secs * 1000ull;
	struct pollfd pfd[2] = {
		{ .fd = p->own[port], .events = POLLIN },
		{ .fd = p->sock, .events = POLLIN },
	};

	while (!vm_gone && now_ms() < end) {
		if (poll(pfd, 2, (int)(end - now_ms())) <= 0)
			continue;
		if (pfd[0].revents)
			return true;
		if (pfd[1].revents)
			peer_message(p);
	}
	return false;
}

/*
 * Expect the VM's doorbell on @port alone: it rings, and (half a second
 * later, for a stray one to show) no other vector has.
 */
static void expect_doorbell(struct qpeer *p, unsigned int port, int secs,
			    const char *what)
{
	uint64_t others = 0;
	unsigned int i;
	bool rang;

	rang = wait_vector(p, port, secs);
	tap_ok(rang, "%s: the VM's doorbell on port %u reaches our eventfd %u",
	       what, port, port);
	if (!rang)
		return;
	evfd_take(p->own[port]);
	usleep(500000);
	for (i = 0; i < p->nvec; i++) {
		uint64_t n = i == port ? 0 : evfd_take(p->own[i]);

		if (n)
			tap_diag("eventfd %u rang %llu times", i,
				 (unsigned long long)n);
		others += n;
	}
	tap_ok(!others, "%s: and no other eventfd", what);
}

/* Until pvio-hvd says the VM's QEMU went (@secs at most). */
static void wait_gone(struct qpeer *p, int secs)
{
	uint64_t end = now_ms() + secs * 1000ull;
	struct pollfd pfd = { .fd = p->sock, .events = POLLIN };

	while (!vm_gone && now_ms() < end)
		if (poll(&pfd, 1, (int)(end - now_ms())) > 0)
			peer_message(p);
}

static void ring_vm(struct qpeer *p, unsigned int vector)
{
	uint64_t one = 1;

	tap_ok(vector < p->nother &&
	       write(p->other[vector], &one, sizeof(one)) == sizeof(one),
	       "ring the VM's vector %u", vector);
}

/* Read the VM's QEMU's eventfds as pvio-hvd sends them (it came after us). */
static bool wait_vm(struct qpeer *p, int secs)
{
	int64_t v;
	int fd;

	while (p->nother < nvec) {
		if (qp_recv(p->sock, &v, &fd, secs * 1000) != 1 || fd < 0 ||
		    (p->other_id && v != p->other_id)) {
			if (fd >= 0)
				close(fd);
			return false;
		}
		p->other_id = v;
		p->other[p->nother++] = fd;
	}
	return true;
}

static void check_header(const struct qpeer *p, unsigned int bid,
			 unsigned int fid)
{
	const struct pvio_link_header *hdr = p->map;

	tap_ok(HDR(p, magic) == PVIO_LINK_MAGIC &&
	       HDR(p, abi_version) == PVIO_LINK_ABI &&
	       HDR(p, region_pages) * (size_t)PVIO_PAGE_SIZE == p->size,
	       "the region is a pvio link of %zu bytes", p->size);
	tap_ok(le16toh(hdr->backend_id) == bid &&
	       le16toh(hdr->frontend_id) == fid,
	       "its header says backend %u, frontend %u", bid, fid);
	tap_ok(HDR(p, backend_peer) == p->id && HDR(p, frontend_peer) == 0,
	       "our peer id %lld in the backend's slot, none yet in the frontend's",
	       (long long)p->id);
}

/* Step 4: hang up, see the VM take the new generation, come back. */
static void hang_up(struct qpeer *p, const char *path)
{
	uint32_t gen = HDR(p, generation);
	int64_t old_id = p->id, vm_id = p->other_id;
	uint64_t t0, hvd_ms = 0, vm_ms = 0;
	unsigned int i;

	close(p->sock);
	p->sock = -1;
	t0 = now_ms();
	/* The mapping stays: watch what pvio-hvd and the VM write. */
	while (now_ms() - t0 < HANGUP_SECS * 1000) {
		if (!hvd_ms && HDR(p, generation) == gen + 1)
			hvd_ms = now_ms() - t0 + 1;
		if (!vm_ms && END_GEN(p, PVIO_FRONTEND) == gen + 1)
			vm_ms = now_ms() - t0 + 1;
		if (hvd_ms && vm_ms)
			break;
		usleep(5000);
	}
	tap_ok(hvd_ms && HDR(p, backend_peer) == 0 &&
	       !END_GEN(p, PVIO_BACKEND),
	       "hung up: pvio-hvd made generation %u, zeroed our slot and end",
	       gen + 1);
	tap_ok(vm_ms, "the VM's end took generation %u", gen + 1);
	tap_diag("hang-up seen by pvio-hvd after %llu ms, by the VM's end after %llu ms (bound %d s)",
		 (unsigned long long)hvd_ms, (unsigned long long)vm_ms,
		 HANGUP_SECS);

	for (i = 0; i < p->nvec; i++)
		close(p->own[i]);
	for (i = 0; i < p->nother; i++)
		close(p->other[i]);
	munmap(p->map, p->size);
	close(p->shm);
	tap_ok(!qp_connect(p, path, nvec) && p->order_ok,
	       "connect again: the VM's vectors, then ours");
	tap_ok(p->id > old_id && p->other_id == vm_id &&
	       HDR(p, backend_peer) == p->id,
	       "a new peer id %lld (was %lld), in the header", (long long)p->id,
	       (long long)old_id);
}

int main(int argc, char **argv)
{
	struct qpeer p;

	if (argc != 5 || atoi(argv[2]) < 4 || atoi(argv[2]) > QP_MAX_VECTORS) {
		fprintf(stderr, "usage: probe_peer SOCKET VECTORS(>=4) BACKEND_ID FRONTEND_ID\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	nvec = atoi(argv[2]);
	if (qp_connect(&p, argv[1], nvec) || !p.order_ok) {
		tap_ok(false, "connect to %s", argv[1]);
		return tap_done();
	}
	tap_ok(p.nother == 0, "connected first, with %u vectors", p.nvec);
	tap_diag("peer id %lld", (long long)p.id);
	check_header(&p, atoi(argv[3]), atoi(argv[4]));

	if (!wait_vm(&p, BOOT_SECS)) {
		tap_ok(false, "the VM's QEMU connects");
		return tap_done();
	}
	tap_ok(HDR(&p, frontend_peer) == p.other_id,
	       "the VM's QEMU came as peer %lld, in the frontend's slot",
	       (long long)p.other_id);
	tap_ok(evfd_take(p.own[0]) > 0, "pvio-hvd rang our vector 0 for it");

	expect_doorbell(&p, nvec - 1, BOOT_SECS, "link made");
	if (!vm_gone)
		ring_vm(&p, 2);
	if (!vm_gone)
		expect_doorbell(&p, 1, STEP_SECS, "VM counted our interrupt");
	if (!vm_gone)
		hang_up(&p, argv[1]);
	if (!vm_gone) {
		tap_ok(wait_vector(&p, nvec - 1, STEP_SECS),
		       "the VM rings port %u of our new peer id", nvec - 1);
		evfd_take(p.own[nvec - 1]);
	}
	if (!vm_gone)
		expect_doorbell(&p, 2, STEP_SECS, "rebound device");
	if (!vm_gone)
		ring_vm(&p, 1);
	/* The VM unloads the module and powers off: its QEMU goes. */
	wait_gone(&p, STEP_SECS * 2);
	tap_ok(vm_gone, "pvio-hvd tells us when the VM's QEMU goes");
	qp_close(&p);
	return tap_done();
}
