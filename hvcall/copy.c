// SPDX-License-Identifier: GPL-2.0
/*
 * pvio_copy(): every copy of data between a link's pool and a bio or an
 * skb goes through here, at both ends. On a CPU without ERMS/FSRM (the
 * test VMs' pinned model, many hypervisors' defaults) the kernel's
 * memcpy() is memcpy_orig, an unrolled loop of 8-byte moves at about
 * 0.375 instructions per byte; rep movsq moves 8 bytes an iteration and
 * copy_page() moves a whole page at the CPU's best.
 */
#include <linux/highmem.h>
#include <linux/kasan-checks.h>
#include <linux/mm.h>
#include <linux/skbuff.h>
#include <linux/string.h>

#include "pvio.h"

/* Below this memcpy() wins: rep movs has a start-up cost. */
#define PVIO_COPY_REP_MIN	256

static void pvio_copy_rep(void *dst, const void *src, size_t len)
{
#ifdef CONFIG_X86_64
	size_t q = len / 8;

	/* Not instrumented: pvio_copy() checked the whole range. */
	asm volatile("rep movsq"
		     : "+D" (dst), "+S" (src), "+c" (q)
		     : : "memory");
	len %= 8;
#endif
	if (len)
		memcpy(dst, src, len);
}

void pvio_copy(void *dst, const void *src, size_t len)
{
	/* copy_page() and rep movs are assembly KASAN cannot see. */
	kasan_check_read(src, len);
	kasan_check_write(dst, len);
	if (PAGE_ALIGNED(dst) && PAGE_ALIGNED(src)) {
		for (; len >= PAGE_SIZE; len -= PAGE_SIZE) {
			copy_page(dst, (void *)src);
			dst += PAGE_SIZE;
			src += PAGE_SIZE;
		}
	}
	if (len >= PVIO_COPY_REP_MIN)
		pvio_copy_rep(dst, src, len);
	else if (len)
		memcpy(dst, src, len);
}
EXPORT_SYMBOL_GPL(pvio_copy);

/* Copy @len bytes from @off in @page, which may be a compound page's tail. */
static void pvio_copy_from_page(void *to, struct page *page, u32 off, u32 len)
{
	u32 n;

	page += off / PAGE_SIZE;
	off %= PAGE_SIZE;
	for (; len; len -= n, off = 0, page++, to += n) {
		void *from = kmap_local_page(page);

		n = min_t(u32, len, PAGE_SIZE - off);
		pvio_copy(to, from + off, n);
		kunmap_local(from);
	}
}

int pvio_copy_from_skb(const struct sk_buff *skb, u32 off, void *to, u32 len)
{
	const struct skb_shared_info *sh = skb_shinfo(skb);
	u32 head = skb_headlen(skb), i, n;

	if (skb_has_frag_list(skb) || off > skb->len || len > skb->len - off)
		return skb_copy_bits(skb, off, to, len);
	if (off < head) {
		n = min(len, head - off);
		pvio_copy(to, skb->data + off, n);
		to += n;
		len -= n;
		off = 0;
	} else {
		off -= head;
	}
	for (i = 0; len && i < sh->nr_frags; i++) {
		const skb_frag_t *f = &sh->frags[i];
		u32 size = skb_frag_size(f);

		if (off >= size) {
			off -= size;
			continue;
		}
		n = min(len, size - off);
		pvio_copy_from_page(to, skb_frag_page(f),
				    skb_frag_off(f) + off, n);
		to += n;
		len -= n;
		off = 0;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(pvio_copy_from_skb);
