// SPDX-License-Identifier: GPL-2.0
/*
 * Built twice by runner.mk: by plain clang-22 (stock_compat.bpf.o) and by
 * the project's clang shim with -fbpf-cancellable
 * (stock_compat_flag.bpf.o, which carries cold twins and .BPF.cancel).
 * prog_tests/stock_compat.c loads both with the tree's stock libbpf on the
 * unpatched kernel: the flagged object must load exactly the same hot code.
 *
 * It uses what gets twins and sites: an open-coded iterator (iter-next), a
 * bpf_loop callback (callback), a static subprogram with a loop, and a map
 * lookup (ret-null).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/* pahole 1.24 emits no kfunc prototypes into vmlinux.h */
extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} vals SEC(".maps");

__u64 out_iter, out_loop, out_sub;

static int add_cb(__u64 idx, void *ctx)
{
	*(__u64 *)ctx += idx;
	return 0;
}

static __noinline __u64 sum_below(__u32 n)
{
	__u64 s = 0;
	__u32 i;

	for (i = 0; i < n && i < 1000; i++)
		s += i;
	return s;
}

SEC("syscall")
int compat(void *ctx)
{
	struct bpf_iter_num it;
	__u64 acc = 0, *v;
	__u32 key = 1;
	int *p;

	bpf_iter_num_new(&it, 0, 10);
	while ((p = bpf_iter_num_next(&it)))
		acc += *p;
	bpf_iter_num_destroy(&it);
	out_iter = acc;				/* 0 + ... + 9 = 45 */

	acc = 0;
	bpf_loop(5, add_cb, &acc, 0);
	out_loop = acc;				/* 0 + ... + 4 = 10 */

	out_sub = sum_below(10);		/* 45 */

	v = bpf_map_lookup_elem(&vals, &key);
	if (v)
		*v = out_iter + out_loop + out_sub;
	return 7;
}
