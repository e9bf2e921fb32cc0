// SPDX-License-Identifier: GPL-2.0
/*
 * coldrun - make check-upstream, cold runs: every program of the given
 * objects that BPF_PROG_TEST_RUN can run is loaded cancellable, alone, and
 * run
 *
 *   hot     once, as a reference (a program that fails its hot run with
 *           our input is not runnable here and is skipped);
 *   global  with BPF_F_CANCEL_GLOBAL set before the run: the whole
 *           invocation executes the cold twin; then RESTORE and one more
 *           hot run;
 *   random  in a loop on one CPU while another CPU cancels it
 *           (BPF_PROG_CANCEL) after random delays, many times.
 *
 * A cold run must not fail where the hot one did not, and its return value
 * must be one the program's code can return: the hot run's, or a constant
 * the final (xlated) code moves into r0. After the object is closed, every
 * program and map it created must be gone (a reference the cold code took
 * and did not drop keeps them alive). Kernel reports are the console's
 * business (test/upstream/init.sh, run-qemu.sh).
 *
 * One line per program:
 *   COLD <object>/<prog> <type> PASS|FAIL|SKIP <details>
 * and last: COLD-TOTAL objects=N programs=N run=N skipped=N failed=N
 *           runs=N cancels=N switched=N unexplained=N
 *
 * Usage: coldrun [-n cancels] [-s seed] object.o...
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define MAX_IMMS 64

struct totals {
	int objects, programs, run, skipped, failed;
	long runs, cancels, switched, unexplained;
};

static struct totals tot;
static int ncancels = 50;

/* An IPv4/TCP frame: Ethernet, IP (ihl 5), TCP (doff 5), zero payload. */
static unsigned char pkt[128];

static void build_pkt(void)
{
	unsigned char *ip = pkt + ETH_HLEN, *tcp = ip + 20;
	unsigned int tot_len = sizeof(pkt) - ETH_HLEN;

	memset(pkt, 0, sizeof(pkt));
	memcpy(pkt, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	pkt[12] = ETH_P_IP >> 8;
	pkt[13] = ETH_P_IP & 0xff;
	ip[0] = 0x45;
	ip[2] = tot_len >> 8;
	ip[3] = tot_len & 0xff;
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	tcp[1] = 80;		/* source port 80 */
	tcp[2] = 0x1f;		/* dest port 8080 */
	tcp[3] = 0x90;
	tcp[12] = 5 << 4;
	tcp[13] = 0x02;		/* SYN */
}

enum input { IN_NONE, IN_PKT, IN_CTX, IN_TRACING };

/* What BPF_PROG_TEST_RUN needs to run a program of this type; IN_NONE:
 * it cannot (or needs a context we do not build).
 */
static enum input input_of(const struct bpf_program *p, bool *repeat)
{
	const char *sec = bpf_program__section_name(p);

	*repeat = false;
	switch (bpf_program__type(p)) {
	case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT:
	case BPF_PROG_TYPE_SOCKET_FILTER:
	case BPF_PROG_TYPE_CGROUP_SKB:
	case BPF_PROG_TYPE_LWT_IN:
	case BPF_PROG_TYPE_LWT_OUT:
	case BPF_PROG_TYPE_LWT_XMIT:
	case BPF_PROG_TYPE_XDP:
	case BPF_PROG_TYPE_FLOW_DISSECTOR:
		*repeat = true;
		return IN_PKT;
	case BPF_PROG_TYPE_SYSCALL:
	case BPF_PROG_TYPE_RAW_TRACEPOINT:
		return IN_CTX;
	case BPF_PROG_TYPE_TRACING:
		/* the tracing test_run calls bpf_fentry_test1..8 and
		 * bpf_modify_return_test: programs attached there run
		 */
		if (strstr(sec, "/bpf_fentry_test") || strstr(sec, "/bpf_modify_return_test"))
			return IN_TRACING;
		return IN_NONE;
	default:
		return IN_NONE;
	}
}

struct prog_run {
	int fd;
	enum bpf_prog_type type;
	enum input in;
	bool repeat;
	/* out of one run */
	int err;
	__u32 retval;
};

static void run_once(struct prog_run *r, int repeat)
{
	static unsigned char ctx[4096];
	LIBBPF_OPTS(bpf_test_run_opts, o);

	switch (r->in) {
	case IN_PKT:
		/* no data_out: a repeated run works on one skb, which a
		 * program that pushes headers grows at every invocation
		 */
		o.data_in = pkt;
		o.data_size_in = sizeof(pkt);
		o.repeat = r->repeat ? repeat : 0;
		break;
	case IN_CTX:
		/* raw_tp: 12 u64 arguments (the most test_run takes);
		 * syscall: a zeroed context of a page
		 */
		memset(ctx, 0, sizeof(ctx));
		o.ctx_in = ctx;
		o.ctx_size_in = r->type == BPF_PROG_TYPE_RAW_TRACEPOINT ? 12 * sizeof(__u64) :
								       sizeof(ctx);
		break;
	default:
		break;
	}
	r->err = bpf_prog_test_run_opts(r->fd, &o) ? -errno : 0;
	r->retval = o.retval;
}

/* the constants the program's final code moves into r0 */
static int r0_imms(int fd, __s64 *imm, int max)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	struct bpf_insn *insns;
	int n = 0, i, cnt;

	if (bpf_prog_get_info_by_fd(fd, &info, &len))
		return -errno;
	cnt = info.xlated_prog_len / sizeof(*insns);
	insns = calloc(cnt ?: 1, sizeof(*insns));
	if (!insns)
		return -ENOMEM;
	memset(&info, 0, sizeof(info));
	info.xlated_prog_len = cnt * sizeof(*insns);
	info.xlated_prog_insns = (__u64)(unsigned long)insns;
	len = sizeof(info);
	if (bpf_prog_get_info_by_fd(fd, &info, &len)) {
		free(insns);
		return -errno;
	}
	for (i = 0; i < cnt && n < max; i++) {
		__u8 c = insns[i].code;

		if ((c == (BPF_ALU64 | BPF_MOV | BPF_K) || c == (BPF_ALU | BPF_MOV | BPF_K)) &&
		    insns[i].dst_reg == 0 && insns[i].off == 0)
			imm[n++] = insns[i].imm;
	}
	free(insns);
	return n;
}

