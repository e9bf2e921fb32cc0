// SPDX-License-Identifier: GPL-2.0
/*
 * (d) an NMI reaches a CPU that runs a BPF program with interrupts off.
 *
 * A thread pinned to CPU 1 busy-loops in user space; on the next timer
 * interrupt of CPU 1 (hrtimer_expire_entry runs in hard interrupt context,
 * interrupts disabled) the armed tp_btf program progs/nmi.c spins in
 * bpf_loop. While it spins, this
 * thread, on any CPU but 1, writes 'l' to /proc/sysrq-trigger: "backtrace of
 * all active CPUs", sent as an NMI IPI on x86 and as a GICv3 pseudo-NMI on
 * arm64 (irqchip.gicv3_pseudo_nmi=1). The sysrq write returns once every CPU
 * answered (or after 10 s). The test then checks, in the kernel log:
 *   - every online CPU answered "NMI backtrace for cpu N" (idle ones may
 *     answer "... skipped: idling");
 *   - the spinning CPU's backtrace shows the program's frame
 *     (bpf_prog_<tag>_spin_irqs_off): the NMI interrupted the BPF program
 *     itself, which runs with interrupts off until told to stop;
 *   - the interrupted context had interrupts masked: x86 EFLAGS.IF clear,
 *     arm64 pmr_save != 0xe0 (GIC priority mask not "unmasked").
 * A normal IPI cannot do this: it would wait until the spin ended, and the
 * backtrace would not show the program.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>
#include <fcntl.h>
#include "bench.h"

static volatile int *armed, *target_cpu, *prog_done, *prog_stop;

static void *spinner(void *arg)
{
	bench_pin_cpu(1);
	*target_cpu = 1;
	__sync_synchronize();
	*armed = 1;
	/* keep CPU 1 busy (its tick keeps firing) until the program ran */
	while (!*prog_done && !*prog_stop)
		;
	return NULL;
}

/* the block of lines of "NMI backtrace for cpu N" up to the next CPU's */
static const char *cpu_block(const char *log, int cpu, size_t *len)
{
	char key[64];
	const char *p, *e;

	snprintf(key, sizeof(key), "NMI backtrace for cpu %d\n", cpu);
	p = strstr(log, key);
	if (!p) {
		snprintf(key, sizeof(key), "NMI backtrace for cpu %d skipped", cpu);
		p = strstr(log, key);
		if (!p)
			return NULL;
	}
	e = strstr(p + 1, "NMI backtrace for cpu ");
	*len = e ? (size_t)(e - p) : strlen(p);
	return p;
}

