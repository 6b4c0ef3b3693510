// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The pvio authors. */
/*
 * ivshmem_hvd_proto: pvio-hvd speaks QEMU's ivshmem server protocol and
 * keeps the link headers and the control region right. No VM: the test
 * plays both QEMUs and the driver domain's control device.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "client.h"
#include "link.h"
#include "hvd_control.h"

#define VECTORS 4
#define SIZE (1u << 20)
#define GRANTS 700

static struct pvio_link_header *hdr_of(const struct qpeer *p)
{
	return p->map;
}

static struct pvio_store_area *ts_area(const struct qpeer *p)
{
	return (void *)((char *)p->map + (PVIO_STORE_OFFSET +
			PVIO_STORE_TOOLSTACK) * PVIO_PAGE_SIZE);
}

/* The value of @key in @entries (@n of them), or NULL. */
static const char *entry_value(const struct pvio_store_entry *entries,
			       unsigned int n, const char *key)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (!strcmp(entries[i].key, key))
			return entries[i].value;
	return NULL;
}

static bool seq_even(const __le32 *seq)
{
	return !(le32toh(__atomic_load_n(seq, __ATOMIC_ACQUIRE)) & 1);
}

/* The link's record, copied under the control region's seqlock. */
static bool ctl_record(const struct qpeer *ctl, uint32_t id,
		       struct pvio_hvd_ctl_header *h,
		       struct pvio_hvd_ctl_record *rec)
{
	const struct pvio_hvd_ctl_header *hdr = ctl->map;
	uint32_t seq;
	int tries;

	for (tries = 0; tries < 100; tries++) {
		seq = le32toh(__atomic_load_n(&hdr->seq, __ATOMIC_ACQUIRE));
		if (seq & 1)
			continue;
		memcpy(h, hdr, sizeof(*h));
		memcpy(rec, (char *)ctl->map + (1 + id) * PVIO_PAGE_SIZE,
		       sizeof(*rec));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (le32toh(__atomic_load_n(&hdr->seq, __ATOMIC_RELAXED)) == seq)
			return true;
	}
	return false;
}

static void check_greeting(const struct qpeer *p, const char *who,
			   unsigned int other_vectors)
{
	tap_ok(p->order_ok && p->nvec == VECTORS &&
	       p->nother == other_vectors &&
	       p->msgs == 3 + VECTORS + other_vectors,
	       "%s: greeting of %u messages: version 0, id %lld, shm fd, %u of the other's eventfds, %u own",
	       who, p->msgs, (long long)p->id, p->nother, p->nvec);
}

static void check_shm(const struct qpeer *p)
{
	int seals = fcntl(p->shm, F_GET_SEALS);
	int r = ftruncate(p->shm, p->size / 2);
	int e = errno;

	tap_ok(seals == (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL),
	       "shm sealed: F_GET_SEALS %#x", seals);
	tap_ok(r < 0 && e == EPERM, "shm: ftruncate fails with EPERM");
	tap_ok(p->size == SIZE && !(p->size & (p->size - 1)),
	       "shm: %zu bytes, a power of two", p->size);
}

static void check_header(const struct qpeer *p, uint32_t be_peer,
			 uint32_t fe_peer, uint32_t gen)
{
	const struct pvio_link_header *h = hdr_of(p);
	uint32_t data = PVIO_GRANT_OFFSET +
		(GRANTS + PVIO_GRANTS_PER_PAGE - 1) / PVIO_GRANTS_PER_PAGE;

	tap_ok(le32toh(h->magic) == PVIO_LINK_MAGIC &&
	       le32toh(h->abi_version) == PVIO_LINK_ABI &&
	       le32toh(h->region_pages) == SIZE / PVIO_PAGE_SIZE &&
	       le16toh(h->backend_id) == 1 && le16toh(h->frontend_id) == 7 &&
	       le32toh(h->grant_offset) == PVIO_GRANT_OFFSET &&
	       le32toh(h->grant_entries) == GRANTS &&
	       le32toh(h->data_offset) == data,
	       "header: magic, ABI, %u pages, domains 1 and 7, grants at %u, %u entries, data at %u",
	       le32toh(h->region_pages), le32toh(h->grant_offset),
	       le32toh(h->grant_entries), le32toh(h->data_offset));
	tap_ok(le32toh(h->generation) == gen &&
	       le32toh(h->backend_peer) == be_peer &&
	       le32toh(h->frontend_peer) == fe_peer,
	       "header: generation %u (want %u), peers %u/%u (want %u/%u)",
	       le32toh(h->generation), gen, le32toh(h->backend_peer),
	       le32toh(h->frontend_peer), be_peer, fe_peer);
}

