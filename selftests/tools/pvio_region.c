// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The pvio authors. */
/*
 * pvio_region: read and write a link's shared region as a peer can, for
 * the tests that play a hostile end (link_authority, evil_*). The region
 * is a file: debugfs pvio/link<N>/region (pvio_hv loaded with
 * expose_region=1) is read and written with pread/pwrite; an ivshmem
 * BAR (/sys/bus/pci/devices/.../resource2) is mapped.
 *
 * A key is written as the area's writer would (sequence count odd, entry,
 * count even), so that a reader takes the forged value as genuine.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "link.h"
#include "ring.h"

static int region_fd = -1;
static unsigned char *region_map;	/* NULL: pread/pwrite */

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void rd(off_t off, void *buf, size_t len)
{
	if (region_map) {
		memcpy(buf, region_map + off, len);
		return;
	}
	if (pread(region_fd, buf, len, off) != (ssize_t)len)
		die("pread");
}

static void wr(off_t off, const void *buf, size_t len)
{
	if (region_map) {
		memcpy(region_map + off, buf, len);
		__sync_synchronize();
		return;
	}
	if (pwrite(region_fd, buf, len, off) != (ssize_t)len)
		die("pwrite");
}

static uint32_t rd32(off_t off)
{
	uint32_t v;

	rd(off, &v, sizeof(v));
	return le32toh(v);
}

static void wr32(off_t off, uint32_t val)
{
	uint32_t v = htole32(val);

	wr(off, &v, sizeof(v));
}

static void region_open(const char *path)
{
	struct stat st;

	region_fd = open(path, O_RDWR);
	if (region_fd < 0)
		die(path);
	/* A BAR has its size; a debugfs file says 0 and cannot be mapped. */
	if (fstat(region_fd, &st) == 0 && st.st_size >= PVIO_PAGE_SIZE) {
		region_map = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE,
				  MAP_SHARED, region_fd, 0);
		if (region_map == MAP_FAILED)
			region_map = NULL;
	}
}

static int area_of(const char *name)
{
	if (!strcmp(name, "toolstack"))
		return PVIO_STORE_TOOLSTACK;
	if (!strcmp(name, "backend"))
		return PVIO_STORE_BACKEND;
	if (!strcmp(name, "frontend"))
		return PVIO_STORE_FRONTEND;
	fprintf(stderr, "pvio_region: no area %s\n", name);
	exit(2);
}

static off_t area_off(int area)
{
	return (off_t)(PVIO_STORE_OFFSET + area) * PVIO_PAGE_SIZE;
}

static off_t entry_off(int area, int i)
{
	return area_off(area) + offsetof(struct pvio_store_area, entries) +
	       (off_t)i * sizeof(struct pvio_store_entry);
}

/* The entry holding @key, else the first unused one if @free, else -1. */
static int find_entry(int area, const char *key, int free)
{
	struct pvio_store_entry e;
	int i, unused = -1;

	for (i = 0; i < PVIO_STORE_ENTRIES; i++) {
		rd(entry_off(area, i), &e, sizeof(e));
		if (!e.key[0]) {
			if (unused < 0)
				unused = i;
			continue;
		}
		if (!strncmp(e.key, key, sizeof(e.key)))
			return i;
	}
	return free ? unused : -1;
}

/* Rewrite entry @i under the area's seqlock, as its writer would. */
static void put_entry(int area, int i, const struct pvio_store_entry *e)
{
	off_t seq = area_off(area) + offsetof(struct pvio_store_area, seq);
	uint32_t odd = rd32(seq) | 1;

	wr32(seq, odd);			/* odd: being written */
	wr(entry_off(area, i), e, sizeof(*e));
	wr32(seq, odd + 1);		/* even again, and moved on */
}

