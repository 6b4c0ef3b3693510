// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The pvio authors. */
/*
 * xdp_prog: attach small XDP programs to an interface, for the VM tests.
 * The programs are raw BPF instructions (no clang in the VM or CI); each
 * counts the packets it sees in a one-entry array map, which "count"
 * reads back through the attached program.
 *
 *   xdp_prog IFACE pass|drop|tx     attach (native mode)
 *   xdp_prog IFACE redirect TO      attach: bpf_redirect() to TO
 *   xdp_prog IFACE off              detach
 *   xdp_prog IFACE count            print the attached program's count
 *
 * tx swaps the Ethernet addresses and returns XDP_TX. A refused attach
 * prints the kernel's extack message (libbpf does, on stderr).
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>

#define INSN(c, d, s, o, i)						\
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), \
			    .off = (o), .imm = (i) })
#define MOV64_REG(d, s)	INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_IMM(d, i)	INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define ADD64_IMM(d, i)	INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define LDX(sz, d, s, o) INSN(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define STX(sz, d, s, o) INSN(BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define ST_IMM(sz, d, o, i) INSN(BPF_ST | BPF_MEM | (sz), d, 0, o, i)
#define ATOMIC_ADD64(d, s, o) INSN(BPF_STX | BPF_ATOMIC | BPF_DW, d, s, o, \
				   BPF_ADD)
#define JEQ_IMM(d, i, o) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define JGT_REG(d, s, o) INSN(BPF_JMP | BPF_JGT | BPF_X, d, s, o, 0)
#define CALL(f)		INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT()		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
/* Two instructions: a map's fd, turned into its address at load. */
#define LD_MAP_FD(d, fd)						\
	INSN(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd),	\
	INSN(0, 0, 0, 0, 0)

#define PROG_MAX	64

static void usage(void)
{
	fprintf(stderr, "usage: xdp_prog IFACE pass|drop|tx|off|count\n"
		"       xdp_prog IFACE redirect TO_IFACE\n");
	exit(2);
}

/* map[0] += 1, r6 = the context: what every program starts with. */
static int prog_count(struct bpf_insn *p, int map_fd)
{
	struct bpf_insn c[] = {
		MOV64_REG(BPF_REG_6, BPF_REG_1),
		ST_IMM(BPF_W, BPF_REG_10, -4, 0),
		MOV64_REG(BPF_REG_2, BPF_REG_10),
		ADD64_IMM(BPF_REG_2, -4),
		LD_MAP_FD(BPF_REG_1, map_fd),
		CALL(BPF_FUNC_map_lookup_elem),
		JEQ_IMM(BPF_REG_0, 0, 2),
		MOV64_IMM(BPF_REG_1, 1),
		ATOMIC_ADD64(BPF_REG_0, BPF_REG_1, 0),
	};

	memcpy(p, c, sizeof(c));
	return sizeof(c) / sizeof(c[0]);
}

/* Swap the Ethernet addresses (if the frame has them), XDP_TX. */
static int prog_tx(struct bpf_insn *p)
{
	struct bpf_insn c[] = {
		LDX(BPF_W, BPF_REG_2, BPF_REG_6,
		    offsetof(struct xdp_md, data)),
		LDX(BPF_W, BPF_REG_3, BPF_REG_6,
		    offsetof(struct xdp_md, data_end)),
		MOV64_REG(BPF_REG_4, BPF_REG_2),
		ADD64_IMM(BPF_REG_4, 12),
		/* Shorter than two addresses: drop. */
		JGT_REG(BPF_REG_4, BPF_REG_3, 10),
		LDX(BPF_W, BPF_REG_4, BPF_REG_2, 0),
		LDX(BPF_H, BPF_REG_5, BPF_REG_2, 4),
		LDX(BPF_W, BPF_REG_7, BPF_REG_2, 6),
		LDX(BPF_H, BPF_REG_8, BPF_REG_2, 10),
		STX(BPF_W, BPF_REG_2, BPF_REG_7, 0),
		STX(BPF_H, BPF_REG_2, BPF_REG_8, 4),
		STX(BPF_W, BPF_REG_2, BPF_REG_4, 6),
		STX(BPF_H, BPF_REG_2, BPF_REG_5, 10),
		MOV64_IMM(BPF_REG_0, XDP_TX),
		EXIT(),
		MOV64_IMM(BPF_REG_0, XDP_DROP),
		EXIT(),
	};

	memcpy(p, c, sizeof(c));
	return sizeof(c) / sizeof(c[0]);
}