static bool explained(__u32 ret, __u32 hot, const __s64 *imm, int n)
{
	int i;

	if (ret == hot)
		return true;
	for (i = 0; i < n; i++)
		if (ret == (__u32)imm[i])
			return true;
	return false;
}

/* ---- random cancels: the program runs on CPU 1, cancelled from CPU 2 ---- */

#define LOOP_CALLS	20	/* test_run calls of the random phase */
#define LOOP_REPEAT	100	/* invocations per call, where test_run repeats */

struct looper {
	struct prog_run r;
	volatile bool done;
	long runs;
	int first_err;
};

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % sysconf(_SC_NPROCESSORS_ONLN), &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void *loop_fn(void *arg)
{
	struct looper *l = arg;
	int i;

	pin(1);
	for (i = 0; i < LOOP_CALLS; i++) {
		run_once(&l->r, LOOP_REPEAT);
		l->runs += l->r.repeat ? LOOP_REPEAT : 1;
		if (l->r.err && !l->first_err)
			l->first_err = l->r.err;
	}
	l->done = true;
	return NULL;
}

/* Cancel after random delays (0-1 ms) while the program runs; at least
 * ncancels times. Returns 0 or the first error of a cancel or a run.
 */
static int random_cancels(struct prog_run *r, long *runs, long *cancels, long *switched)
{
	struct looper l = { .r = *r };
	struct timespec ts;
	pthread_t th;
	int ret, err = 0;

	if (pthread_create(&th, NULL, loop_fn, &l))
		return -errno;
	pin(2);
	*cancels = 0;
	while (!l.done || *cancels < ncancels) {
		ts.tv_sec = 0;
		ts.tv_nsec = (rand() % 1000) * 1000L;
		nanosleep(&ts, NULL);
		ret = bpf_prog_cancel(r->fd, NULL);
		(*cancels)++;
		if (ret < 0 && !err)
			err = ret;
		else if (ret > 0)
			*switched += ret;
	}
	pthread_join(th, NULL);
	*runs = l.runs;
	return err ?: l.first_err;
}

/* ---- leaks: what the object created is gone after it is closed ---- */

