// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fuzz_obj.c - libFuzzer target: the input is tried as an ELF object
 * (open, check, every per-function analysis, dump-like walks, cmp-hot),
 * as a raw .BPF.cancel section (core block walker and record readers) and
 * as a policy file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "bpfcancel/bpfcancel.h"
#include "bpfcancel/core.h"

static void fuzz_obj(const uint8_t *data, size_t size,
		     const struct bpfcancel_policy *pol)
{
	const struct bpfcancel_func *callees[8];
	struct bpfcancel_obj *obj;
	struct bpfcancel_site_class sc;
	struct bpf_cancel_site sites[16];
	struct bpfcancel_loop loops[8];
	char err[128];
	BPFCANCEL_OPTS(bpfcancel_open_opts, o, .name = "fuzz",
		       .errbuf = err, .errbuf_sz = sizeof(err));
	int i, n;

	obj = bpfcancel_obj__open_mem(data, size, &o);
	if (!obj)
		return;
	bpfcancel_obj__check(obj, pol, NULL, NULL);
	bpfcancel_obj__cmp_hot(obj, obj, NULL, NULL);
	for (i = 0; i < bpfcancel_obj__func_cnt(obj); i++) {
		const struct bpfcancel_func *f = bpfcancel_obj__func(obj, i);
		__u32 k, cnt = bpfcancel_func__insn_cnt(f), at, line, col;
		struct bpfcancel_reloc rel;
		const char *file;

		if (cnt > 4096)
			cnt = 4096;
		for (k = 0; k < cnt; k++) {
			bpfcancel_func__classify(obj, f, k, pol, &sc);
			bpfcancel_func__insn_reloc(obj, f, k, &rel);
			bpfcancel_obj__line(obj, f, k, &file, &line, &col);
		}
		bpfcancel_func__long_reason(obj, f, pol, &at);
		bpfcancel_func__callees(obj, f, callees, 8);
		n = bpfcancel_func__sites(obj, f, pol, sites, 16);
		if (n >= 0 && n <= 16)
			bpfcancel_insns__loops(bpfcancel_func__insns(f),
					       bpfcancel_func__insn_cnt(f),
					       sites, (__u32)n, loops, 8);
	}
	for (i = 0; i < bpfcancel_obj__pair_cnt(obj); i++) {
		struct bpfcancel_pair p;

		if (bpfcancel_obj__pair(obj, i, &p))
			continue;
		/* loop analysis trusts checked sites only */
		if (!bpf_cancel_check_sites(bpfcancel_func__insns(p.hot),
					    bpfcancel_func__insn_cnt(p.hot),
					    p.sites, p.site_cnt, NULL))
			bpfcancel_insns__uncut_loops(bpfcancel_func__insns(p.hot),
						     bpfcancel_func__insn_cnt(p.hot),
						     p.sites, p.site_cnt);
	}
	bpfcancel_obj__free(obj);
}

static void fuzz_section(const uint8_t *data, size_t size)
{
	struct bpf_cancel_block blk;
	struct bpf_cancel_diag d;
	__u32 pos = 0, i;

	if (size > UINT32_MAX)
		return;
	while (bpf_cancel_next_block(data, (__u32)size, &pos, &blk, &d) > 0) {
		for (i = 0; i < blk.func_cnt && i < 64; i++) {
			struct bpf_cancel_func f;

			bpf_cancel_read_func(&blk, i, &f);
			bpf_cancel_check_func_rec(&blk, i, &f, &d);
		}
		for (i = 0; i < blk.site_cnt && i < 64; i++) {
			struct bpf_cancel_site s;

			bpf_cancel_read_site(&blk, i, &s);
		}
		if (blk.func_cnt < 64)
			bpf_cancel_check_site_ranges(&blk, &d);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bpfcancel_policy *pol;
	struct bpfcancel_policy *p;
	char err[128];

	if (!pol)
		pol = bpfcancel_policy__default();
	fuzz_obj(data, size, pol);
	fuzz_section(data, size);
	p = bpfcancel_policy__parse((const char *)data, size, "fuzz", err,
				    sizeof(err));
	bpfcancel_policy__free(p);
	return 0;
}