static int prog_redirect(struct bpf_insn *p, int ifindex)
{
	struct bpf_insn c[] = {
		MOV64_IMM(BPF_REG_1, ifindex),
		MOV64_IMM(BPF_REG_2, 0),
		CALL(BPF_FUNC_redirect),
		EXIT(),
	};

	memcpy(p, c, sizeof(c));
	return sizeof(c) / sizeof(c[0]);
}

static int prog_return(struct bpf_insn *p, int action)
{
	p[0] = MOV64_IMM(BPF_REG_0, action);
	p[1] = EXIT();
	return 2;
}

static int attach(int ifindex, const char *what, const char *to)
{
	static char log[65536];
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .log_buf = log,
		    .log_size = sizeof(log), .log_level = 1);
	struct bpf_insn insns[PROG_MAX];
	int map_fd, prog_fd, n, ret, to_idx;

	map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xdp_count", 4, 8, 1,
				NULL);
	if (map_fd < 0) {
		perror("xdp_prog: map");
		return 1;
	}
	n = prog_count(insns, map_fd);
	if (!strcmp(what, "pass")) {
		n += prog_return(insns + n, XDP_PASS);
	} else if (!strcmp(what, "drop")) {
		n += prog_return(insns + n, XDP_DROP);
	} else if (!strcmp(what, "tx")) {
		n += prog_tx(insns + n);
	} else if (!strcmp(what, "redirect") && to) {
		to_idx = if_nametoindex(to);
		if (!to_idx) {
			fprintf(stderr, "xdp_prog: no interface %s\n", to);
			return 1;
		}
		n += prog_redirect(insns + n, to_idx);
	} else {
		usage();
	}
	prog_fd = bpf_prog_load(BPF_PROG_TYPE_XDP, what, "GPL", insns, n,
				&opts);
	if (prog_fd < 0) {
		fprintf(stderr, "xdp_prog: load: %s\n%s", strerror(errno), log);
		return 1;
	}
	ret = bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_DRV_MODE, NULL);
	if (ret) {
		fprintf(stderr, "xdp_prog: attach: %s\n", strerror(-ret));
		return 1;
	}
	return 0;
}

/* The attached program's first map, entry 0. */
static int count(int ifindex)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), prog_id, map_id, key = 0;
	int prog_fd, map_fd;
	__u64 val;

	if (bpf_xdp_query_id(ifindex, XDP_FLAGS_DRV_MODE, &prog_id) ||
	    !prog_id) {
		fprintf(stderr, "xdp_prog: no program attached\n");
		return 1;
	}
	prog_fd = bpf_prog_get_fd_by_id(prog_id);
	info.nr_map_ids = 1;
	info.map_ids = (__u64)(unsigned long)&map_id;
	if (prog_fd < 0 || bpf_obj_get_info_by_fd(prog_fd, &info, &len) ||
	    info.nr_map_ids < 1) {
		fprintf(stderr, "xdp_prog: the program has no map\n");
		return 1;
	}
	map_fd = bpf_map_get_fd_by_id(map_id);
	if (map_fd < 0 || bpf_map_lookup_elem(map_fd, &key, &val)) {
		perror("xdp_prog: map lookup");
		return 1;
	}
	printf("%llu\n", (unsigned long long)val);
	return 0;
}

int main(int argc, char **argv)
{
	int ifindex, ret;

	if (argc < 3)
		usage();
	ifindex = if_nametoindex(argv[1]);
	if (!ifindex) {
		fprintf(stderr, "xdp_prog: no interface %s\n", argv[1]);
		return 1;
	}
	if (!strcmp(argv[2], "off")) {
		ret = bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
		if (ret)
			fprintf(stderr, "xdp_prog: detach: %s\n",
				strerror(-ret));
		return !!ret;
	}
	if (!strcmp(argv[2], "count"))
		return count(ifindex);
	return attach(ifindex, argv[2], argc > 3 ? argv[3] : NULL);
}