static int count_ids(int (*next)(__u32, __u32 *))
{
	__u32 id = 0;
	int n = 0;

	while (!next(id, &id))
		n++;
	return n;
}

static bool ids_back(int progs, int maps)
{
	int i;

	/* programs and maps are freed after an RCU grace period and a work
	 * item: give them 5 s
	 */
	for (i = 0; i < 100; i++) {
		if (count_ids(bpf_prog_get_next_id) <= progs &&
		    count_ids(bpf_map_get_next_id) <= maps)
			return true;
		usleep(50000);
	}
	return false;
}

/* ---- one program ---- */

static const char *type_name(const struct bpf_program *p)
{
	return libbpf_bpf_prog_type_str(bpf_program__type(p)) ?: "?";
}

static void report(const char *obj, const char *prog, const char *type, const char *verdict,
		   const char *detail)
{
	printf("COLD %s/%s %s %s %s\n", obj, prog, type, verdict, detail);
	fflush(stdout);
}

/*
 * BPF_F_CANCEL_GLOBAL (on) or _RESTORE. A trampoline calls the bpf_func it
 * was built with: a tracing program is attached again. On failure, says
 * why in why and returns false.
 */
static bool set_global(struct bpf_program *p, int fd, struct bpf_link **link, bool on,
		       char *why, size_t len)
{
	LIBBPF_OPTS(bpf_prog_cancel_opts, o,
		    .flags = on ? BPF_F_CANCEL_GLOBAL : BPF_F_CANCEL_RESTORE);
	const char *what = on ? "GLOBAL" : "RESTORE";
	int ret = bpf_prog_cancel(fd, &o);

	if (ret < 0) {
		snprintf(why, len, "%s: %s", what, strerror(-ret));
		return false;
	}
	if (!*link)
		return true;
	bpf_link__destroy(*link);
	*link = bpf_program__attach(p);
	if (!*link) {
		snprintf(why, len, "attach after %s: %s", what, strerror(errno));
		return false;
	}
	return true;
}

/* one run, counted; on an error, says what failed in why and returns false */
static bool run_counted(struct prog_run *r, const char *what, char *why, size_t len)
{
	run_once(r, 1);
	tot.runs++;
	if (r->err)
		snprintf(why, len, "%s: %s", what, strerror(-r->err));
	return !r->err;
}

