#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The driver domain's `run =` script in ivshmem_toolstack_lifecycle: an
# interface named like a backend's (pvif<link>.<index>) appears, as one
# would when pvio_netback instantiates a vif; domain.sh must add it to
# br0 on its own ("pvio-domain: pvif99.0 joined br0" on the console).
modprobe dummy 2>/dev/null
if /usr/bin/ip link add pvif99.0 type dummy; then
	echo "pvio-test: pvif99.0 created"
else
	echo "pvio-test: cannot create pvif99.0"
fi