/* Each side's copy of each vector is the same eventfd. */
static void check_vectors(const struct qpeer *a, const struct qpeer *b)
{
	uint64_t one = 1;
	unsigned int v;
	bool ok = a->other_id == b->id || b->other_id == a->id;

	for (v = 0; ok && v < VECTORS; v++) {
		ok &= write(a->other[v], &one, 8) == 8 &&
		      evfd_take(b->own[v]) == 1;
		ok &= write(b->other[v], &one, 8) == 8 &&
		      evfd_take(a->own[v]) == 1;
	}
	tap_ok(ok, "peers %lld and %lld ring each other's %u vectors",
	       (long long)a->id, (long long)b->id, VECTORS);
}

/* The backend hears of a new frontend: its id with each eventfd. */
static bool hear_connect(struct qpeer *be, int64_t id)
{
	unsigned int v;
	int64_t val;
	int fd;

	for (v = 0; v < be->nother; v++)
		close(be->other[v]);
	be->nother = 0;
	for (v = 0; v < VECTORS; v++) {
		if (qp_recv(be->sock, &val, &fd, 2000) != 1 || val != id ||
		    fd < 0)
			return false;
		be->other[be->nother++] = fd;
	}
	be->other_id = id;
	return true;
}

static bool hear_disconnect(struct qpeer *be, int64_t id)
{
	int64_t val;
	int fd;

	return qp_recv(be->sock, &val, &fd, 2000) == 1 && val == id &&
	       fd < 0;
}

