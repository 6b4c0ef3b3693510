# SPDX-License-Identifier: GPL-2.0
#
# Host-side helper, sourced by run.sh and by multi-VM host tests: boot one
# test VM under QEMU. Expects VM_KERNEL, VM_INITRD and VM_KMODS (the
# kernel's lib/modules directory, shared as /lib/modules) in the environment.
#
# VM_USR, if set, is shared as the guest's /usr instead of the host's
# (pkg_install: a /usr with pvio's packages installed).
#
# vm_qemu LOGDIR NAME TIMEOUT APPEND [extra QEMU arguments...]
#   Boots the VM in the foreground until it powers off or TIMEOUT seconds
#   pass. The guest console goes to LOGDIR/NAME.console and the guest's
#   second serial port (test results) to LOGDIR/NAME.results.
#   APPEND is added to the kernel command line (pviotests=, pviorun=).
# vm_qemu_x LOGDIR NAME TIMEOUT APPEND [...]
#   The same for a VM that shares memory with another VM (VM_XACCEL).

# Pinned CPU model ("Tests and benchmarks" in
# Documentation/architecture.rst): SSE4.2 for fio's crc32c, SSSE3 for glibc's
# string functions, no ERMS/FSRM. TCG: this machine has no usable KVM.
VM_CPU=${VM_CPU:-Nehalem}
VM_MEM=${VM_MEM:-512M}
# One socket per vCPU: a kernel without ACPI (the debug kernel) counts CPUs
# from the MP table, which lists one per socket. "N,maxcpus=M": N vCPUs
# running of M possible.
VM_SMP=${VM_SMP:-2}
# One host thread for all vCPUs. Multi-threaded TCG (QEMU 7.2, plain
# "tcg") now and then runs kernel text another vCPU is live-patching
# (static keys: trace events turned on, modules loaded) and dies of
# "Oops: int3"; flipping the trace events 6000 times under traffic killed
# 3 runs of 3 that way, and none of 3 with thread=single, which is no
# slower here (the VM tests took as long or less). make bench keeps "tcg".
# With one thread a vCPU runs until it halts, pauses or is kicked: a
# kernel loop ringing doorbells (self-IPIs) without cpu_relax() starved
# the other vCPU for 20 s and more (soft lockups); busy loops relax.
VM_ACCEL=${VM_ACCEL:-tcg,thread=single}
# Cross-VM tests, demo and benchmark (two QEMU processes sharing memory
# through ivshmem) take VM_XACCEL and VM_XSMP instead (vm_qemu_x). TCG
# keeps a guest's barriers and atomics only when it translates for
# parallel vCPUs (CF_PARALLEL: multi-threaded TCG with more than one
# possible vCPU); else mfence is dropped, a locked instruction is a plain
# load and store, and another QEMU process may see a store after a later
# load. ivshmem_litmus measured store buffering between two VMs on the
# 2-core machine (4 runs of 10-20 s per test, a kernel build and other
# VMs beside them): with thread=single (-smp 2 or 1), rounds fenced with
# mfence or xchg broke the order in every run, as often as unfenced ones
# (up to 6.4 in 1000), with smp_mb()'s lock addl in 4 runs of 8 (up to
# 1.9 in 1000); with thread=multi and -smp 1,maxcpus=2 none of 229
# million fenced rounds did, while unfenced ones reordered 1.3 to 4.5 in
# 1000, also when interleaved with the fenced ones (-smp 2
# multi-threaded: none of 226 million, but two running vCPUs bring back
# the int3 crashes above). One vCPU running of two possible: CF_PARALLEL,
# and no other vCPU to patch text under it. Message passing (wmb/rmb)
# kept its order in every mode.
VM_XACCEL=${VM_XACCEL:-tcg,thread=multi}
VM_XSMP=${VM_XSMP:-1,maxcpus=2}

vm_qemu() {
	local logdir=$1 name=$2 limit=$3 append=$4
	local cpus=${VM_SMP%%,*} max
	shift 4
	max=$(echo "$VM_SMP" | sed -n 's/.*maxcpus=\([0-9]*\).*/\1/p')
	max=${max:-$cpus}
	: >"$logdir/$name.results"
	timeout --kill-after=10 "$limit" qemu-system-x86_64 \
		-accel "$VM_ACCEL" -cpu "$VM_CPU" \
		-smp "$cpus,maxcpus=$max,sockets=$max" -m "$VM_MEM" \
		-nodefaults -display none -no-reboot \
		-kernel "$VM_KERNEL" -initrd "$VM_INITRD" \
		-append "console=ttyS0 loglevel=5 log_buf_len=4M panic=-1 $append" \
		-serial "file:$logdir/$name.console" \
		-serial "file:$logdir/$name.results" \
		-virtfs "local,path=${VM_USR:-/usr},mount_tag=usr,security_model=none,readonly=on" \
		-virtfs "local,path=$VM_KMODS,mount_tag=kmods,security_model=none,readonly=on" \
		"$@" </dev/null >"$logdir/$name.qemu" 2>&1
}

# vm_qemu_x ARGS...: vm_qemu in the cross-VM mode (VM_XACCEL, VM_XSMP).
vm_qemu_x() {
	VM_ACCEL=$VM_XACCEL VM_SMP=$VM_XSMP vm_qemu "$@"
}
