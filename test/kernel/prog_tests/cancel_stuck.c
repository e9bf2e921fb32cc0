// SPDX-License-Identifier: GPL-2.0
/*
 * The watchdog when every CPU is stuck at once (progs/cancel_stuck.c).
 *
 *   all_cpus  a thread busy on every online CPU keeps its tick running;
 *             then the program is armed, and each CPU's next timer
 *             interrupt runs it with interrupts off, 10 billion steps with a
 *             20 ms budget. A CPU's first timer interrupt after arming
 *             runs the program before the tick's own work, so no CPU gets
 *             to send another a rescue NMI: each is rescued by its own
 *             perf NMI, or by a CPU that was. Every run must be cancelled
 *             by the watchdog, none may reach its 2 s deadline, and the
 *             runs must have seen every CPU spinning at once (else the
 *             test proved only the rescue by another CPU).
 *
 * x86 under TCG has no PMU, hence no perf NMI: denylisted there
 * (harness/bench.c).
 */
#include <pthread.h>
#include <unistd.h>
#include "cancel_util.h"

#define STUCK_BUDGET_NS	20000000ULL
#define STUCK_MAX_CPUS	64

#define V(obj, name) (*BENCH_VAR(obj, __u32, name))

static volatile int busy_stop;

static void *busy(void *arg)
{
	if (bench_pin_cpu((long)arg))
		return (void *)1;
	while (!busy_stop)
		;
	return NULL;
}

void test_cancel_stuck(void)
{
	int ncpu = sysconf(_SC_NPROCESSORS_ONLN), i, started = 0, pinned = 0;
	pthread_t th[STUCK_MAX_CPUS];
	struct bpf_link *link = NULL;
	struct bpf_prog_info info;
	struct bpf_object *obj;
	double t0, back = 0;
	void *res;
	int fd;

	if (!test__start_subtest("all_cpus"))
		return;
	obj = cancel_open_load("cancel_stuck", true, STUCK_BUDGET_NS);
	if (!ASSERT_OK_PTR(obj, "load cancel_stuck.bpf.o (cancellable, 20 ms budget)"))
		return;
	fd = cancel_prog_fd(obj, "stuck");
	if (fd < 0 || !ASSERT_GE(ncpu, 2, "online CPUs") ||
	    !ASSERT_LE(ncpu, STUCK_MAX_CPUS, "online CPUs"))
		goto out;
	link = bpf_program__attach(bpf_object__find_program_by_name(obj, "stuck"));
	if (!ASSERT_OK_PTR(link, "attach to hrtimer_expire_entry")) {
		link = NULL;
		goto out;
	}
	busy_stop = 0;
	for (i = 0; i < ncpu; i++)
		if (!pthread_create(&th[started], NULL, busy, (void *)(long)i))
			started++;
	/* the threads on their CPUs, every tick running */
	usleep(200000);
	/* before arming: this thread's CPU may be stuck right after it */
	t0 = cancel_now();
	*BENCH_VAR(obj, __u32, "armed") = 1;
	while (V(obj, "runs") < (__u32)ncpu && cancel_now() - t0 < 10.0)
		usleep(10000);
	back = cancel_now() - t0;
	*BENCH_VAR(obj, __u32, "armed") = 0;
	busy_stop = 1;
	for (i = 0; i < started; i++)
		if (!pthread_join(th[i], &res) && !res)
			pinned++;
	if (!cancel_info(fd, &info))
		goto out;
	printf("  all_cpus: %u of %d CPUs ran it, %u spinning at once at most; %u cancelled by the "
	       "watchdog, %u reached the 2 s deadline; all back %.3f s after arming; kernel: %llu "
	       "cancellations, worst %.3f ms\n", V(obj, "runs"), ncpu, V(obj, "most_spinning"),
	       V(obj, "cancelled"), V(obj, "deadline"), back,
	       (unsigned long long)info.cancel_cnt, info.cancel_worst_ns / 1e6);
	ASSERT_EQ(pinned, ncpu, "a busy thread pinned to every CPU");
	ASSERT_EQ(V(obj, "runs"), (__u32)ncpu, "every CPU ran it");
	ASSERT_EQ(V(obj, "most_spinning"), (__u32)ncpu, "every CPU stuck in it at once");
	ASSERT_EQ(V(obj, "cancelled"), V(obj, "runs"), "every run cancelled by the watchdog");
	ASSERT_EQ(V(obj, "deadline"), 0, "no run reached its own deadline");
	ASSERT_GE(info.cancel_cnt, V(obj, "runs"), "cancel_cnt counts them");
out:
	bpf_link__destroy(link);
	bpf_object__close(obj);
}
