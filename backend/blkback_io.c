// SPDX-License-Identifier: GPL-2.0
/* Copyright (C) 2026 The pvio authors. */
/*
 * The backing store of a vbd, a block device or a regular file, and the
 * I/O on it. Data moves through the request's bounce pages, never through
 * the region (which has no struct pages on ivshmem): the ring code copies
 * writes in from the grants before blkback_io_start() and reads out to
 * them after blkback_req_done().
 *
 * Block devices get bios and complete asynchronously; files are read and
 * written synchronously in the ring work, as drivers/block/loop.c does
 * without direct I/O.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/uio.h>

#include "blkback.h"

/* ---- the export registry ---- */

/*
 * Every backing exported by this module, so a backing is exported
 * read-write once or read-only any number of times, never both: two
 * frontends writing one disk would corrupt it behind each other's caches.
 */
static LIST_HEAD(blkback_exports);
static DEFINE_MUTEX(blkback_exports_lock);

static bool blkback_same_backing(const struct blkback_backing *a,
				 const struct blkback_backing *b)
{
	return a->inode ? a->inode == b->inode : a->dev == b->dev;
}

/* May @new be exported now? Under blkback_exports_lock. */
static bool blkback_export_allowed(const struct blkback_backing *new)
{
	const struct blkback_backing *b;

	list_for_each_entry(b, &blkback_exports, node)
		if (blkback_same_backing(b, new) && (new->rw || b->rw))
			return false;
	return true;
}

/* ---- opening and closing ---- */

/*
 * By path, or by the number of a device given as the fd @given: opened
 * again, so that a read-write export holds its own exclusive claim. A
 * number names whatever disk has it now: if the given one was deleted
 * and its number reused, the device opened is not the one given.
 */
static int blkback_open_bdev(struct blkback_vbd *vbd, struct file *given)
{
	struct blkback_backing *b = &vbd->backing;
	int ret;

	if (given)
		ret = pvio_compat_bdev_open_dev(&b->bdev_handle, b->dev, b->rw,
						vbd);
	else
		ret = pvio_compat_bdev_open(&b->bdev_handle, vbd->path, b->rw,
					    vbd);
	if (ret) {
		if (ret == -EBUSY)
			vbd->pdev->probe_msg = "backing device is in use";
		return ret;
	}
	b->bdev = pvio_compat_bdev(&b->bdev_handle);
	if (given && b->bdev != I_BDEV(given->f_mapping->host)) {
		vbd->pdev->probe_msg = "the backing fd's device is gone";
		pvio_compat_bdev_close(&b->bdev_handle);
		b->bdev = NULL;
		return -ENODEV;
	}
	return 0;
}

static int blkback_open_file(struct blkback_vbd *vbd)
{
	struct blkback_backing *b = &vbd->backing;
	struct file *file;

	file = filp_open(vbd->path, O_LARGEFILE | (b->rw ? O_RDWR : O_RDONLY),
			 0);
	if (IS_ERR(file))
		return PTR_ERR(file);
	/* The path may have been replaced since we looked it up. */
	if (!S_ISREG(file_inode(file)->i_mode) ||
	    file_inode(file) != b->inode) {
		fput(file);
		vbd->pdev->probe_msg = "backing path changed while opening";
		return -EAGAIN;
	}
	b->file = file;
	return 0;
}

/*
 * What a file given as an fd is (pvio_vbd_backing_file()): the key of
 * the export registry, as below. Netlink checked it; we check again what
 * this export needs.
 */
static int blkback_identify_file(struct blkback_vbd *vbd, struct file *file)
{
	struct blkback_backing *b = &vbd->backing;
	struct inode *inode = file_inode(file);

	if (!(file->f_mode & FMODE_READ) ||
	    (b->rw && !(file->f_mode & FMODE_WRITE))) {
		vbd->pdev->probe_msg = "backing fd not open for this mode";
		return -EACCES;
	}
	if (S_ISBLK(inode->i_mode)) {
		b->dev = inode->i_rdev;
	} else if (S_ISREG(inode->i_mode)) {
		b->inode = inode;
	} else {
		vbd->pdev->probe_msg =
			"backing fd is not a block device or regular file";
		return -EINVAL;
	}
	return 0;
}

/*
 * A regular file given as an fd, opened again for the export's own use:
 * the caller's open file keeps its flags (O_APPEND would put every write
 * at the end, O_DIRECT refuse unaligned ones), which it may change later.
 * Opened with the caller's credentials, as the fd was.
 */
