// SPDX-License-Identifier: GPL-2.0
/*
 * Programs whose JIT images prog_tests/jit_image.c reads back: a map
 * (its address is an immediate in the image), helper calls, a bpf2bpf call
 * and a bpf_loop callback (several JITed functions).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

static int cb(__u64 i, void *ctx)
{
	__u64 *acc = ctx;

	*acc += i * 7;
	return 0;
}

__noinline int mix(int x)
{
	return (x ^ 0x5a5a) + bpf_get_prandom_u32() % 2;
}

SEC("tc")
int jit_a(struct __sk_buff *skb)
{
	__u32 key = skb->len & 3;
	__u64 acc = 0, *v;

	bpf_loop(8, cb, &acc, 0);
	v = bpf_map_lookup_elem(&counts, &key);
	if (v)
		__sync_fetch_and_add(v, acc);
	return mix(acc) & 0xff;
}

/* same as jit_a except one constant: must normalise differently */
SEC("tc")
int jit_b(struct __sk_buff *skb)
{
	__u32 key = skb->len & 3;
	__u64 acc = 0, *v;

	bpf_loop(9, cb, &acc, 0);
	v = bpf_map_lookup_elem(&counts, &key);
	if (v)
		__sync_fetch_and_add(v, acc);
	return mix(acc) & 0xff;
}
