// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * btf.c - the parts of .BTF and .BTF.ext the runtime needs: the BTF string
 * table and the line_info records (source positions of instructions).
 *
 * In an object file, .BTF.ext line_info is grouped by section name, and
 * each record's insn_off is a byte offset from the start of that section.
 * Malformed BTF never fails the open: line lookups then return -ENOENT.
 */
#include <stdlib.h>
#include "internal.h"

#define BTF_MAGIC_LE	0xeB9F

static __u32 rd32(const __u8 *p)
{
	return (__u32)p[0] | ((__u32)p[1] << 8) | ((__u32)p[2] << 16) |
	       ((__u32)p[3] << 24);
}

static __u16 rd16(const __u8 *p)
{
	return (__u16)(p[0] | (p[1] << 8));
}

static bool sub_range(__u64 base, __u64 off, __u64 len, __u64 total)
{
	__u64 s = base + off;

	return s >= base && s <= total && len <= total - s;
}

static const char *btf_str(const struct bpfcancel_obj *obj, __u32 off)
{
	if (!obj->btf_str || off >= obj->btf_str_len)
		return NULL;
	if (!memchr(obj->btf_str + off, 0, obj->btf_str_len - off))
		return NULL;
	return obj->btf_str + off;
}

/*
 * .BTF and .BTF.ext share a header shape: magic, hdr_len at 4, and the
 * sub-section this reader wants (strings / line_info) as off/len at 16/20,
 * relative to the end of the header. Find that sub-section, bounds-checked.
 */
static const __u8 *btf_subsec(const struct bpfcancel_obj *obj,
			      const char *sec, __u32 *len)
{
	int idx = bpfcancel_obj__find_sec(obj, sec);
	const __u8 *d;
	__u64 sz;
	__u32 hdr_len, off;

	if (idx < 0)
		return NULL;
	d = obj->secs[idx].data;
	sz = obj->secs[idx].size;
	if (!d || sz < 24 || rd16(d) != BTF_MAGIC_LE)
		return NULL;
	hdr_len = rd32(d + 4);
	off = rd32(d + 16);
	*len = rd32(d + 20);
	if (hdr_len < 24 || !sub_range(hdr_len, off, *len, sz))
		return NULL;
	return d + hdr_len + off;
}

static void parse_btf_strs(struct bpfcancel_obj *obj)
{
	__u32 str_len;
	const __u8 *str = btf_subsec(obj, ".BTF", &str_len);

	if (!str || str_len == 0)
		return;
	obj->btf_str = (const char *)str;
	obj->btf_str_len = str_len;
}

void bc_parse_btf(struct bpfcancel_obj *obj)
{
	const __u8 *li;
	__u64 pos;
	__u32 li_len, rec_size, n = 0;

	parse_btf_strs(obj);
	if (!obj->btf_str)
		return;
	li = btf_subsec(obj, ".BTF.ext", &li_len);
	if (!li || li_len < 4)
		return;
	rec_size = rd32(li);
	if (rec_size < 16 || rec_size % 4)
		return;

	/* two passes: count, then fill */
	for (int pass = 0; pass < 2; pass++) {
		n = 0;
		pos = 4;
		while (pos < li_len) {
			__u32 name_off, num;

			if (li_len - pos < 8)
				goto bad;
			name_off = rd32(li + pos);
			num = rd32(li + pos + 4);
			pos += 8;
			if ((__u64)num * rec_size > li_len - pos)
				goto bad;
			if (pass) {
				struct bc_line_sec *ls = &obj->line_secs[n];

				ls->sec_name = btf_str(obj, name_off);
				ls->recs = li + pos;
				ls->num_info = ls->sec_name ? num : 0;
			}
			pos += (__u64)num * rec_size;
			n++;
		}
		if (!pass) {
			obj->line_secs = calloc(n ? n : 1,
						sizeof(*obj->line_secs));
			if (!obj->line_secs)
				return;
		}
	}
	obj->line_sec_cnt = n;
	obj->line_rec_size = rec_size;
	return;
bad:
	free(obj->line_secs);
	obj->line_secs = NULL;
	obj->line_sec_cnt = 0;
}

int bpfcancel_obj__line(const struct bpfcancel_obj *obj,
			const struct bpfcancel_func *func, __u32 insn_idx,
			const char **file, __u32 *line, __u32 *col)
{
	const char *sec = obj->secs[func->sec_idx].name;
	__u64 lo = (__u64)func->insn_off * BC_INSN_SZ;
	__u64 at = ((__u64)func->insn_off + insn_idx) * BC_INSN_SZ;
	const __u8 *best = NULL;
	__u64 best_off = 0;
	__u32 i, k;

	if (insn_idx >= func->insn_cnt)
		return bc_err(EINVAL);
	for (i = 0; i < obj->line_sec_cnt; i++) {
		const struct bc_line_sec *ls = &obj->line_secs[i];

		if (!ls->num_info || strcmp(ls->sec_name, sec))
			continue;
		for (k = 0; k < ls->num_info; k++) {
			const __u8 *r = ls->recs + (__u64)k * obj->line_rec_size;
			__u32 off = rd32(r);

			if (off < lo || off > at)
				continue;
			if (!best || off >= best_off) {
				best = r;
				best_off = off;
			}
		}
	}
	if (!best)
		return bc_err(ENOENT);
	if (file) {
		*file = btf_str(obj, rd32(best + 4));
		if (!*file)
			*file = "?";
	}
	if (line)
		*line = rd32(best + 12) >> 10;
	if (col)
		*col = rd32(best + 12) & 0x3ff;
	return 0;
}