void test_nmi(void)
{
	struct bpf_object *obj = bench_open("nmi");
	volatile int *stop, *spinning, *spin_cpu, *done;
	__u64 *max_ns, *spin_ns;
	int ncpu = sysconf(_SC_NPROCESSORS_ONLN), fd, cpu, still_spinning;
	struct bpf_link *link = NULL;
	char marker[64], *log = NULL;
	const char *after, *blk;
	pthread_t th;
	size_t blen;
	int i;

	if (!ASSERT_OK_PTR(obj, "open nmi.bpf.o"))
		return;
	if (!ASSERT_GE(ncpu, 2, "online CPUs"))
		goto out;
	if (!ASSERT_OK(bpf_object__load(obj), "load nmi.bpf.o"))
		goto out;
	armed = BENCH_VAR(obj, int, "armed");
	target_cpu = BENCH_VAR(obj, int, "target_cpu");
	stop = BENCH_VAR(obj, int, "stop");
	spinning = BENCH_VAR(obj, int, "spinning");
	spin_cpu = BENCH_VAR(obj, int, "spin_cpu");
	done = BENCH_VAR(obj, int, "done");
	max_ns = BENCH_VAR(obj, __u64, "max_ns");
	spin_ns = BENCH_VAR(obj, __u64, "spin_ns");
	prog_done = done;
	prog_stop = stop;
	if (!ASSERT_TRUE(armed && target_cpu && stop && spinning && spin_cpu && done &&
			 max_ns && spin_ns, "globals"))
		goto out;
	*max_ns = 8000000000ULL;        /* hard cap: 8 s of interrupts off */
	link = bpf_program__attach(bpf_object__find_program_by_name(obj, "spin_irqs_off"));
	if (!ASSERT_OK_PTR(link, "attach tp_btf/hrtimer_expire_entry"))
		goto out;

	/* Run anywhere but on CPU 1, so that a CPU busy with something that
	 * waits for CPU 1 (an arm64 icache flush's kick_all_cpus_sync() in a
	 * kworker freeing the previous test's programs) cannot hold this thread
	 * for the whole spin; and let such deferred work finish first. */
	{
		cpu_set_t s;

		CPU_ZERO(&s);
		for (i = 0; i < ncpu; i++)
			if (i != 1)
				CPU_SET(i, &s);
		sched_setaffinity(0, sizeof(s), &s);
	}
	usleep(300000);
	snprintf(marker, sizeof(marker), "bench-nmi-marker-%d", getpid());
	bench_kmsg("%s\n", marker);
	if (!ASSERT_OK(pthread_create(&th, NULL, spinner, NULL), "pthread_create"))
		goto out;
	for (i = 0; i < 5000 && !*spinning; i++)
		usleep(1000);
	if (!ASSERT_TRUE(*spinning, "program started spinning on the target CPU")) {
		*stop = 1;
		pthread_join(th, NULL);
		goto out;
	}
	fd = open("/proc/sysrq-trigger", O_WRONLY);
	if (ASSERT_FD(fd, "open /proc/sysrq-trigger")) {
		ASSERT_EQ(write(fd, "l", 1), 1, "sysrq l");
		close(fd);
	}
	still_spinning = *spinning;
	*stop = 1;
	pthread_join(th, NULL);
	for (i = 0; i < 1000 && !*done; i++)
		usleep(1000);
	ASSERT_TRUE(*done, "program finished");
	/* informational only: the console flush after the sysrq can outlast the
	 * spin; that the NMI hit the program is shown by its backtrace below */
	printf("  nmi: program %s spinning when the sysrq write returned\n",
	       still_spinning ? "still" : "no longer");
	cpu = *spin_cpu;
	ASSERT_EQ(cpu, 1, "spinning CPU");
	printf("  nmi: program spun %.3f ms with interrupts off on cpu %d\n", *spin_ns / 1e6, cpu);

	log = bench_read_klog();
	if (!ASSERT_OK_PTR(log, "read kernel log"))
		goto out;
	after = strstr(log, marker);
	if (!ASSERT_OK_PTR(after, "marker in kernel log"))
		goto out;
	for (i = 0; i < ncpu; i++) {
		char name[64];

		snprintf(name, sizeof(name), "cpu %d answered the NMI", i);
		ASSERT_OK_PTR(cpu_block(after, i, &blen), name);
	}
	blk = cpu_block(after, cpu, &blen);
	if (ASSERT_OK_PTR(blk, "spinning CPU's backtrace")) {
		char *b = strndup(blk, blen);

		/* the NMI interrupted the spinning program itself */
		if (!strstr(b, "_spin_irqs_off+"))
			test__fail("backtrace of cpu %d does not show the spinning program:\n%s", cpu, b);
		if (strstr(b, "skipped: idling"))
			test__fail("cpu %d reported idle while spinning", cpu);
#ifdef __x86_64__
		{
			const char *ef = strstr(b, "EFLAGS: ");
			unsigned long fl;

			if (ASSERT_OK_PTR(ef, "EFLAGS in the NMI register dump")) {
				fl = strtoul(ef + 8, NULL, 16);
				ASSERT_EQ(fl & 0x200, 0, "IF clear in the interrupted context");
			}
		}
#elif defined(__aarch64__)
		{
			/* pseudo-NMI masks interrupts by GIC priority: pmr_save of
			 * the interrupted context is 0xe0 (GICV3_PRIO_UNMASKED) when
			 * they are on */
			const char *pm = strstr(b, "pmr_save: ");

			if (ASSERT_OK_PTR(pm, "pmr_save in the NMI register dump"))
				ASSERT_NEQ(strtoul(pm + 10, NULL, 16), 0xe0,
					   "interrupts masked (pmr) in the interrupted context");
		}
#endif
		free(b);
	}
out:
	free(log);
	bpf_link__destroy(link);
	bpf_object__close(obj);
}