static void one_prog(const char *path, const char *base, int idx)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .cancellable = true);
	struct bpf_program *p, *me = NULL;
	struct bpf_link *link = NULL;
	struct bpf_prog_info info = {};
	__u32 ilen = sizeof(info);
	struct prog_run r = {};
	struct bpf_object *obj;
	char name[128], type[48], why[256] = "";
	__s64 imm[MAX_IMMS];
	int progs0, maps0, i = 0, nimm, ret;
	long runs = 0, ncanc = 0, sw = 0;
	__u32 hot_ret;
	bool fail = false;

	progs0 = count_ids(bpf_prog_get_next_id);
	maps0 = count_ids(bpf_map_get_next_id);
	obj = bpf_object__open_file(path, &oo);
	if (!obj)
		return;
	bpf_object__for_each_program(p, obj) {
		bool is_me = i++ == idx;

		bpf_program__set_autoload(p, is_me);
		if (is_me)
			me = p;
	}
	if (!me)
		goto close;
	snprintf(name, sizeof(name), "%s", bpf_program__name(me));
	snprintf(type, sizeof(type), "%s", type_name(me));
	r.type = bpf_program__type(me);
	r.in = input_of(me, &r.repeat);
	if (r.in == IN_NONE)
		goto close;	/* not counted: test_run cannot run it */
	tot.programs++;
	if (bpf_object__load(obj)) {
		report(base, name, type, "SKIP", "does not load alone");
		tot.skipped++;
		goto close;
	}
	r.fd = bpf_program__fd(me);
	if (bpf_prog_get_info_by_fd(r.fd, &info, &ilen) ||
	    info.cancel_status != BPF_CANCEL_STATUS_ON) {
		snprintf(why, sizeof(why), "not cancellable (status %u reason %u)",
			 info.cancel_status, info.cancel_reason);
		report(base, name, type, "SKIP", why);
		tot.skipped++;
		goto close;
	}
	if (r.in == IN_TRACING) {
		link = bpf_program__attach(me);
		if (!link) {
			report(base, name, type, "SKIP", "does not attach");
			tot.skipped++;
			goto close;
		}
	}

	/* hot, for reference */
	run_once(&r, 1);
	if (r.err) {
		snprintf(why, sizeof(why), "hot test_run: %s", strerror(-r.err));
		report(base, name, type, "SKIP", why);
		tot.skipped++;
		goto close;
	}
	hot_ret = r.retval;
	tot.run++;
	nimm = r0_imms(r.fd, imm, MAX_IMMS);

	/* global: the whole invocation runs cold */
	if (!set_global(me, r.fd, &link, true, why, sizeof(why))) {
		fail = true;
		goto verdict;
	}
	if (!run_counted(&r, "cold test_run", why, sizeof(why))) {
		fail = true;
		goto verdict;
	}
	if (r.in != IN_TRACING && !explained(r.retval, hot_ret, imm, nimm > 0 ? nimm : 0)) {
		/* reported, not failed: r0 may be computed (a helper's result) */
		printf("COLD-UNEXPLAINED %s/%s cold retval %u (hot %u, %d constants)\n",
		       base, name, r.retval, hot_ret, nimm);
		tot.unexplained++;
	}
	snprintf(why, sizeof(why), "hot=%u cold=%u", hot_ret, r.retval);
	if (!set_global(me, r.fd, &link, false, why, sizeof(why))) {
		fail = true;
		goto verdict;
	}
	if (!run_counted(&r, "hot test_run after RESTORE", why, sizeof(why))) {
		fail = true;
		goto verdict;
	}

	/* random points of running invocations */
	ret = random_cancels(&r, &runs, &ncanc, &sw);
	tot.runs += runs;
	tot.cancels += ncanc;
	tot.switched += sw;
	if (ret) {
		snprintf(why, sizeof(why), "random cancels: %s", strerror(-ret));
		fail = true;
		goto verdict;
	}
	snprintf(why + strlen(why), sizeof(why) - strlen(why),
		 " random: %ld cancels, %ld switched, %ld runs", ncanc, sw, runs);
verdict:
	bpf_link__destroy(link);
	link = NULL;
	bpf_object__close(obj);
	obj = NULL;
	if (!fail && !ids_back(progs0, maps0)) {
		snprintf(why, sizeof(why), "programs or maps still exist after close: a leaked reference");
		fail = true;
	}
	report(base, name, type, fail ? "FAIL" : "PASS", why);
	if (fail)
		tot.failed++;
close:
	bpf_link__destroy(link);
	bpf_object__close(obj);
}

static int prog_count(const char *path)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *p;
	int n = 0;

	if (!obj)
		return -errno;
	bpf_object__for_each_program(p, obj)
		n++;
	bpf_object__close(obj);
	return n;
}

static int silent(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int seed = 1;
	int opt, i, j, n;

	while ((opt = getopt(argc, argv, "n:s:")) != -1) {
		switch (opt) {
		case 'n':
			ncancels = atoi(optarg);
			break;
		case 's':
			seed = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-n cancels] [-s seed] object.o...\n", argv[0]);
			return 2;
		}
	}
	srand(seed);
	build_pkt();
	libbpf_set_print(silent);
	for (i = optind; i < argc; i++) {
		const char *base = strrchr(argv[i], '/') ? strrchr(argv[i], '/') + 1 : argv[i];

		n = prog_count(argv[i]);
		if (n < 0) {
			/* veristat cannot open it either (the linked_*.o
			 * halves, made to be linked by bpftool first)
			 */
			printf("COLD %s - - SKIP does not open: %s\n", base, strerror(-n));
			continue;
		}
		tot.objects++;
		for (j = 0; j < n; j++)
			one_prog(argv[i], base, j);
	}
	printf("COLD-TOTAL objects=%d programs=%d run=%d skipped=%d failed=%d runs=%ld cancels=%ld switched=%ld unexplained=%ld\n",
	       tot.objects, tot.programs, tot.run, tot.skipped, tot.failed, tot.runs, tot.cancels,
	       tot.switched, tot.unexplained);
	return tot.failed ? 1 : 0;
}