static int cmd_set_key(int area, const char *key, const char *value)
{
	struct pvio_store_entry e;
	int i = find_entry(area, key, 1);

	if (i < 0) {
		fprintf(stderr, "pvio_region: area full\n");
		return 1;
	}
	if (strlen(key) >= sizeof(e.key) || strlen(value) >= sizeof(e.value)) {
		fprintf(stderr, "pvio_region: key or value too long\n");
		return 2;
	}
	memset(&e, 0, sizeof(e));
	strcpy(e.key, key);
	strcpy(e.value, value);
	put_entry(area, i, &e);
	return 0;
}

static int cmd_del_key(int area, const char *key)
{
	struct pvio_store_entry e;
	int i = find_entry(area, key, 0);

	if (i < 0)
		return 1;
	memset(&e, 0, sizeof(e));
	put_entry(area, i, &e);
	return 0;
}

static int cmd_get_key(int area, const char *key)
{
	struct pvio_store_entry e;
	int i = find_entry(area, key, 0);

	if (i < 0)
		return 1;
	rd(entry_off(area, i), &e, sizeof(e));
	printf("%.*s\n", (int)sizeof(e.value), e.value);
	return 0;
}

/* A header field by name: its offset and size (4 or 2 bytes). */
static off_t field_off(const char *name, size_t *size)
{
	static const struct {
		const char *name;
		size_t off;
	} ends[] = {
		{ "state", offsetof(struct pvio_link_end, state) },
		{ "heartbeat", offsetof(struct pvio_link_end, heartbeat) },
		{ "generation", offsetof(struct pvio_link_end, generation) },
	};
	static const struct {
		const char *name;
		size_t off;
	} words[] = {
		{ "magic", offsetof(struct pvio_link_header, magic) },
		{ "abi_version", offsetof(struct pvio_link_header, abi_version) },
		{ "region_pages", offsetof(struct pvio_link_header, region_pages) },
		{ "generation", offsetof(struct pvio_link_header, generation) },
		{ "backend_peer", offsetof(struct pvio_link_header, backend_peer) },
		{ "frontend_peer", offsetof(struct pvio_link_header, frontend_peer) },
	};
	const char *dot = strchr(name, '.');
	size_t i;
	int end;

	*size = 4;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (!strcmp(name, words[i].name))
			return words[i].off;
	if (!strcmp(name, "backend_id") || !strcmp(name, "frontend_id")) {
		*size = 2;
		return name[0] == 'b' ?
		       offsetof(struct pvio_link_header, backend_id) :
		       offsetof(struct pvio_link_header, frontend_id);
	}
	if (dot && !strncmp(name, "backend.", 8))
		end = PVIO_BACKEND;
	else if (dot && !strncmp(name, "frontend.", 9))
		end = PVIO_FRONTEND;
	else
		end = -1;
	for (i = 0; end >= 0 && i < sizeof(ends) / sizeof(ends[0]); i++)
		if (!strcmp(dot + 1, ends[i].name))
			return offsetof(struct pvio_link_header, ends) +
			       end * sizeof(struct pvio_link_end) + ends[i].off;
	fprintf(stderr, "pvio_region: no header field %s\n", name);
	exit(2);
}

static int cmd_get(const char *name)
{
	size_t size;
	off_t off = field_off(name, &size);
	uint16_t v16;

	if (size == 2) {
		rd(off, &v16, sizeof(v16));
		printf("%u\n", le16toh(v16));
	} else {
		printf("%u\n", rd32(off));
	}
	return 0;
}

static int cmd_set(const char *name, const char *value)
{
	unsigned long val;
	size_t size;
	off_t off = field_off(name, &size);
	uint16_t v16;
	char *endp;

	errno = 0;
	val = strtoul(value, &endp, 0);
	if (errno || *endp || !*value || val > UINT32_MAX ||
	    (size == 2 && val > UINT16_MAX)) {
		fprintf(stderr, "pvio_region: bad value %s\n", value);
		return 2;
	}
	if (size == 2) {
		v16 = htole16(val);
		wr(off, &v16, sizeof(v16));
	} else {
		wr32(off, val);
	}
	return 0;
}

