// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Copyright (C) 2026 The pvio authors. */
/*
 * Shared memory objects: one memfd per link region and one for the control
 * region. Each is sized once and sealed, so that no peer that got the fd can
 * shrink it and SIGBUS the others ("Measured facts" in
 * Documentation/architecture.rst), nor unseal it.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hvd.h"

#define HVD_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

int hvd_shm_create(struct hvd_shm *shm, const char *name, size_t size)
{
	int err;

	/* QEMU's ivshmem maps the memfd as BAR2 and aborts unless it is 2^n. */
	if (!size || (size & (size - 1)))
		return -EINVAL;
	shm->fd = memfd_create(name, MFD_ALLOW_SEALING | MFD_CLOEXEC);
	if (shm->fd < 0)
		return -errno;
	if (ftruncate(shm->fd, size) ||
	    fcntl(shm->fd, F_ADD_SEALS, HVD_SEALS)) {
		err = -errno;
		goto err_close;
	}
	shm->map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			shm->fd, 0);
	if (shm->map == MAP_FAILED) {
		err = -errno;
		goto err_close;
	}
	shm->size = size;
	return 0;

err_close:
	close(shm->fd);
	shm->fd = -1;
	return err;
}

void hvd_shm_destroy(struct hvd_shm *shm)
{
	if (shm->fd < 0)
		return;
	munmap(shm->map, shm->size);
	close(shm->fd);
	shm->fd = -1;
	shm->map = NULL;
}

/*
 * Order our earlier stores to a region before our later ones, as seen by
 * another CPU running a guest (virt_wmb() on their side's reads pairs with
 * it). On x86 a compiler barrier; a release fence states the intent.
 */
void hvd_write_barrier(void)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
}