static int blkback_reopen_file(struct blkback_vbd *vbd, struct file *given)
{
	struct blkback_backing *b = &vbd->backing;
	struct file *file;

	file = dentry_open(&given->f_path,
			   O_LARGEFILE | (b->rw ? O_RDWR : O_RDONLY),
			   given->f_cred);
	if (IS_ERR(file)) {
		vbd->pdev->probe_msg = "cannot open the backing fd's file again";
		return PTR_ERR(file);
	}
	b->file = file;
	return 0;
}

/*
 * Find what @vbd->path names: the key of the export registry. The inode
 * is only compared, never used: the open file pins the real one later.
 */
static int blkback_identify(struct blkback_vbd *vbd)
{
	struct blkback_backing *b = &vbd->backing;
	struct inode *inode;
	struct path path;
	int ret;

	ret = kern_path(vbd->path, LOOKUP_FOLLOW, &path);
	if (ret) {
		vbd->pdev->probe_msg = "backing path not found";
		return ret;
	}
	inode = d_backing_inode(path.dentry);
	if (S_ISBLK(inode->i_mode)) {
		b->dev = inode->i_rdev;
	} else if (S_ISREG(inode->i_mode)) {
		b->inode = inode;
	} else {
		vbd->pdev->probe_msg =
			"backing path is not a block device or regular file";
		ret = -EINVAL;
	}
	path_put(&path);
	return ret;
}

/**
 * blkback_backing_open() - open and register the vbd's backing store
 * @vbd: the vbd, with @vbd->path set
 * @rw: export it read-write
 *
 * On failure, sets @vbd->pdev->probe_msg when there is more to say than
 * the errno.
 *
 * Return: 0 or a negative errno.
 */
int blkback_backing_open(struct blkback_vbd *vbd, bool rw)
{
	struct blkback_backing *b = &vbd->backing;
	struct file *given;
	int ret;

	b->rw = rw;
	/* A vbd made from an fd: the core holds that file for it. */
	given = pvio_vbd_backing_file(vbd->link, vbd->pdev->index);
	b->by_fd = given;
	ret = given ? blkback_identify_file(vbd, given) :
		      blkback_identify(vbd);
	if (ret)
		goto out;
	mutex_lock(&blkback_exports_lock);
	if (!blkback_export_allowed(b)) {
		vbd->pdev->probe_msg =
			"backing device already exported read-write";
		ret = -EBUSY;
	} else if (b->inode && given) {
		ret = blkback_reopen_file(vbd, given);
	} else if (b->inode) {
		ret = blkback_open_file(vbd);
	} else {
		ret = blkback_open_bdev(vbd, given);
	}
	if (!ret)
		list_add(&b->node, &blkback_exports);
	mutex_unlock(&blkback_exports_lock);
out:
	if (given)
		fput(given);
	return ret;
}

void blkback_backing_close(struct blkback_vbd *vbd)
{
	struct blkback_backing *b = &vbd->backing;

	mutex_lock(&blkback_exports_lock);
	list_del(&b->node);
	mutex_unlock(&blkback_exports_lock);
	if (b->file)
		fput(b->file);
	else
		pvio_compat_bdev_close(&b->bdev_handle);
	b->file = NULL;
	b->bdev = NULL;
}

/* ---- what it looks like ---- */

/* Capacity in 512-byte sectors. */
u64 blkback_backing_sectors(struct blkback_vbd *vbd)
{
	struct blkback_backing *b = &vbd->backing;

	if (b->bdev)
		return bdev_nr_sectors(b->bdev);
	return i_size_read(file_inode(b->file)) >> PVIO_BLKIF_SECTOR_SHIFT;
}

void blkback_backing_geometry(struct blkback_vbd *vbd, u32 *lbs, u32 *pbs,
			      u32 *discard_granularity)
{
	struct block_device *bdev = vbd->backing.bdev;

	if (!bdev) {
		/* Files take any sector; the page cache works in pages. */
		*lbs = 512;
		*pbs = 4096;
		*discard_granularity = 4096;
		return;
	}
	*lbs = bdev_logical_block_size(bdev);
	*pbs = bdev_physical_block_size(bdev);
	*discard_granularity = bdev_discard_granularity(bdev) ?: *lbs;
}

/* Files punch holes (the file system may refuse, per request). */
bool blkback_backing_can_discard(struct blkback_vbd *vbd)
{
	return !vbd->backing.bdev || bdev_max_discard_sectors(vbd->backing.bdev);
}

/* ---- block devices ---- */

