// SPDX-License-Identifier: GPL-2.0
/*
 * The figures of the cancellation series, measured in one boot and printed
 * as "BENCH-FIGURE: ..." lines (run-qemu.sh copies them to its output). No
 * timing is asserted: under TCG only relative and instruction-derived
 * figures mean anything (docs/kernel-bench.md, BENCH_ICOUNT). Checked is
 * only that everything measured worked (loads, runs, cancellations).
 *
 *   run_ns      BPF_PROG_TEST_RUN time per run (the kernel's own average over
 *               `repeat` runs) of three representative tc programs, built
 *               plain and loaded plain vs built with -fbpf-cancellable and
 *               loaded cancellable; rounds alternate (each ~0.25 s of runs:
 *               the guest clock may be jiffies), medians, and their ratio
 *   cancel_us   latency from bpf_prog_cancel() to the return of the cancelled
 *               BPF_PROG_TEST_RUN, over N cancellations (median, worst), as
 *               user space sees it and as the kernel reports it
 *               (bpf_prog_info.cancel_last_ns)
 *   load        load time (median of 5) and JIT bytes (hot, cold) of the
 *               object without and with the flag
 */
#include <stdlib.h>
#include "cancel_util.h"

#define ROUNDS		5
#define CANCEL_N	1000
#define CANCEL_SECS	20.0
#define LOADS		5

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_d);
	return n ? (n & 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2) : 0;
}

/*
 * The bench kernel's clock may be coarse (under TCG: jiffies, 4 ms), so one
 * measurement is a test_run of `repeat` runs lasting about MEASURE_S, and
 * the kernel's duration is its average per run.
 */
#define MEASURE_S	0.25

static double run_ns(int fd, __u32 repeat)
{
	unsigned char pkt[64] = { [12] = 0x08 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt),
		    .repeat = repeat);

	if (!ASSERT_OK(bpf_prog_test_run_opts(fd, &opts), "test_run"))
		return 0;
	return opts.duration;
}

/* repeat count for which one test_run of fd takes about MEASURE_S */
static __u32 calibrate(int fd)
{
	__u32 repeat = 1000;
	double t0, el;

	for (;;) {
		t0 = cancel_now();
		run_ns(fd, repeat);	/* 0 may only be the coarse clock */
		el = cancel_now() - t0;
		if (el >= MEASURE_S / 2 || repeat >= (1u << 24))
			break;
		repeat *= el > 0.01 ? MEASURE_S / el : 16;
	}
	return el > 0 ? (__u32)(repeat * MEASURE_S / el) + 1 : repeat;
}

static void run_figures(struct bpf_object *plain, struct bpf_object *canc)
{
	static const char *const progs[] = { "fig_iter", "fig_loop", "fig_lookup" };
	const char *cs = cancel_clocksource();
	unsigned int i;
	int r;

	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		int fp = cancel_prog_fd(plain, progs[i]), fc = cancel_prog_fd(canc, progs[i]);
		double p[ROUNDS], c[ROUNDS], mp, mc;
		struct bpf_prog_info info;
		__u32 repeat;

		if (fp < 0 || fc < 0 || !cancel_info(fc, &info))
			return;
		ASSERT_EQ(info.cancel_status, BPF_CANCEL_STATUS_ON, "tc program cancellable");
		repeat = calibrate(fp);
		for (r = 0; r < ROUNDS; r++) {
			p[r] = run_ns(fp, repeat);
			c[r] = run_ns(fc, repeat);
		}
		mp = median(p, ROUNDS);
		mc = median(c, ROUNDS);
		printf("BENCH-FIGURE: run_ns %s plain=%.0f cancellable=%.0f ratio=%.3f "
		       "(median of %d alternating rounds x %u runs; clocksource %s; sites=%u)\n",
		       progs[i], mp, mc, mp ? mc / mp : 0, ROUNDS, repeat, cs, info.cancel_sites);
	}
}