/* Region offset of byte @off of the pages granted from @gref on. */
static off_t grant_off(uint32_t gref, uint32_t off)
{
	off_t hdr_grants = offsetof(struct pvio_link_header, grant_offset);
	off_t hdr_data = offsetof(struct pvio_link_header, data_offset);
	off_t entry;
	uint32_t flags, page;

	gref += off / PVIO_PAGE_SIZE;
	entry = (off_t)rd32(hdr_grants) * PVIO_PAGE_SIZE +
		(off_t)gref * sizeof(struct pvio_grant_entry);
	flags = rd32(entry + offsetof(struct pvio_grant_entry, flags));
	page = rd32(entry + offsetof(struct pvio_grant_entry, page));
	if (!(flags & PVIO_GRANT_F_VALID)) {
		fprintf(stderr, "pvio_region: grant %u not valid\n", gref);
		exit(1);
	}
	return ((off_t)rd32(hdr_data) + page) * PVIO_PAGE_SIZE +
	       off % PVIO_PAGE_SIZE;
}

/* An entry given in hex, byte by byte, zero-padded to @size. */
static int parse_entry(const char *hex, unsigned char *buf, size_t size)
{
	size_t i, n = strlen(hex);
	unsigned int byte;

	if (n % 2 || n / 2 > size)
		return -1;
	memset(buf, 0, size);
	for (i = 0; i < n / 2; i++) {
		if (sscanf(hex + 2 * i, "%2x", &byte) != 1)
			return -1;
		buf[i] = byte;
	}
	return 0;
}

/*
 * Play the producer of the ring granted at @gref: @rounds times, fill
 * every slot up to a ring ahead of the consumer with @hex and move prod
 * there, then write "kick" to @kick (a debugfs q<n> file) if given.
 */
static int cmd_ring_flood(char **argv, const char *kick)
{
	unsigned long gref = strtoul(argv[0], NULL, 0);
	unsigned long order = strtoul(argv[1], NULL, 0);
	unsigned long esize = strtoul(argv[2], NULL, 0);
	unsigned long rounds = strtoul(argv[4], NULL, 0), r;
	unsigned long long entries = 0;
	unsigned char entry[PVIO_RING_ENTRY_MAX];
	uint32_t size, prod = 0, cons;
	int kfd = -1;

	if (order > PVIO_RING_ORDER_MAX || esize < PVIO_RING_ENTRY_MIN ||
	    esize > PVIO_RING_ENTRY_MAX || parse_entry(argv[3], entry, esize)) {
		fprintf(stderr, "pvio_region: bad ring-flood arguments\n");
		return 2;
	}
	if (kick) {
		kfd = open(kick, O_WRONLY);
		if (kfd < 0)
			die(kick);
	}
	size = 1u << order;
	for (r = 0; r < rounds; r++) {
		prod = rd32(grant_off(gref, offsetof(struct pvio_ring_shared,
						      prod)));
		cons = rd32(grant_off(gref, offsetof(struct pvio_ring_shared,
						      cons)));
		/* Reset under us (a reconnect): start at the consumer. */
		if (prod - cons > size)
			prod = cons;
		for (; prod != cons + size; prod++, entries++)
			wr(grant_off(gref, sizeof(struct pvio_ring_shared) +
				     (prod & (size - 1)) * esize),
			   entry, esize);
		wr32(grant_off(gref, offsetof(struct pvio_ring_shared, prod)),
		     prod);
		if (kfd >= 0 && write(kfd, "kick", 4) != 4) {
			perror(kick);
			break;
		}
	}
	printf("%lu rounds, %llu entries, prod %u\n", r, entries, prod);
	return 0;
}

/* A shared ring index by name: its offset in the ring's first page. */
static off_t ring_field(const char *name)
{
	if (!strcmp(name, "prod"))
		return offsetof(struct pvio_ring_shared, prod);
	if (!strcmp(name, "cons"))
		return offsetof(struct pvio_ring_shared, cons);
	if (!strcmp(name, "prod_event"))
		return offsetof(struct pvio_ring_shared, prod_event);
	if (!strcmp(name, "cons_event"))
		return offsetof(struct pvio_ring_shared, cons_event);
	fprintf(stderr, "pvio_region: no ring index %s\n", name);
	exit(2);
}