/**
 * blkback_backing_gone() - has the backing device been deleted?
 * @vbd: the vbd
 *
 * Hot-unplug, or null_blk powered off: our open keeps the gendisk but
 * its queue takes no more I/O. The vbd stays, answering every request
 * with an error (the frontend's I/O fails instead of hanging), and says
 * so once. Regular files cannot go away while open.
 *
 * Return: true if it has.
 */
bool blkback_backing_gone(struct blkback_vbd *vbd)
{
	struct block_device *bdev = vbd->backing.bdev;

	if (!bdev || !test_bit(GD_DEAD, &bdev->bd_disk->state))
		return false;
	if (!atomic_xchg(&vbd->backing_gone, 1))
		dev_err(&vbd->pdev->dev,
			"backing device %s is gone, failing its I/O\n",
			vbd->path);
	return true;
}

static void blkback_bio_end(struct bio *bio)
{
	struct blkback_req *req = bio->bi_private;

	if (bio->bi_status)
		cmpxchg(&req->error, 0, blk_status_to_errno(bio->bi_status));
	if (bio == &req->bio)
		bio_uninit(bio);
	else
		bio_put(bio);
	if (atomic_dec_and_test(&req->pending))
		blkback_req_done(req, req->error);
}

static void blkback_bio_submit(struct blkback_req *req, struct bio *bio)
{
	bio->bi_end_io = blkback_bio_end;
	bio->bi_private = req;
	atomic_inc(&req->pending);
	submit_bio(bio);
}

/* Reads and writes: the bounce pages, as few bios as they fit in. */
static void blkback_bdev_rw(struct blkback_req *req, struct block_device *bdev)
{
	blk_opf_t opf = req->op == PVIO_BLKIF_OP_READ ? REQ_OP_READ :
			REQ_OP_WRITE | REQ_SYNC;
	sector_t sector = req->sector;
	struct bio *bio = NULL;
	u32 i;

	if (req->flags & PVIO_BLKIF_F_FUA)
		opf |= REQ_FUA;
	if (req->nr_pages <= BIO_MAX_VECS) {
		/* The request's own bio, on its bvecs: nothing allocated. */
		bio = &req->bio;
		bio_init(bio, bdev, req->bvec, req->nr_pages, opf);
		bio->bi_iter.bi_sector = sector;
		for (i = 0; i < req->nr_pages; i++)
			__bio_add_page(bio, req->bvec[i].bv_page,
				       req->bvec[i].bv_len, 0);
		blkback_bio_submit(req, bio);
		return;
	}
	for (i = 0; i < req->nr_pages; i++) {
		struct bio_vec *bv = &req->bvec[i];

		if (bio && bio_add_page(bio, bv->bv_page, bv->bv_len, 0) ==
		    bv->bv_len)
			goto added;
		if (bio)
			blkback_bio_submit(req, bio);
		bio = bio_alloc(bdev, min_t(u32, req->nr_pages - i,
					    BIO_MAX_VECS), opf, GFP_NOIO);
		bio->bi_iter.bi_sector = sector;
		/* A fresh bio takes one page whatever the queue's limits. */
		__bio_add_page(bio, bv->bv_page, bv->bv_len, 0);
added:
		sector += bv->bv_len >> SECTOR_SHIFT;
	}
	blkback_bio_submit(req, bio);
}

static void blkback_bdev_start(struct blkback_req *req)
{
	struct block_device *bdev = req->ring->vbd->backing.bdev;
	struct bio *bio = NULL;
	int ret = 0;

	switch (req->op) {
	case PVIO_BLKIF_OP_READ:
	case PVIO_BLKIF_OP_WRITE:
		blkback_bdev_rw(req, bdev);
		return;
	case PVIO_BLKIF_OP_FLUSH:
		bio = bio_alloc(bdev, 0, REQ_OP_WRITE | REQ_PREFLUSH,
				GFP_NOIO);
		break;
	case PVIO_BLKIF_OP_DISCARD:
		ret = __blkdev_issue_discard(bdev, req->sector,
					     req->nr_sectors, GFP_NOIO, &bio);
		break;
	case PVIO_BLKIF_OP_WRITE_ZEROES:
		/* Writes zero pages where the device cannot zero itself. */
		ret = __blkdev_issue_zeroout(bdev, req->sector,
					     req->nr_sectors, GFP_NOIO, &bio,
					     0);
		break;
	}
	/* The chain's last bio ends the request; the others are in it. */
	if (bio)
		blkback_bio_submit(req, bio);
	else
		cmpxchg(&req->error, 0, ret);
}