int main(void)
{
	struct pvio_hvd_ctl_header ch;
	struct pvio_hvd_ctl_record *rec = malloc(sizeof(*rec));
	struct qpeer be, fe, extra, ctl;
	struct hvd_proc h;
	struct rlimit rl;
	char ans[4096], path[160], req[256];
	int64_t last, val;
	bool ok;
	int i, fd;

	/* Two peers of 256 vectors hold 1024 eventfds here. */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (hvd_start(&h, "-c 2")) {
		tap_ok(false, "pvio-hvd starts");
		return tap_done();
	}
	tap_ok(ctl_once(&h, "status", ans, sizeof(ans)) == 0 && ans_ok(ans),
	       "status answers");
	snprintf(req, sizeof(req),
		 "link-add 5 backend=1 frontend=7 size=%u vectors=%u grants=%u",
		 SIZE, VECTORS, GRANTS);
	ctl_once(&h, req, ans, sizeof(ans));
	snprintf(path, sizeof(path), "\"backend_socket\":\"%s/link5-backend.sock\"",
		 h.dir);
	tap_ok(ans_ok(ans) && strstr(ans, path) &&
	       strstr(ans, "link5-frontend.sock"), "link-add answers the sockets");
	tap_ok(ctl_once(&h, "key-set 5 vbd0/params /dev/nullb0", ans,
			sizeof(ans)) == 0 && ans_ok(ans), "key-set before any peer");

	/* The driver domain's control device. */
	snprintf(path, sizeof(path), "%s/control.sock", h.dir);
	tap_ok(qp_connect(&ctl, path, 2) == 0 && ctl.nvec == 2 && !ctl.nother,
	       "control device: greeting with its 2 vectors");

	snprintf(path, sizeof(path), "%s/link5-backend.sock", h.dir);
	tap_ok(qp_connect(&be, path, VECTORS) == 0, "backend peer connects");
	check_greeting(&be, "backend", 0);
	check_shm(&be);
	check_header(&be, be.id, 0, 1);
	tap_ok(seq_even(&ts_area(&be)->seq) &&
	       entry_value(ts_area(&be)->entries, PVIO_STORE_ENTRIES,
			   "vbd0/params") &&
	       !strcmp(entry_value(ts_area(&be)->entries, PVIO_STORE_ENTRIES,
				   "vbd0/params"), "/dev/nullb0"),
	       "toolstack store area: seq even, vbd0/params=/dev/nullb0");

	evfd_take(ctl.own[0]);
	snprintf(path, sizeof(path), "%s/link5-frontend.sock", h.dir);
	tap_ok(qp_connect(&fe, path, VECTORS) == 0, "frontend peer connects");
	check_greeting(&fe, "frontend", VECTORS);
	tap_ok(fe.other_id == be.id && fe.id > be.id,
	       "frontend got the backend's id %lld first", (long long)fe.other_id);
	tap_ok(hear_connect(&be, fe.id), "backend told of the frontend");
	tap_ok(evfd_take(be.own[0]) == 1 && !evfd_take(fe.own[0]),
	       "backend's vector 0 rung for the new peer id, not the frontend's");
	check_vectors(&be, &fe);
	check_header(&fe, be.id, fe.id, 1);
	tap_ok(evfd_take(ctl.own[0]) >= 1, "control device rung on a change");

	ok = ctl_record(&ctl, 5, &ch, rec);
	tap_ok(ok && le32toh(ch.magic) == PVIO_HVD_CTL_MAGIC &&
	       le32toh(ch.abi_version) == PVIO_HVD_CTL_ABI &&
	       le32toh(ch.nr_links) == 1 &&
	       le32toh(ch.nr_records) == PVIO_HVD_CTL_RECORDS &&
	       le32toh(ch.record_offset) == 1 &&
	       le32toh(ch.record_size) == PVIO_PAGE_SIZE && !(le32toh(ch.seq) & 1),
	       "control region header: magic, ABI, 1 link, seq %u even",
	       le32toh(ch.seq));
	tap_ok(ok && (le32toh(rec->flags) & PVIO_HVD_CTL_F_USED) &&
	       le32toh(rec->link_id) == 5 && le16toh(rec->backend_id) == 1 &&
	       le16toh(rec->frontend_id) == 7 &&
	       le32toh(rec->generation) == 1 &&
	       le32toh(rec->region_pages) == SIZE / PVIO_PAGE_SIZE &&
	       le32toh(rec->grant_entries) == GRANTS &&
	       le32toh(rec->vectors) == VECTORS &&
	       le32toh(rec->backend_peer) == be.id &&
	       le32toh(rec->frontend_peer) == fe.id &&
	       le32toh(rec->nr_keys) == 1 &&
	       !strcmp(rec->keys[0].key, "vbd0/params") &&
	       !strcmp(rec->keys[0].value, "/dev/nullb0"),
	       "control record: ids, generation, sizes, vectors, peers, keys");

	/* key-set reaches both the record and the link's store area. */
	ctl_once(&h, "key-set 5 vbd0/mode ro", ans, sizeof(ans));
	ctl_once(&h, "key-set 5 vbd0/params /dev/nullb1", ans, sizeof(ans));
	ok = ctl_record(&ctl, 5, &ch, rec) && le32toh(rec->nr_keys) == 2 &&
	     entry_value(rec->keys, 2, "vbd0/mode") &&
	     !strcmp(entry_value(rec->keys, 2, "vbd0/mode"), "ro") &&
	     !strcmp(entry_value(rec->keys, 2, "vbd0/params"), "/dev/nullb1");
	ok &= seq_even(&ts_area(&fe)->seq) &&
	      entry_value(ts_area(&fe)->entries, PVIO_STORE_ENTRIES, "vbd0/mode") &&
	      !strcmp(entry_value(ts_area(&fe)->entries, PVIO_STORE_ENTRIES,
				  "vbd0/params"), "/dev/nullb1");
	tap_ok(ok, "key-set: record and store area both have the new values");
	ctl_once(&h, "key-del 5 vbd0/mode", ans, sizeof(ans));
	ok = ctl_record(&ctl, 5, &ch, rec) && le32toh(rec->nr_keys) == 1 &&
	     !entry_value(rec->keys, PVIO_STORE_ENTRIES, "vbd0/mode") &&
	     !entry_value(ts_area(&be)->entries, PVIO_STORE_ENTRIES, "vbd0/mode");
	tap_ok(ans_ok(ans) && ok, "key-del: gone from both places");

	/* A third client on an end is refused: EOF, not a single message. */
	snprintf(path, sizeof(path), "%s/link5-backend.sock", h.dir);
	ok = qp_connect(&extra, path, VECTORS) < 0 && extra.msgs == 3 &&
	     !extra.order_ok;
	fd = extra.sock;
	tap_ok(ok && fd >= 0 && qp_recv(fd, &val, &i, 1000) <= 0,
	       "a second client on the backend socket is refused");
	qp_close(&extra);

	/* The frontend goes: the backend is told, the header shows it. */
	memset(&hdr_of(&fe)->ends[PVIO_FRONTEND], 0xa5,
	       sizeof(struct pvio_link_end));
	evfd_take(be.own[0]);
	last = fe.id;
	qp_close(&fe);
	tap_ok(hear_disconnect(&be, last),
	       "backend told of the frontend's disconnect (id %lld, no fd)",
	       (long long)last);
	{
		const unsigned char *e = (void *)&hdr_of(&be)->ends[PVIO_FRONTEND];

		for (ok = true, i = 0; i < (int)sizeof(struct pvio_link_end); i++)
			ok &= !e[i];
		tap_ok(ok, "the gone end's status zeroed in the header");
	}
	check_header(&be, be.id, 0, 2);
	tap_ok(evfd_take(be.own[0]) >= 1, "survivor's vector 0 rung");
	tap_ok(ctl_record(&ctl, 5, &ch, rec) && le32toh(rec->generation) == 2 &&
	       !rec->frontend_peer, "control record: generation 2, no frontend");

	/* 100 reconnects: every id new, the backend hears of each. */
	ok = true;
	for (i = 0; i < 100 && ok; i++) {
		snprintf(path, sizeof(path), "%s/link5-frontend.sock", h.dir);
		ok = qp_connect(&fe, path, VECTORS) == 0 && fe.id > last &&
		     fe.other_id == be.id && hear_connect(&be, fe.id);
		last = fe.id;
		qp_close(&fe);
		ok = ok && hear_disconnect(&be, last);
	}
	tap_ok(ok, "100 reconnects: ids increase, never reused (last %lld)",
	       (long long)last);
	check_header(&be, be.id, 0, 102);

	/* 256 vectors, the most a doorbell reaches: 515 messages greet. */
	ctl_once(&h, "link-add 6 backend=3 frontend=4 size=65536 vectors=256",
		 ans, sizeof(ans));
	snprintf(path, sizeof(path), "%s/link6-backend.sock", h.dir);
	ok = ans_ok(ans) && qp_connect(&extra, path, 256) == 0;
	snprintf(path, sizeof(path), "%s/link6-frontend.sock", h.dir);
	/*
	 * Like a QEMU that realizes its device long after it connected:
	 * 515 messages do not fit the socket, and pvio-hvd must not wait.
	 */
	ok = ok && qp_dial(&fe, path) == 0;
	usleep(300000);
	tap_ok(ctl_once(&h, "status", ans, sizeof(ans)) == 0 && ans_ok(ans),
	       "status answers while a peer does not read its greeting");
	usleep(1500000);
	ok = ok && qp_greet(&fe, 256) == 0 && fe.nother == 256 &&
	     fe.msgs == 3 + 512;
	for (i = 0; ok && i < 256; i++)
		ok = qp_recv(extra.sock, &val, &fd, 2000) == 1 &&
		     val == fe.id && fd >= 0 && close(fd) == 0;
	ok = ok && write(fe.other[255], &(uint64_t){ 1 }, 8) == 8 &&
	     evfd_take(extra.own[255]) == 1;
	tap_ok(ok, "256 vectors: whole greetings both ways, read late, vector 255 rings");
	qp_close(&fe);
	qp_close(&extra);
	ctl_once(&h, "link-del 6", ans, sizeof(ans));

	/* The backend goes too; link-del clears the record and sockets. */
	qp_close(&be);
	usleep(100000);
	tap_ok(ctl_once(&h, "link-del 5", ans, sizeof(ans)) == 0 && ans_ok(ans),
	       "link-del");
	snprintf(path, sizeof(path), "%s/link5-backend.sock", h.dir);
	tap_ok(ctl_record(&ctl, 5, &ch, rec) && !rec->flags && !ch.nr_links &&
	       access(path, F_OK) < 0, "record cleared, sockets removed");
	qp_close(&ctl);
	tap_ok(hvd_stop(&h) == 0, "quit: pvio-hvd exits 0");
	free(rec);
	return tap_done();
}
