// SPDX-License-Identifier: GPL-2.0
/*
 * What "make demo" shows in the guest (progs/cancel_demo.c), as a test: the
 * watchdog cancels programs that would run for minutes, nobody calls
 * BPF_PROG_CANCEL, and what they held is released.
 *
 *   holder  a syscall program that holds a task reference, a ring-buffer
 *           record and an allocated object while it loops for 2^40 steps;
 *           budget 50 ms; the watchdog cancels it and its cold code releases
 *           all three: the task's refcount is back, the ring buffer has no
 *           stuck record, the object was freed
 *   bomb    the BPF bomb on sched_switch (interrupts off), confined to CPU 1
 *           for one second; budget 20 ms; every run is cancelled by the
 *           watchdog, rescued by an NMI from a healthy CPU, and the guest
 *           stays responsive (this thread's sleeps on the other CPUs)
 *
 * Lines starting with "DEMO:" are what scripts/demo.sh shows.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>
#include <sys/wait.h>
#include "cancel_util.h"

#define HOLDER_BUDGET_NS	50000000ULL
#define BOMB_BUDGET_NS		20000000ULL

static bool have_watchdog(void)
{
	return access("/proc/sys/kernel/bpf_cancel_budget_ms", F_OK) == 0;
}

static void write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);

	if (fd >= 0) {
		if (write(fd, s, strlen(s)) < 0)
			perror(path);
		close(fd);
	}
}

static __s64 task_refs(struct bpf_object *obj)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int fd = cancel_prog_fd(obj, "read_task_refs");

	if (fd < 0 || bpf_prog_test_run_opts(fd, &opts) || opts.retval)
		return -1;
	return *BENCH_VAR(obj, __s64, "task_refs");
}

static int events;

static int count_event(void *ctx, void *data, __u32 size)
{
	events++;
	return 0;
}

#define V(obj, name) (*BENCH_VAR(obj, __u32, name))

static bool holder(struct bpf_object *obj)
{
	struct cancel_run r = {
		.prog_fd = cancel_prog_fd(obj, "holder"),
		.started = BENCH_VAR(obj, __u32, "started"),
		.no_cancel = true,
	};
	struct bpf_prog_info info;
	__s64 refs0, refs1;
	int stuck;
	pid_t child;
	bool ok = true;

	/* the task it holds: a child that just waits */
	child = fork();
	if (child == 0) {
		for (;;)
			pause();
	}
	if (!ASSERT_GT(child, 0, "fork"))
		return false;
	*BENCH_VAR(obj, int, "target_pid") = child;
	refs0 = task_refs(obj);
	printf("DEMO: A program that takes a reference to task %d (refcount now %lld), reserves a\n"
	       "DEMO: ring-buffer record and allocates an object, then loops 2^40 times holding\n"
	       "DEMO: all three. Its budget is %llu ms. Nobody cancels it by hand.\n",
	       child, (long long)refs0, HOLDER_BUDGET_NS / 1000000);
	cancel_run(&r);
	refs1 = task_refs(obj);
	events = 0;
	stuck = cancel_rb_drain(bpf_map__fd(bpf_object__find_map_by_name(obj, "events")),
				count_event, NULL, NULL) == -1;
	cancel_info(r.prog_fd, &info);
	printf("DEMO: It returned after %.3f s, %s, after %llu loop steps.\n", r.run_s,
	       V(obj, "was_cancelled") ? "cancelled by the watchdog" :
	       V(obj, "hit_deadline") ? "NOT cancelled (it stopped at its own 10 s safety deadline)" :
	       "NOT cancelled", (unsigned long long)*BENCH_VAR(obj, __u64, "steps"));
	printf("DEMO:   task reference: taken %u, released %u; task %d refcount %lld -> %lld\n",
	       V(obj, "task_taken"), V(obj, "task_released"), child, (long long)refs0,
	       (long long)refs1);
	printf("DEMO:   ring-buffer record: reserved %u, discarded %u, submitted %u; the consumer\n"
	       "DEMO:     found %d record(s) and %s\n",
	       V(obj, "rec_reserved"), V(obj, "rec_discarded"), V(obj, "rec_submitted"), events,
	       stuck ? "a record STILL RESERVED (leaked)" : "no record left reserved");
	printf("DEMO:   allocated object: allocated %u, freed %u\n", V(obj, "obj_allocated"),
	       V(obj, "obj_freed"));
	printf("DEMO:   kernel: cancellations %llu, latency %.3f ms (budget %.0f ms)\n",
	       (unsigned long long)info.cancel_cnt, info.cancel_last_ns / 1e6,
	       info.cancel_budget_ns / 1e6);
	ok &= ASSERT_OK(r.run_err, "test_run holder");
	ok &= ASSERT_TRUE(r.started_seen, "holder started");
	ok &= ASSERT_EQ(V(obj, "was_cancelled"), 1, "holder cancelled by the watchdog");
	ok &= ASSERT_EQ(V(obj, "hit_deadline"), 0, "holder not stopped by its own deadline");
	ok &= ASSERT_EQ(V(obj, "task_taken"), V(obj, "task_released"), "task reference released");
	ok &= ASSERT_EQ(refs1, refs0, "task refcount back");
	ok &= ASSERT_EQ(V(obj, "rec_reserved"), V(obj, "rec_discarded") + V(obj, "rec_submitted"),
			"ring-buffer record given back");
	ok &= ASSERT_FALSE(stuck, "no ring-buffer record left reserved");
	ok &= ASSERT_EQ(V(obj, "obj_allocated"), V(obj, "obj_freed"), "object freed");
	ok &= ASSERT_GE(info.cancel_cnt, 1, "cancel_cnt");
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	return ok;
}