/* ---- regular files ---- */

static int blkback_file_rw(struct blkback_req *req, struct file *file)
{
	loff_t pos = req->sector << SECTOR_SHIFT;
	size_t bytes = (size_t)req->nr_sectors << SECTOR_SHIFT;
	struct iov_iter iter;
	ssize_t done;

	if (req->op == PVIO_BLKIF_OP_READ) {
		iov_iter_bvec(&iter, ITER_DEST, req->bvec, req->nr_pages,
			      bytes);
		done = vfs_iter_read(file, &iter, &pos, 0);
	} else {
		iov_iter_bvec(&iter, ITER_SOURCE, req->bvec, req->nr_pages,
			      bytes);
		done = pvio_compat_vfs_iter_write(file, &iter, &pos);
	}
	if (done < 0)
		return done;
	if (done != bytes)
		return -EIO;	/* the file shrank under us */
	if (req->flags & PVIO_BLKIF_F_FUA)
		return vfs_fsync_range(file, pos - bytes, pos - 1, 1);
	return 0;
}

/* Zeroes written out, for file systems that can neither zero nor punch. */
static int blkback_file_write_zeroes(struct file *file, loff_t pos, u64 len)
{
	struct bio_vec bvec[16];
	struct iov_iter iter;
	unsigned int i, n;
	ssize_t done;

	for (i = 0; i < ARRAY_SIZE(bvec); i++)
		bvec_set_page(&bvec[i], ZERO_PAGE(0), PAGE_SIZE, 0);
	while (len) {
		n = min_t(u64, len, ARRAY_SIZE(bvec) * PAGE_SIZE);
		iov_iter_bvec(&iter, ITER_SOURCE, bvec, ARRAY_SIZE(bvec), n);
		done = pvio_compat_vfs_iter_write(file, &iter, &pos);
		if (done < 0)
			return done;
		if (!done)
			return -EIO;
		len -= done;
		cond_resched();
	}
	return 0;
}

static int blkback_file_zeroes(struct file *file, loff_t pos, u64 len)
{
	int ret;

	ret = vfs_fallocate(file, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
			    pos, len);
	if (ret != -EOPNOTSUPP)
		return ret;
	/* tmpfs has no ZERO_RANGE; a hole reads as zeroes too. */
	ret = vfs_fallocate(file, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			    pos, len);
	if (ret != -EOPNOTSUPP)
		return ret;
	return blkback_file_write_zeroes(file, pos, len);
}

static int blkback_file_do(struct blkback_req *req, struct file *file)
{
	loff_t pos = req->sector << SECTOR_SHIFT;
	u64 len = (u64)req->nr_sectors << SECTOR_SHIFT;

	switch (req->op) {
	case PVIO_BLKIF_OP_READ:
	case PVIO_BLKIF_OP_WRITE:
		return blkback_file_rw(req, file);
	case PVIO_BLKIF_OP_FLUSH:
		return vfs_fsync(file, 0);
	case PVIO_BLKIF_OP_DISCARD:
		return vfs_fallocate(file, FALLOC_FL_PUNCH_HOLE |
				     FALLOC_FL_KEEP_SIZE, pos, len);
	case PVIO_BLKIF_OP_WRITE_ZEROES:
		return blkback_file_zeroes(file, pos, len);
	}
	return -EOPNOTSUPP;
}

/**
 * blkback_io_start() - start a validated request's I/O
 * @req: the request; for writes, its bounce pages hold the data
 *
 * blkback_req_done() is called when the I/O is over: here already for
 * files, from bio completion for block devices.
 */
void blkback_io_start(struct blkback_req *req)
{
	struct blkback_backing *b = &req->ring->vbd->backing;
	bool no_data = req->op == PVIO_BLKIF_OP_DISCARD ||
		       req->op == PVIO_BLKIF_OP_WRITE_ZEROES;

	if (no_data && !req->nr_sectors) {
		blkback_req_done(req, 0);
		return;
	}
	if (b->file) {
		blkback_req_done(req, blkback_file_do(req, b->file));
		return;
	}
	if (blkback_backing_gone(req->ring->vbd)) {
		blkback_req_done(req, -ENODEV);
		return;
	}
	/* One count held while submitting, so no bio ends the request early. */
	atomic_set(&req->pending, 1);
	blkback_bdev_start(req);
	if (atomic_dec_and_test(&req->pending))
		blkback_req_done(req, req->error);
}
