// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* A tiny BPF program for the runtime tests' real-object check. */
typedef unsigned long u64;
static long (*bpf_loop)(unsigned int nr, void *fn, void *ctx, u64 flags) = (void *)181;
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
struct { int a; } m __attribute__((section(".maps")));
static __attribute__((noinline)) int sub(int x) { return x * 3 + 1; }
__attribute__((noinline)) int gsub(int x) { return x * 5 + sub(x); }
static int cb(unsigned int i, void *ctx) { return 0; }
__attribute__((section("tp/x"), used)) int prog(void *ctx)
{
	int k = 0, s = 0;
	void *v;

	v = bpf_map_lookup_elem(&m, &k);
	if (!v)
		return 0;
	bpf_loop(10, cb, 0, 0);
	for (int i = 0; i < (long)ctx; i++)
		s += sub(i);
	return sub(s) + gsub(s);
}