static int cmd_ring_get(const char *gref, const char *name)
{
	printf("%u\n", rd32(grant_off(strtoul(gref, NULL, 0),
				       ring_field(name))));
	return 0;
}

static int cmd_ring_set(const char *gref, const char *name, const char *val)
{
	wr32(grant_off(strtoul(gref, NULL, 0), ring_field(name)),
	     strtoul(val, NULL, 0));
	return 0;
}

/* Region offset of slot @idx of the ring granted at @gref. */
static off_t slot_off(unsigned long gref, unsigned long order,
		      unsigned long esize, uint32_t idx)
{
	return grant_off(gref, sizeof(struct pvio_ring_shared) +
			 (idx & ((1u << order) - 1)) * esize);
}

static int ring_args(char **argv, unsigned long *gref, unsigned long *order,
		     unsigned long *esize)
{
	*gref = strtoul(argv[0], NULL, 0);
	*order = strtoul(argv[1], NULL, 0);
	*esize = strtoul(argv[2], NULL, 0);
	if (*order > PVIO_RING_ORDER_MAX || *esize < PVIO_RING_ENTRY_MIN ||
	    *esize > PVIO_RING_ENTRY_MAX) {
		fprintf(stderr, "pvio_region: bad ring arguments\n");
		return -1;
	}
	return 0;
}

/*
 * Produce one entry on the ring granted at @gref, as its producer would:
 * the slot at prod, then prod one further; "kick" to @kick if given.
 * Prints the entry's index.
 */
static int cmd_ring_push(char **argv, const char *kick)
{
	unsigned char entry[PVIO_RING_ENTRY_MAX];
	unsigned long gref, order, esize;
	off_t prod_off;
	uint32_t prod;
	int kfd;

	if (ring_args(argv, &gref, &order, &esize) ||
	    parse_entry(argv[3], entry, esize)) {
		fprintf(stderr, "pvio_region: bad ring-push arguments\n");
		return 2;
	}
	prod_off = grant_off(gref, offsetof(struct pvio_ring_shared, prod));
	prod = rd32(prod_off);
	wr(slot_off(gref, order, esize, prod), entry, esize);
	__sync_synchronize();
	wr32(prod_off, prod + 1);
	if (kick) {
		kfd = open(kick, O_WRONLY);
		if (kfd < 0)
			die(kick);
		if (write(kfd, "kick", 4) != 4)
			die(kick);
		close(kfd);
	}
	printf("%u\n", prod);
	return 0;
}

/* Print slot IDX of the ring granted at GREF in hex. */
static int cmd_ring_peek(char **argv)
{
	unsigned char entry[PVIO_RING_ENTRY_MAX];
	unsigned long gref, order, esize, i;

	if (ring_args(argv, &gref, &order, &esize))
		return 2;
	rd(slot_off(gref, order, esize, strtoul(argv[3], NULL, 0)), entry,
	   esize);
	for (i = 0; i < esize; i++)
		printf("%02x", entry[i]);
	putchar('\n');
	return 0;
}

/* Region offset of grant table entry @gref (any number: no check). */
static off_t grant_entry_off(const char *gref)
{
	return (off_t)rd32(offsetof(struct pvio_link_header, grant_offset)) *
	       PVIO_PAGE_SIZE + (off_t)strtoul(gref, NULL, 0) *
	       sizeof(struct pvio_grant_entry);
}

static int cmd_grant_get(const char *gref)
{
	off_t e = grant_entry_off(gref);

	printf("%u %u\n", rd32(e + offsetof(struct pvio_grant_entry, flags)),
	       rd32(e + offsetof(struct pvio_grant_entry, page)));
	return 0;
}

