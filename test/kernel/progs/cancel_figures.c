// SPDX-License-Identifier: GPL-2.0
/*
 * Programs of the figures benchmark (prog_tests/cancel_figures.c). Built
 * twice by runner.mk: plain (cancel_figures_plain.bpf.o, clang-22 without
 * the flag) and with -fbpf-cancellable (cancel_figures.bpf.o).
 *
 * fig_iter, fig_loop, fig_lookup: representative short tc programs (an
 * open-coded iterator, a bpf_loop callback, map lookups in a subprogram
 * loop) timed with BPF_PROG_TEST_RUN's repeat; fig_spin: a syscall program
 * that runs until cancelled (cancel latency).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/* counters start from it, not from a constant the verifier tracks exactly */
volatile __u64 zero;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} arr SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} hash SEC(".maps");

__u64 sink;

SEC("tc")
int fig_iter(struct __sk_buff *skb)
{
	__u64 acc = skb->len;
	__u32 key = 3;
	__u64 *v;
	int i;

	bpf_for(i, 0, 64)
		acc = acc * 33 + i;
	v = bpf_map_lookup_elem(&arr, &key);
	if (v)
		*v += acc;
	return acc & 1;
}

static int add_cb(__u64 i, void *data)
{
	__u64 *acc = data;

	*acc = *acc * 31 + i;
	return 0;
}

SEC("tc")
int fig_loop(struct __sk_buff *skb)
{
	__u64 acc = skb->len;

	bpf_loop(32, add_cb, &acc, 0);
	sink = acc;
	return acc & 1;
}

static __noinline __u64 sum_hash(int n)
{
	__u64 s = 0, *v;
	__u32 key;
	int k;

	/* key on the stack, k in a register: the loop stays bounded for the
	 * verifier */
	bpf_for(k, 0, n) {
		key = k;
		v = bpf_map_lookup_elem(&hash, &key);
		if (v)
			s += *v;
	}
	return s;
}

SEC("tc")
int fig_lookup(struct __sk_buff *skb)
{
	__u64 s = sum_hash(16 + (skb->len & 1));

	sink = s;
	return s & 1;
}

__u64 max_ns = 5000000000ULL;
volatile __u32 started;

/* runs until cancelled (or 5 s): 2 = cut short, 3 = own deadline */
SEC("syscall")
int fig_spin(void *ctx)
{
	__u64 end = bpf_ktime_get_ns() + max_ns, n = zero;
	bool late = false;
	int i, j;

	started = 1;
	bpf_for(i, 0, 1 << 20) {
		bpf_for(j, 0, 1 << 20) {
			n++;
			if ((j & 1023) == 0 && bpf_ktime_get_ns() > end) {
				late = true;
				break;
			}
		}
		if (late)
			break;
	}
	sink = n;
	return late ? 3 : 2;
}
