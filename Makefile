# SPDX-License-Identifier: GPL-2.0
#
# pvio: the Xen split-driver model as loadable Linux modules.
#
#   make                 build the modules (against KDIR) and userspace
#   make check           everything CI runs: check-build, check-dkms,
#                        check-deb, check-unit, check-hvd, check-harness,
#                        check-vm, and the debug-kernel tier
#   make check-build     6.12 and 6.1 builds with W=1, sparse, checkpatch
#   make check-dkms      DKMS builds and installs every module for 6.12 and
#                        6.1 (private trees, as root); make sign signs them
#   make check-deb       make deb, lintian, the packages' contents
#   make check-unit      userspace unit tests of common/ under ASan/UBSan
#   make check-hvd       pvio-hvd's no-VM tests (ivshmem_hvd_*)
#   make check-harness   the VM harness checks it reports failures
#   make check-vm        VM tests (T='blk_*' for a subset, KERNEL=debug)
#   make check-ivshmem   cross-VM tests over ivshmem (ivshmem_*: pvio up,
#                        pvio-hvd and several VMs)
#   make check-recover   the driver domain killed, restarted and stopped
#                        under running guests (recover_*)
#   make check-kunit     pvio_hv's KUnit suites in the debug kernel's VM
#   make check-bench     the benchmarks' smoke run (one quick VM) and a
#                        check of the results folder and bench-compare
#   make bench           block benchmark (fio: direct, loop driver, pvio;
#                        TCG and icount), network benchmark (iperf3, ping:
#                        veth, pvio; TCG and icount), ring benchmark,
#                        cross-VM benchmark, driver domain restart; each
#                        part prints its table and writes its figures
#                        into BENCH_OUT (default bench-results/<date-time>,
#                        one folder per make run): figures.csv,
#                        figures.json, report.md with the conditions on
#                        top, plots/*.png
#   make bench-blk       the block benchmark alone
#   make bench-net       the network benchmark alone
#   make bench-xvm       the cross-VM benchmark: pvio through a driver
#                        domain beside QEMU's virtio-blk and virtio-net
#   make bench-compare OLD=<dir> NEW=<dir>
#                        every figure of two results folders, old, new
#                        and the change in % (default: NEW the newest
#                        folder in bench-results/, OLD the one before)
#   make bench-ring      ring throughput beside memcpy (and DPDK's rte_ring)
#   make demo            the README's first command: three VMs over pvio
#   make demo-loop       the single-VM demo (loop provider)
#   make deb             the Debian packages pvio-dkms and pvio-utils in
#                        .build/deb/ (dpkg-buildpackage on a copy of the
#                        tree in .build/deb/src; writes nothing beside it)
#   make modules_install install the modules for KDIR's kernel and depmod
#   make sign KEY=<private key> CERT=<certificate>
#                        sign the built modules (or MODDIR's) with KDIR's
#                        scripts/sign-file, sha256 (HASH=), for Secure Boot
#
# KDIR defaults to the newest Debian 6.12 headers installed, else the
# running kernel's build directory.

PVIO_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
DEPS := $(PVIO_ROOT)/scripts/deps.sh
# Resolved when used, after deps.sh has installed the headers.
KDIR ?= $(shell $(PVIO_ROOT)/scripts/kdir.sh 6.12)
KBUILD := $(MAKE) -C $(KDIR) M=$(PVIO_ROOT) PVIO_ROOT=$(PVIO_ROOT)
T ?= *
KERNEL ?= stock
# One results folder per make run, shared by make bench's parts
# (scripts/bench-lib.sh).
BENCH_RESULTS ?= $(PVIO_ROOT)/bench-results
ifeq ($(origin BENCH_OUT),undefined)
BENCH_OUT := $(BENCH_RESULTS)/$(shell date +%Y%m%d-%H%M%S)
endif
export BENCH_OUT BENCH_RESULTS

.PHONY: all modules userspace clean modules_install sign deps deb \
	check check-build check-dkms check-deb check-unit check-hvd check-harness check-vm check-ivshmem check-recover check-kunit \
	check-bench bench bench-ring bench-blk bench-net bench-xvm bench-recover bench-compare \
	demo demo-loop

all: modules userspace

deps:
	@$(DEPS) build

modules: deps
	$(KBUILD) modules

userspace: deps
	@if [ -e userspace/Makefile ]; then $(MAKE) -C userspace; fi

modules_install: modules
	$(KBUILD) modules_install INSTALL_MOD_DIR=extra/pvio
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) \
		$$(cat $(KDIR)/include/config/kernel.release)

sign:
	@HASH='$(HASH)' $(PVIO_ROOT)/scripts/sign-modules.sh '$(KEY)' '$(CERT)' '$(KDIR)' $(MODDIR)

deb:
	@$(PVIO_ROOT)/scripts/deb.sh

clean:
	-$(KBUILD) clean
	@if [ -e userspace/Makefile ]; then $(MAKE) -C userspace clean; fi
	$(MAKE) -C selftests/tools clean
	$(MAKE) -C selftests/unit clean
	$(MAKE) -C selftests/hvd clean
	$(MAKE) -C selftests/bench clean
	rm -rf .build

check:
	@$(PVIO_ROOT)/scripts/check.sh

check-build:
	@$(PVIO_ROOT)/scripts/check-build.sh

check-dkms:
	@$(PVIO_ROOT)/scripts/dkms-check.sh

check-deb:
	@$(PVIO_ROOT)/scripts/deb-check.sh

check-unit:
	@$(DEPS) build test
	$(MAKE) -C selftests/unit check

check-hvd:
	@$(DEPS) build
	$(MAKE) -C selftests/hvd check

check-harness:
	@$(DEPS) build test
	@$(PVIO_ROOT)/selftests/vm/selftest.sh

check-vm:
	@$(DEPS) build test
	@$(PVIO_ROOT)/selftests/vm/run.sh -k '$(KERNEL)' -t '$(T)'

check-ivshmem:
	@$(DEPS) build test
	@$(PVIO_ROOT)/selftests/vm/run.sh -k stock -t 'ivshmem_*'

check-recover:
	@$(DEPS) build test
	@$(PVIO_ROOT)/selftests/vm/run.sh -k stock -t 'recover_*'

check-kunit:
	@$(DEPS) build test
	@$(PVIO_ROOT)/selftests/vm/run.sh -k debug -t 'core_kunit'

check-bench:
	@$(DEPS) build test
	@$(PVIO_ROOT)/scripts/bench-check.sh

bench: bench-blk bench-net bench-ring bench-xvm bench-recover

bench-blk:
	@$(DEPS) build test
	@$(PVIO_ROOT)/scripts/bench.sh

bench-net:
	@$(DEPS) build test
	@$(PVIO_ROOT)/scripts/bench-net.sh

bench-xvm:
	@$(DEPS) build test
	@$(PVIO_ROOT)/scripts/bench-xvm.sh

bench-recover:
	@$(DEPS) build test
	@$(PVIO_ROOT)/scripts/bench-recover.sh

bench-ring:
	@$(DEPS) build bench
	@$(PVIO_ROOT)/scripts/bench-ring.sh

bench-compare:
	@python3 $(PVIO_ROOT)/scripts/bench-report.py compare '$(OLD)' '$(NEW)'

demo:
	@$(DEPS) build test
	@$(PVIO_ROOT)/scripts/demo.sh

demo-loop:
	@$(DEPS) build test
	@$(PVIO_ROOT)/scripts/demo-loop.sh
