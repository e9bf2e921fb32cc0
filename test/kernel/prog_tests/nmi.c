// SPDX-License-Identifier: GPL-2.0
/*
 * (d) an NMI reaches a CPU that runs a BPF program with interrupts off.
 *
 * A thread pinned to CPU 1 sleeps; on its sched_switch (__schedule() runs
 * the tracepoint with interrupts disabled and the runqueue lock held) the
 * armed tp_btf program progs/nmi.c spins in bpf_loop. While it spins, this
 * thread, pinned to CPU 0, writes 'l' to /proc/sysrq-trigger: "backtrace of
 * all active CPUs", sent as an NMI IPI on x86 and as a GICv3 pseudo-NMI on
 * arm64 (irqchip.gicv3_pseudo_nmi=1). The sysrq write returns once every CPU
 * answered (or after 10 s). The test then checks, in the kernel log:
 *   - every online CPU answered "NMI backtrace for cpu N" (idle ones may
 *     answer "... skipped: idling");
 *   - the spinning CPU's answer came while the program was still spinning
 *     (the program only stops when told after the sysrq write returned) and
 *     its backtrace shows BPF code (bpf_loop / bpf_prog_*) - i.e. the NMI
 *     interrupted the BPF program itself, in interrupts-off context;
 *   - on x86 the interrupted context's EFLAGS has IF clear.
 * A normal IPI cannot do this: it would wait until the spin ended, and the
 * backtrace would not show the program.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include "bench.h"

static volatile int *armed, *target_tid;
static volatile int tid_ready;

static void pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	sched_setaffinity(0, sizeof(s), &s);
}

static void *spinner(void *arg)
{
	pin(1);
	*target_tid = syscall(SYS_gettid);
	__sync_synchronize();
	*armed = 1;
	tid_ready = 1;
	usleep(1000);           /* sched_switch away from us: the program spins */
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
	target_tid = BENCH_VAR(obj, int, "target_tid");
	stop = BENCH_VAR(obj, int, "stop");
	spinning = BENCH_VAR(obj, int, "spinning");
	spin_cpu = BENCH_VAR(obj, int, "spin_cpu");
	done = BENCH_VAR(obj, int, "done");
	max_ns = BENCH_VAR(obj, __u64, "max_ns");
	spin_ns = BENCH_VAR(obj, __u64, "spin_ns");
	if (!ASSERT_TRUE(armed && target_tid && stop && spinning && spin_cpu && done &&
			 max_ns && spin_ns, "globals"))
		goto out;
	*max_ns = 8000000000ULL;        /* hard cap: 8 s of interrupts off */
	link = bpf_program__attach(bpf_object__find_program_by_name(obj, "spin_irqs_off"));
	if (!ASSERT_OK_PTR(link, "attach tp_btf/sched_switch"))
		goto out;

	pin(0);
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
	ASSERT_TRUE(still_spinning, "program still spinning when every CPU had answered");
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

		if (!strstr(b, "bpf_loop") && !strstr(b, "bpf_prog_"))
			test__fail("backtrace of cpu %d shows no BPF code:\n%s", cpu, b);
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
#endif
		free(b);
	}
out:
	free(log);
	bpf_link__destroy(link);
	bpf_object__close(obj);
}