/* Write grant entry GREF as the frontend would, or revoke it (flags 0). */
static int cmd_grant_set(const char *gref, const char *flags, const char *page)
{
	off_t e = grant_entry_off(gref);

	if (strtoul(gref, NULL, 0) >=
	    rd32(offsetof(struct pvio_link_header, grant_entries))) {
		fprintf(stderr, "pvio_region: no grant %s\n", gref);
		return 2;
	}
	wr32(e + offsetof(struct pvio_grant_entry, page),
	     strtoul(page, NULL, 0));
	__sync_synchronize();
	wr32(e + offsetof(struct pvio_grant_entry, flags),
	     strtoul(flags, NULL, 0));
	return 0;
}

/*
 * Hold AREA torn, as a writer that died mid-update leaves it: its count
 * odd (readers retry, then give up with -EIO), or even again (mend).
 */
static int cmd_tear(int area, int torn)
{
	off_t seq = area_off(area) + offsetof(struct pvio_store_area, seq);
	uint32_t v = rd32(seq);

	if (torn)
		wr32(seq, v | 1);
	else if (v & 1)
		wr32(seq, v + 1);
	return 0;
}

/* KEY's entry half-written: its value runs to the end, no terminator. */
static int cmd_garble(int area, const char *key)
{
	struct pvio_store_entry e;
	int i = find_entry(area, key, 1);

	if (i < 0 || strlen(key) >= sizeof(e.key)) {
		fprintf(stderr, "pvio_region: area full or key too long\n");
		return 1;
	}
	memset(&e, 0, sizeof(e));
	strcpy(e.key, key);
	memset(e.value, '7', sizeof(e.value));
	put_entry(area, i, &e);
	return 0;
}

/*
 * Flap END's state ROUNDS times between Closing and InitWait, ringing
 * the other end's control port (writing "<other> 0" to the debugfs file
 * NOTIFY) after each move and pausing PAUSE_US microseconds, as a
 * backend that keeps dying and coming back would. Ends in InitWait.
 */
static int cmd_flap(const char *end, const char *nrounds, const char *notify,
		    const char *pause)
{
	unsigned long rounds = strtoul(nrounds, NULL, 0), r;
	unsigned long us = pause ? strtoul(pause, NULL, 0) : 200;
	char field[32], msg[16];
	const uint32_t states[2] = { PVIO_STATE_CLOSING, PVIO_STATE_INITWAIT };
	size_t size, mlen;
	off_t off;
	int nfd, i;

	if (strcmp(end, "backend") && strcmp(end, "frontend")) {
		fprintf(stderr, "pvio_region: no end %s\n", end);
		return 2;
	}
	snprintf(field, sizeof(field), "%s.state", end);
	off = field_off(field, &size);
	mlen = snprintf(msg, sizeof(msg), "%s 0",
			strcmp(end, "backend") ? "backend" : "frontend");
	nfd = open(notify, O_WRONLY);
	if (nfd < 0)
		die(notify);
	for (r = 0; r < rounds; r++) {
		for (i = 0; i < 2; i++) {
			wr32(off, states[i]);
			if (write(nfd, msg, mlen) != (ssize_t)mlen)
				die(notify);
			if (us)
				usleep(us);
		}
	}
	close(nfd);
	printf("%lu flaps\n", r);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pvio_region REGION COMMAND [ARGS]\n"
		"Read or write a pvio link's shared region as a peer can (tests).\n"
		"REGION: debugfs pvio/link<N>/region (pvio_hv expose_region=1)\n"
		"        or an ivshmem device's resource2\n"
		"commands:\n"
		"  get-key AREA KEY         print KEY of AREA's config store\n"
		"  set-key AREA KEY VALUE   write it, under the area's seqlock\n"
		"  del-key AREA KEY         remove it, likewise\n"
		"  get FIELD                print a header field\n"
		"  set FIELD VALUE          write a header field\n"
		"  ring-flood GREF ORDER ENTRY_SIZE HEX ROUNDS [KICK]\n"
		"                           produce on the ring granted at GREF\n"
		"                           (2^ORDER slots of ENTRY_SIZE bytes):\n"
		"                           ROUNDS times fill it a ring ahead of\n"
		"                           its consumer with the entry HEX (bytes\n"
		"                           in hex, zero-padded), then write kick\n"
		"                           to the debugfs file KICK\n"
		"  ring-get GREF INDEX      print an index of the ring at GREF:\n"
		"                           prod, cons, prod_event or cons_event\n"
		"  ring-set GREF INDEX VALUE\n"
		"                           write it\n"
		"  ring-push GREF ORDER ENTRY_SIZE HEX [KICK]\n"
		"                           produce one entry HEX at prod, move prod\n"
		"                           on by one, write kick to KICK; print the\n"
		"                           entry's index\n"
		"  ring-peek GREF ORDER ENTRY_SIZE IDX\n"
		"                           print slot IDX in hex\n"
		"  grant-get GREF           print grant entry GREF: flags, page\n"
		"  grant-set GREF FLAGS PAGE\n"
		"                           write it (FLAGS 0 revokes it)\n"
		"  tear AREA                hold AREA's store torn (count odd)\n"
		"  mend AREA                make its count even again\n"
		"  garble AREA KEY          write KEY with an unterminated value\n"
		"  flap END ROUNDS NOTIFY [PAUSE_US]\n"
		"                           move END's state Closing, InitWait,\n"
		"                           ROUNDS times, ringing the other end's\n"
		"                           control port through the debugfs file\n"
		"                           NOTIFY (pvio/link<N>/notify) after each\n"
		"                           move and pausing PAUSE_US (200) us\n"
		"AREA: toolstack, backend or frontend\n"
		"FIELD: magic, abi_version, region_pages, generation,\n"
		"       backend_id, frontend_id, backend_peer, frontend_peer, or\n"
		"       {backend,frontend}.{state,heartbeat,generation}\n");
}