static volatile int switcher_stop;

/* on CPU 1: sleep and wake, so that CPU 1 switches tasks often */
static void *switcher(void *arg)
{
	bench_pin_cpu(1);
	while (!switcher_stop)
		usleep(2000);
	return NULL;
}

static void bomb(struct bpf_object *obj)
{
	int fd = cancel_prog_fd(obj, "bomb"), i, ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	struct bpf_prog_info info;
	struct bpf_link *link;
	double t0, slept, worst = 0;
	pthread_t th;
	cpu_set_t s;

	if (fd < 0 || !ASSERT_GE(ncpu, 2, "online CPUs"))
		return;
	/* this thread stays off CPU 1 */
	CPU_ZERO(&s);
	for (i = 0; i < ncpu; i++)
		if (i != 1)
			CPU_SET(i, &s);
	sched_setaffinity(0, sizeof(s), &s);
	*BENCH_VAR(obj, int, "bomb_cpu") = 1;
	link = bpf_program__attach(bpf_object__find_program_by_name(obj, "bomb"));
	if (!ASSERT_OK_PTR(link, "attach the bomb to sched_switch"))
		return;
	printf("DEMO: The BPF bomb (two nested loops of 100000 steps on every context switch, run\n"
	       "DEMO: with interrupts off) is armed on CPU 1 for one second; budget %llu ms.\n",
	       BOMB_BUDGET_NS / 1000000);
	switcher_stop = 0;
	pthread_create(&th, NULL, switcher, NULL);
	*BENCH_VAR(obj, __u32, "bomb_armed") = 1;
	t0 = cancel_now();
	for (i = 0; i < 10; i++) {
		double t = cancel_now();

		usleep(100000);
		if (cancel_now() - t > worst)
			worst = cancel_now() - t;
	}
	slept = cancel_now() - t0;
	*BENCH_VAR(obj, __u32, "bomb_armed") = 0;
	switcher_stop = 1;
	pthread_join(th, NULL);
	bpf_link__destroy(link);
	cancel_info(fd, &info);
	printf("DEMO: The bomb ran %u times. Each run would take 10 billion steps; %u were cancelled\n"
	       "DEMO: by the watchdog (%u ran into the 2 s safety deadline instead), after %.1f million\n"
	       "DEMO: steps on average. Both iterators of each run were destroyed on the way out.\n",
	       V(obj, "bomb_runs"), V(obj, "bomb_cancelled"), V(obj, "bomb_deadline"),
	       V(obj, "bomb_runs") ? *BENCH_VAR(obj, __u64, "bomb_steps") / 1e6 / V(obj, "bomb_runs") : 0);
	printf("DEMO: Cancellation latency: last %.3f ms, worst %.3f ms (kernel's count: %llu).\n",
	       info.cancel_last_ns / 1e6, info.cancel_worst_ns / 1e6,
	       (unsigned long long)info.cancel_cnt);
	printf("DEMO: Meanwhile the machine stayed responsive: 10 sleeps of 100 ms on the other CPUs\n"
	       "DEMO: took %.2f s in all (longest %.0f ms).\n", slept, worst * 1e3);
	ASSERT_GE(V(obj, "bomb_runs"), 1, "the bomb ran");
	ASSERT_EQ(V(obj, "bomb_cancelled"), V(obj, "bomb_runs"), "every run cancelled");
	ASSERT_EQ(V(obj, "bomb_deadline"), 0, "no run reached its safety deadline");
	ASSERT_GE(info.cancel_cnt, V(obj, "bomb_runs"), "cancel_cnt counts them");
	ASSERT_LT(slept, 5.0, "the other CPUs kept running");
}

void test_cancel_demo(void)
{
	struct bpf_object *obj;
	struct bpf_program *p;
	bool ok;

	/* without the watchdog the bomb would hold CPU 1 for 2 s per run */
	if (!have_watchdog()) {
		test__fail("kernel has no cancellation watchdog (/proc/sys/kernel/bpf_cancel_budget_ms)");
		return;
	}
	obj = bench_open("cancel_demo");
	if (!ASSERT_OK_PTR(obj, "open cancel_demo.bpf.o"))
		return;
	bpf_object__for_each_program(p, obj) {
		bpf_program__set_cancellable(p, true);
		bpf_program__set_cancel_budget(p, strcmp(bpf_program__name(p), "bomb") ?
					       HOLDER_BUDGET_NS : BOMB_BUDGET_NS);
	}
	if (!ASSERT_OK(bpf_object__load(obj), "load cancel_demo.bpf.o"))
		goto out;
	write_file("/proc/sys/kernel/bpf_stats_enabled", "1");
	if (test__start_subtest("holder")) {
		ok = holder(obj);
		/* the bomb only when the watchdog proved itself on the holder */
		if (!ok) {
			printf("DEMO: (the bomb is not run: the watchdog did not cancel the holder)\n");
			goto out;
		}
	}
	if (test__start_subtest("bomb"))
		bomb(obj);
out:
	write_file("/proc/sys/kernel/bpf_stats_enabled", "0");
	bpf_object__close(obj);
}
