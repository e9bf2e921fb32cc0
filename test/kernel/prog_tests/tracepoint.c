// SPDX-License-Identifier: GPL-2.0
/* (b) attach tracing programs to the sched_switch tracepoint, see them fire. */
#define _GNU_SOURCE
#include <unistd.h>
#include <sys/syscall.h>
#include "bench.h"

static void one(struct bpf_object *obj, const char *prog, const char *counter)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, prog);
	int *target = BENCH_VAR(obj, int, "target_pid");
	__u64 *hits = BENCH_VAR(obj, __u64, counter);
	struct bpf_link *link;
	int i;

	if (!ASSERT_OK_PTR(p, prog) || !ASSERT_OK_PTR(target, "var target_pid") ||
	    !ASSERT_OK_PTR(hits, counter))
		return;
	*target = syscall(SYS_gettid);
	*hits = 0;
	link = bpf_program__attach(p);
	if (!ASSERT_OK_PTR(link, "attach"))
		return;
	/* a sleep normally switches this thread out; under TCG the timer can
	 * expire before schedule() and the sleep then does not switch: retry */
	for (i = 0; i < 200 && *hits < 3; i++)
		usleep(2000);
	bpf_link__destroy(link);
	ASSERT_GE(*hits, 3, "sched_switch hits for this thread");
	/* detached: no more hits */
	i = *hits;
	usleep(2000);
	ASSERT_EQ(*hits, i, "no hits after detach");
}

void test_tracepoint(void)
{
	struct bpf_object *obj = bench_open("tracepoint");
	struct bpf_program *p;

	if (!ASSERT_OK_PTR(obj, "open tracepoint.bpf.o"))
		return;
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoattach(p, false);
	if (!ASSERT_OK(bpf_object__load(obj), "load tracepoint.bpf.o"))
		goto out;
	if (test__start_subtest("raw_tp"))
		one(obj, "on_raw_tp", "raw_tp_hits");
	if (test__start_subtest("tp_btf"))
		one(obj, "on_tp_btf", "tp_btf_hits");
	if (test__start_subtest("perf_tracepoint"))
		one(obj, "on_tp", "tp_hits");
out:
	bpf_object__close(obj);
}