static void cancel_latency(struct bpf_object *canc)
{
	struct cancel_run r = {
		.prog_fd = cancel_prog_fd(canc, "fig_spin"),
		.started = BENCH_VAR(canc, __u32, "started"),
		.limit_s = 6,
		.apart = true,
	};
	static double user[CANCEL_N], kern[CANCEL_N];
	int n = 0, failed = 0, notswitched = 0;
	struct bpf_prog_info info;
	double t0 = cancel_now();

	if (r.prog_fd < 0 || !ASSERT_OK_PTR((void *)r.started, "started"))
		return;
	while (n < CANCEL_N && cancel_now() - t0 < CANCEL_SECS) {
		cancel_run(&r);
		if (r.run_err || r.retval != 2 || !r.returned) {
			if (failed++ < 3)
				test__fail("cancellation %d: run_err %d retval %u (2: cut short, 3: own "
					   "deadline) returned %d, bpf_prog_cancel() = %d",
					   n, r.run_err, r.retval, r.returned, r.cancel_ret);
			if (failed > 10)
				break;
			continue;
		}
		if (r.cancel_ret != 1)
			notswitched++;
		if (!cancel_info(r.prog_fd, &info))
			break;
		user[n] = r.cancel_to_return_s * 1e6;
		kern[n] = info.cancel_last_ns / 1e3;
		n++;
	}
	ASSERT_GE(n, 100, "cancellations measured");
	ASSERT_EQ(notswitched, 0, "bpf_prog_cancel() switched one invocation each time");
	if (!n)
		return;
	{
		double ku[CANCEL_N], uu[CANCEL_N], worst_u, worst_k;

		memcpy(uu, user, n * sizeof(double));
		memcpy(ku, kern, n * sizeof(double));
		qsort(uu, n, sizeof(double), cmp_d);
		qsort(ku, n, sizeof(double), cmp_d);
		worst_u = uu[n - 1];
		worst_k = ku[n - 1];
		printf("BENCH-FIGURE: cancel_us user N=%d median=%.1f p99=%.1f worst=%.1f "
		       "(bpf_prog_cancel() to test_run return, wall clock; clocksource %s; %.1f s)\n",
		       n, median(uu, n), uu[n * 99 / 100], worst_u, cancel_clocksource(),
		       cancel_now() - t0);
		printf("BENCH-FIGURE: cancel_us kernel N=%d median=%.1f p99=%.1f worst=%.1f "
		       "(bpf_prog_info.cancel_last_ns: trigger to end of switch; cancel_worst_ns=%llu)\n",
		       n, median(ku, n), ku[n * 99 / 100], worst_k,
		       (unsigned long long)info.cancel_worst_ns);
	}
}

struct load_fig {
	double ms;
	__u64 jited, cold, xlated;
	int progs;
};

static bool load_once(const char *name, bool cancellable, struct load_fig *f)
{
	struct bpf_object *obj = bench_open(name);
	struct bpf_program *p;
	double t0;
	bool ok;

	if (!ASSERT_OK_PTR(obj, name))
		return false;
	bpf_object__for_each_program(p, obj)
		bpf_program__set_cancellable(p, cancellable);
	t0 = cancel_now();
	ok = ASSERT_OK(bpf_object__load(obj), name);
	f->ms = (cancel_now() - t0) * 1e3;
	f->jited = f->cold = f->xlated = 0;
	f->progs = 0;
	if (ok) {
		bpf_object__for_each_program(p, obj) {
			struct bpf_prog_info i;

			if (!cancel_info(bpf_program__fd(p), &i))
				break;
			f->jited += i.jited_prog_len;
			f->cold += i.cancel_cold_jited_len;
			f->xlated += i.xlated_prog_len;
			f->progs++;
		}
	}
	bpf_object__close(obj);
	return ok;
}

static void load_figures(void)
{
	static const struct { const char *obj; bool canc; const char *what; } v[] = {
		{ "cancel_figures_plain", false, "plain" },
		{ "cancel_figures", true, "cancellable" },
	};
	unsigned int k;
	int i;

	for (k = 0; k < 2; k++) {
		struct load_fig f = {};
		double ms[LOADS];

		for (i = 0; i < LOADS; i++) {
			if (!load_once(v[k].obj, v[k].canc, &f))
				return;
			ms[i] = f.ms;
		}
		printf("BENCH-FIGURE: load %s object=%s.bpf.o progs=%d load_ms=%.2f "
		       "(median of %d) jited_bytes=%llu cold_jited_bytes=%llu xlated_bytes=%llu\n",
		       v[k].what, v[k].obj, f.progs, median(ms, LOADS), LOADS,
		       (unsigned long long)f.jited, (unsigned long long)f.cold,
		       (unsigned long long)f.xlated);
	}
}

void test_cancel_figures(void)
{
	struct bpf_object *plain = NULL, *canc = NULL;

	plain = cancel_open_load("cancel_figures_plain", false, 0);
	canc = cancel_open_load("cancel_figures", true, 60000000000ULL);
	if (!plain || !canc)
		goto out;
	if (test__start_subtest("run_ns"))
		run_figures(plain, canc);
	if (test__start_subtest("cancel_latency"))
		cancel_latency(canc);
	if (test__start_subtest("load"))
		load_figures();
out:
	bpf_object__close(canc);
	bpf_object__close(plain);
}
