#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A pvio domain's life, run by the VM's /init when the toolstack boots it
# (`pvio up`: pviorun=domain.sh on the kernel command line; pvio.cfg(5)).
#
#   pviorole=driver|guest  what the domain is
#   pvioname=NAME          its name in the config
#   pviodomid=N            its domain id
#   pvioexec=PATH          optional: a script under /pvio to run once ready
#
# Both roles load the pvio modules the initramfs has (/pvio/modules; none
# is needed: a missing one is said and skipped) and report their ivshmem
# devices; a driver domain loads its real devices' drivers first (the
# backends open their disks at once). A driver domain then makes a
# bridge br0 of its NIC and asks QEMU's DHCP for an address, and enslaves
# every backend interface (pvif*) to br0 as it appears, for as long as it
# runs. When set up, the console gets one line the toolstack waits for:
#   pvio-domain: ready role=ROLE name=NAME ivshmem=N modules=LIST
# The domain never ends by itself: `pvio kill` or `pvio down` stops it.

arg() {
	tr ' ' '\n' </proc/cmdline | sed -n "s/^$1=//p"
}
say() {
	echo "pvio-domain: $*"
}

role=$(arg pviorole)
name=$(arg pvioname)
IP=/usr/bin/ip
mods=/pvio/modules
hostname "${name:-pvio}"

case $role in
driver) want="pvio_hv pvio_ivshmem pvio_blkback pvio_netback" ;;
guest) want="pvio_hv pvio_ivshmem pvio_blkfront pvio_netfront" ;;
*) say "no pviorole= (driver or guest) on the command line"; want= ;;
esac

# A driver domain's real devices first: the backends open what the
# toolstack's records name (/dev/vda1) as soon as pvio_ivshmem makes them.
if [ "$role" = driver ]; then
	modprobe virtio_blk 2>/dev/null
	modprobe virtio_net 2>/dev/null
fi

loaded=
for m in $want; do
	if [ -d /sys/module/$m ]; then
		loaded="$loaded $m"
	elif [ ! -e $mods/$m.ko ]; then
		say "no $m.ko in $mods: not loaded"
	elif insmod $mods/$m.ko $([ $m = pvio_ivshmem ] && echo role=$role); then
		loaded="$loaded $m"
	else
		say "insmod $m failed"
	fi
done

# ivshmem-doorbell: 1af4:1110.
ivshmem=0
for dev in /sys/bus/pci/devices/*; do
	[ "$(cat $dev/vendor)" = 0x1af4 ] && [ "$(cat $dev/device)" = 0x1110 ] ||
		continue
	ivshmem=$((ivshmem + 1))
	drv=$(readlink $dev/driver)
	drv=${drv##*/}
	say "ivshmem ${dev##*/} driver ${drv:-none}"
done

bridge_nic() {
	modprobe virtio_blk 2>/dev/null
	modprobe virtio_net 2>/dev/null
	modprobe bridge 2>/dev/null
	mkdir -p /run
	$IP link add br0 type bridge 2>/dev/null || { say "no bridge"; return; }
	$IP link set br0 up
	for n in /sys/class/net/eth*; do
		[ -e "$n" ] || continue
		$IP link set "${n##*/}" master br0 && $IP link set "${n##*/}" up
	done
	# QEMU's user network answers DHCP at once; bounded in case it does not.
	cat >/tmp/udhcpc.sh <<'EOF'
#!/bin/sh
case $1 in bound|renew)
	/usr/bin/ip addr flush dev $interface
	/usr/bin/ip addr add $ip/${mask:-24} dev $interface
	[ -n "$router" ] && /usr/bin/ip route replace default via ${router%% *}
esac
exit 0
EOF
	chmod +x /tmp/udhcpc.sh
	[ -e /sys/class/net/eth0 ] &&
		udhcpc -i br0 -s /tmp/udhcpc.sh -q -n -t 3 -T 1 >/dev/null 2>&1
	say "br0: $($IP -br addr show br0 2>/dev/null)"
}

enslave_vifs() {
	for n in /sys/class/net/pvif*; do
		[ -e "$n" ] || continue
		[ -e "$n/brport" ] && continue
		$IP link set "${n##*/}" master br0 &&
			$IP link set "${n##*/}" up &&
			say "${n##*/} joined br0"
	done
}

[ "$role" = driver ] && bridge_nic
say "ready role=$role name=$name ivshmem=$ivshmem modules=$(echo $loaded | tr ' ' ,)"

exec_script=$(arg pvioexec)
if [ -n "$exec_script" ]; then
	if [ "$role" = driver ]; then
		sh "/pvio/$exec_script" &
	else
		sh "/pvio/$exec_script"
		say "$exec_script exited with $?"
	fi
fi

# Stay up; a driver domain bridges each backend interface as it comes.
while :; do
	[ "$role" = driver ] && [ -e /sys/class/net/br0 ] && enslave_vifs
	sleep 1
done