int main(int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "-h") ||
			  !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 3) {
		usage(stderr);
		return 2;
	}
	region_open(argv[1]);
	if (!strcmp(argv[2], "get-key") && argc == 5)
		return cmd_get_key(area_of(argv[3]), argv[4]);
	if (!strcmp(argv[2], "set-key") && argc == 6)
		return cmd_set_key(area_of(argv[3]), argv[4], argv[5]);
	if (!strcmp(argv[2], "del-key") && argc == 5)
		return cmd_del_key(area_of(argv[3]), argv[4]);
	if (!strcmp(argv[2], "get") && argc == 4)
		return cmd_get(argv[3]);
	if (!strcmp(argv[2], "set") && argc == 5)
		return cmd_set(argv[3], argv[4]);
	if (!strcmp(argv[2], "tear") && argc == 4)
		return cmd_tear(area_of(argv[3]), 1);
	if (!strcmp(argv[2], "mend") && argc == 4)
		return cmd_tear(area_of(argv[3]), 0);
	if (!strcmp(argv[2], "garble") && argc == 5)
		return cmd_garble(area_of(argv[3]), argv[4]);
	if (!strcmp(argv[2], "flap") && (argc == 6 || argc == 7))
		return cmd_flap(argv[3], argv[4], argv[5],
				argc == 7 ? argv[6] : NULL);
	if (!strcmp(argv[2], "ring-get") && argc == 5)
		return cmd_ring_get(argv[3], argv[4]);
	if (!strcmp(argv[2], "ring-set") && argc == 6)
		return cmd_ring_set(argv[3], argv[4], argv[5]);
	if (!strcmp(argv[2], "ring-push") && (argc == 7 || argc == 8))
		return cmd_ring_push(argv + 3, argc == 8 ? argv[7] : NULL);
	if (!strcmp(argv[2], "ring-peek") && argc == 7)
		return cmd_ring_peek(argv + 3);
	if (!strcmp(argv[2], "grant-get") && argc == 4)
		return cmd_grant_get(argv[3]);
	if (!strcmp(argv[2], "grant-set") && argc == 6)
		return cmd_grant_set(argv[3], argv[4], argv[5]);
	if (!strcmp(argv[2], "ring-flood") && (argc == 8 || argc == 9))
		return cmd_ring_flood(argv + 3, argc == 9 ? argv[8] : NULL);
	usage(stderr);
	return 2;
}
