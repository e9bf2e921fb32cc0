// SPDX-License-Identifier: GPL-2.0
/*
 * Programs that get cold twins without any record from the compiler (the
 * kernel's own sites: may_goto, and functions with loops): one function
 * alone, and a main program with a bpf2bpf callee and a bpf_loop callback.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#include "may_goto.h"

int rounds = 100;

SEC("syscall")
int single(void *ctx)
{
	int i, acc = 0;

	for (i = 0; i < rounds && budget_left(); i++)
		acc += i;
	return acc;
}

static int cb(__u64 i, void *ctx)
{
	int *acc = ctx;

	*acc += i;
	return 0;
}

__noinline int spin(int n)
{
	int i, acc = 0;

	for (i = 0; i < n && budget_left(); i++)
		acc ^= i * 3;
	return acc;
}

SEC("syscall")
int multi(void *ctx)
{
	int acc = 0;

	bpf_loop(rounds, cb, &acc, 0);
	return acc + spin(rounds);
}
