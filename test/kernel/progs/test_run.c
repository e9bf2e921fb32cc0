// SPDX-License-Identifier: GPL-2.0
/* Programs run with BPF_PROG_TEST_RUN by prog_tests/test_run.c. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct args {
	int a, b;
	int sum;
};

/* syscall program: ctx is a user buffer, copied in and out */
SEC("syscall")
int add(struct args *ctx)
{
	ctx->sum = ctx->a + ctx->b;
	return ctx->a * 3 + 1;
}

/* tc program on a test packet: returns the sum of its first 16 bytes */
SEC("tc")
int sum_bytes(struct __sk_buff *skb)
{
	__u8 *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	int i, sum = 0;

	for (i = 0; i < 16; i++) {
		if (data + i + 1 > end)
			break;
		sum += data[i];
	}
	return sum;
}

/* fentry on bpf_fentry_test1(int a) { return a + 1; }, called by the
 * tracing test_run; goes through a BPF trampoline (ftrace direct call) */
int fentry_arg = -1;
int fexit_ret = -1;

SEC("fentry/bpf_fentry_test1")
int BPF_PROG(on_fentry, int a)
{
	fentry_arg = a;
	return 0;
}

SEC("fexit/bpf_fentry_test1")
int BPF_PROG(on_fexit, int a, int ret)
{
	fexit_ret = ret;
	return 0;
}
