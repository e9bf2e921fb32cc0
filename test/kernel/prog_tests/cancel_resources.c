// SPDX-License-Identifier: GPL-2.0
/*
 * Cancel programs while they hold resources (progs/cancel_resources.c,
 * progs/cancel_cgroup.c) and check that nothing leaked: each program counts
 * its acquires and releases in .bss; after a cancelled run every acquire
 * must have been matched by its release, the return value must be a legal
 * one (the "cut short" value, which only cold code returns), and the
 * resource itself must be usable again (task refcount unchanged, ringbuf
 * positions consistent and a new reservation reaching the consumer, the
 * spin lock free for a second run, the cgroup taken again and, once
 * removed, freed).
 *
 * Every program is cancelled in three ways, one subtest each:
 *   <name>        BPF_PROG_CANCEL from user space 100 ms into the run
 *                 (mid-loop, wherever the program happens to be)
 *   <name>_self   bpf_cancel_self() at outer step 3 while holding the
 *                 resource: the counters are then exact
 *   <name>_sites  at every cancellation site: one run per checkpoint
 *                 k = 0, 1, ... (progs/cancel_points.h), in which
 *                 bpf_cancel_self() is called right before the site the
 *                 checkpoint names (and while holding the resources held
 *                 there), then one run in which no checkpoint fires (the
 *                 control: normal return value, not cancelled, exact
 *                 counters). After each cancelled run: checkpoint k fired,
 *                 the next site took its failure outcome (cp_failed ==
 *                 cp_site), the return value is the legal one, nothing
 *                 leaked (counters and the per-resource checks), and
 *                 bpf_prog_info.cancel_cnt counted the cancellation.
 *
 * Frames: every run also checks the bpf_cancel tracepoint (on_cancel): one
 * switch, with the right trigger, that moved every BPF frame of the
 * invocation to cold code: at a checkpoint, cp_depth frames (the programs
 * count their subprogram and callback frames, progs/cancel_points.h); at
 * step 3, self_frames; mid-loop, at least min_frames. A frame left in hot
 * code goes on with hot sites: its loops still stop (iterators and
 * bpf_loop() also check the cancelled flag), but its acquire calls and
 * lookups still succeed and bpf_cancelled() says false there, so cp_failed
 * stays -1 for the sites of such a frame.
 *
 * That the checkpoints cover every site is checked, not assumed: libbpf
 * lists the sites it passes at load (its debug output, "prog '%s':
 * cancellation site at insn %u"); cancel_open_load_sites() maps each to its
 * source line through the object's .BTF.ext line info. For every site line
 * there must be at least as many checkpoints naming it as there are site
 * instructions on it (a loop's first and back-edge iterator calls share the
 * loop's line; its checkpoints are the one before the loop and the one at
 * the end of the body), every checkpoint must name a site line, and the
 * kernel must have confirmed exactly libbpf's sites (cancel_sites equal,
 * cancel_sites_dropped 0).
 *
 * Every site has a checkpoint right before it, except the may_goto inside
 * spin_lock's locked section: the verifier allows no call, so no
 * bpf_cancel_self(), between bpf_spin_lock() and bpf_spin_unlock(). Its
 * checkpoint sits right before bpf_spin_lock(), and the may_goto is the next
 * site on that path: cp_failed shows it took its exit edge with the lock
 * held, and spin_lock_again shows the lock free afterwards. For the same
 * reason no checkpoint holds the spin lock (BPF_PROG_CANCEL may land there).
 *
 * Cgroup references (cgroup_ref*): the test mounts cgroup2 on /cgroup2 and
 * makes a child cgroup there, whose id the program takes references to
 * (the root cgroup has no reference count to leak: CSS_NO_REF). After each
 * run cgroup_probe must take and release it again; cgroup_released removes
 * it at the end and the parent's nr_dying_descendants must come back down:
 * a leaked reference keeps a removed cgroup dying for good. A kernel
 * without CONFIG_CGROUPS has none of this: those subtests fail saying so.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "cancel_util.h"

#define RET_DONE	1
#define RET_CUT		2
#define RET_TIMEOUT	3
#define RET_NOMAP	4
#define RET_TAIL	5
#define SELF_AT		3
#define RB_MARK		0x6d61726bULL
#define BUDGET_NS	60000000000ULL
/* the runs of <name>_sites: short, every checkpoint fires at its first or
 * second pass (outer step 1 at the latest) */
#define CP_OUTER_N	4
#define CP_INNER_N	8
#define TRIGGER_USER	0	/* bpf_cancel tracepoint: BPF_PROG_CANCEL */
#define TRIGGER_SELF	1	/* bpf_cancel_self() */

enum mode { M_CANCEL, M_SELF, M_SITES };

static const char *const counters[] = {
	"task_acq", "task_rel", "task_null", "rb_res", "rb_sub", "rb_disc", "rb_null",
	"lock_taken", "lock_freed", "rcu_in", "rcu_out", "obj_new_cnt", "obj_drop_cnt",
	"obj_null", "sub_enter", "sub_exit", "cb_enter", "cb_exit", "tail_hits", "steps",
	"cg_acq", "cg_rel", "cg_null",
};

static __u64 var(struct bpf_object *obj, const char *name)
{
	__u64 *p = BENCH_VAR(obj, __u64, name);

	if (!p) {
		test__fail("no global %s", name);
		return ~0ull;
	}
	return *p;
}

static int ivar(struct bpf_object *obj, const char *name)
{
	int *p = BENCH_VAR(obj, int, name);

	if (!p) {
		test__fail("no global %s", name);
		return -2;
	}
	return *p;
}

static void set_int(struct bpf_object *obj, const char *name, int v)
{
	int *p = BENCH_VAR(obj, int, name);

	if (p)
		*p = v;
	else
		test__fail("no global %s", name);
}

struct rcase;
typedef void (*hook_fn)(struct bpf_object *obj, const struct rcase *c, enum mode m,
			const char *tag, bool cancelled);

struct rcase {
	const char *name;
	int objn;		/* 0: cancel_resources, 1: cancel_cgroup */
	const char *acq, *rel;	/* must be equal after the run */
	bool skb;		/* a tc program: run with a packet */
	int per_step;		/* acquires per outer step (exact in _self) */
	int base;		/* plus this many */
	int inner_n;		/* inner loop steps of the _self and mid-loop runs */
	bool lookup_first;	/* checkpoint 0 precedes a lookup whose failure
				 * returns RET_NOMAP */
	int cps;		/* checkpoints in the program (0 .. cps - 1) */
	int self_frames;	/* BPF frames where _self cancels (0: 1) */
	int min_frames;		/* fewest BPF frames BPF_PROG_CANCEL can find
				 * 100 ms into the run (0: 1) */
	hook_fn before, after;
};

static void reset(struct bpf_object *obj, const struct rcase *c, enum mode m, int k)
{
	unsigned int i;

	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		__u64 *p = BENCH_VAR(obj, __u64, counters[i]);

		if (p)
			*p = 0;
	}
	set_int(obj, "outer_n", m == M_SITES ? CP_OUTER_N : 1 << 20);
	set_int(obj, "inner_n", m == M_SITES ? CP_INNER_N : c->inner_n);
	set_int(obj, "self_at", m == M_SELF ? SELF_AT : -1);
	set_int(obj, "cancel_point", m == M_SITES ? k : -1);
	set_int(obj, "cp_fired", -1);
	set_int(obj, "cp_site", -1);
	set_int(obj, "cp_failed", -1);
	set_int(obj, "cp_depth", -1);
	*BENCH_VAR(obj, __u32, "cp_passes") = 0;
	set_int(obj, "tp_events", 0);
	set_int(obj, "tp_frames", -1);
	set_int(obj, "tp_trigger", -1);
}

/* ---- per-resource checks ---- */

static pid_t target = -1;
static __s64 usage_before;

static __s64 task_usage(struct bpf_object *obj)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	int fd = cancel_prog_fd(obj, "task_usage_read");

	if (fd < 0 || !ASSERT_OK(bpf_prog_test_run_opts(fd, &opts), "task_usage_read") ||
	    !ASSERT_EQ(opts.retval, 0, "task_usage_read found the task"))
		return -1;
	return *BENCH_VAR(obj, __s64, "task_usage");
}

static void task_before(struct bpf_object *obj, const struct rcase *c, enum mode m,
			const char *tag, bool cancelled)
{
	usage_before = task_usage(obj);
}

static void task_after(struct bpf_object *obj, const struct rcase *c, enum mode m,
		       const char *tag, bool cancelled)
{
	__s64 now = task_usage(obj);

	if (m != M_SITES)
		printf("  %s: task %d refcount %lld before, %lld after (task_null %llu)\n",
		       c->name, target, (long long)usage_before, (long long)now,
		       (unsigned long long)var(obj, "task_null"));
	ASSERT_GT(usage_before, 0, cancel_at(tag, "task refcount read"));
	ASSERT_EQ(now, usage_before, cancel_at(tag, "task refcount unchanged"));
}

static int rb_records, rb_marks;

static int rb_cb(void *ctx, void *data, __u32 size)
{
	rb_records++;
	if (size >= 8 && *(__u64 *)data == RB_MARK)
		rb_marks++;
	return 0;
}

static void ringbuf_after(struct bpf_object *obj, const struct rcase *c, enum mode m,
			  const char *tag, bool cancelled)
{
	int mfd = bpf_map__fd(bpf_object__find_map_by_name(obj, "rb"));
	int fd = cancel_prog_fd(obj, "ringbuf_mark");
	LIBBPF_OPTS(bpf_test_run_opts, opts);
	__u64 sub = var(obj, "rb_sub");
	struct cancel_rb_pos pos;

	ASSERT_EQ(var(obj, "rb_res"), sub + var(obj, "rb_disc"),
		  cancel_at(tag, "every reservation submitted or discarded"));
	rb_records = rb_marks = 0;
	/* everything submitted is there, and nothing blocks the consumer */
	ASSERT_EQ(cancel_rb_drain(mfd, rb_cb, NULL, &pos), sub, cancel_at(tag, "submitted records consumed"));
	ASSERT_EQ(pos.consumer, pos.producer, cancel_at(tag, "consumer caught up with producer"));
	/* a reservation after the cancel succeeds and reaches the consumer */
	if (fd >= 0 && ASSERT_OK(bpf_prog_test_run_opts(fd, &opts), cancel_at(tag, "ringbuf_mark")))
		ASSERT_EQ(opts.retval, 0, cancel_at(tag, "reserve after the run"));
	ASSERT_EQ(cancel_rb_drain(mfd, rb_cb, NULL, &pos), 1, cancel_at(tag, "the new record consumed"));
	ASSERT_EQ(rb_marks, 1, cancel_at(tag, "marker record seen"));
	if (m != M_SITES)
		printf("  %s: ringbuf consumer_pos %lu producer_pos %lu, %llu submitted, %llu discarded\n",
		       c->name, pos.consumer, pos.producer, (unsigned long long)sub,
		       (unsigned long long)var(obj, "rb_disc"));
	ASSERT_EQ(pos.consumer, pos.producer, cancel_at(tag, "consumer caught up with producer"));
}

static void lock_after(struct bpf_object *obj, const struct rcase *c, enum mode m,
		       const char *tag, bool cancelled)
{
	struct cancel_run r = {
		.prog_fd = cancel_prog_fd(obj, "spin_lock_again"),
		.no_cancel = true,
	};

	/* (a leaked lock would spin here with interrupts off: the guest's
	 * lockup detector reports it and the bench fails the boot) */
	cancel_run(&r);
	ASSERT_OK(r.run_err, cancel_at(tag, "spin_lock_again"));
	ASSERT_EQ(r.retval, 0, cancel_at(tag, "lock taken by a second run"));
}

static void cb_after(struct bpf_object *obj, const struct rcase *c, enum mode m,
		     const char *tag, bool cancelled)
{
	ASSERT_EQ(*BENCH_VAR(obj, long, "cb_loops"), var(obj, "steps"),
		  cancel_at(tag, "bpf_loop() returned the callbacks that ran"));
}

static unsigned char pkt[64] = { [12] = 0x08 };

static void tail_before(struct bpf_object *obj, const struct rcase *c, enum mode m,
			const char *tag, bool cancelled)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = pkt, .data_size_in = sizeof(pkt));
	int fd = cancel_prog_fd(obj, "tail_call");
	int *outer_n = BENCH_VAR(obj, int, "outer_n"), n = *outer_n;

	/* the sites' control run shows the same */
	if (m == M_SITES)
		return;
	/* not cancelled: the tail call is taken */
	*outer_n = 2;
	if (fd >= 0 && ASSERT_OK(bpf_prog_test_run_opts(fd, &opts), "tail_call short run"))
		ASSERT_EQ(opts.retval, RET_TAIL, "short run ends in the tail call");
	ASSERT_EQ(var(obj, "tail_hits"), 1, "tail_target ran");
	*outer_n = n;
	*BENCH_VAR(obj, __u64, "tail_hits") = 0;
}

static void tail_after(struct bpf_object *obj, const struct rcase *c, enum mode m,
		       const char *tag, bool cancelled)
{
	/* in cold code the tail call falls through */
	ASSERT_EQ(var(obj, "tail_hits"), cancelled ? 0 : 1,
		  cancel_at(tag, cancelled ? "no tail call after the cancel" : "tail call taken"));
}

/* ---- cgroups ---- */

#define CG_MNT	"/cgroup2"
#define CG_DIR	CG_MNT "/bench_cancel"

static struct {
	bool tried, ok, made;
	char why[256];
	__u64 id;
	struct bpf_object *obj;
	struct bpf_link *tp;
	struct cancel_site_list sites;
} cg;

static __u64 cgroup_id_of(const char *path)
{
	struct {
		struct file_handle fh;
		__u64 id;
	} h = { .fh.handle_bytes = sizeof(__u64) };
	struct stat st;
	int mnt_id;

	if (!name_to_handle_at(AT_FDCWD, path, &h.fh, &mnt_id, 0))
		return h.id;
	/* a kernel without CONFIG_FHANDLE (the bench's): on 64-bit, a
	 * cgroup2 directory's inode number is its kernfs node id, which is
	 * the cgroup id (kernfs_ino(), cgroup_id())
	 */
	if (errno != ENOSYS || stat(path, &st))
		return 0;
	return st.st_ino;
}

static long dying_descendants(void)
{
	char line[128];
	long n = -1;
	FILE *f = fopen(CG_MNT "/cgroup.stat", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "nr_dying_descendants %ld", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* once, from the first cgroup subtest that runs: false (and cg.why) when
 * the kernel cannot do it */
static bool cg_setup(void)
{
	struct btf *vmlinux;
	int id;

	if (cg.tried) {
		if (!cg.ok)
			test__fail("no cgroup to test: %s", cg.why);
		return cg.ok;
	}
	cg.tried = true;
	vmlinux = btf__load_vmlinux_btf();
	if (libbpf_get_error(vmlinux)) {
		snprintf(cg.why, sizeof(cg.why), "cannot read the vmlinux BTF");
		test__fail("%s", cg.why);
		return false;
	}
	id = btf__find_by_name_kind(vmlinux, "bpf_cgroup_from_id", BTF_KIND_FUNC);
	btf__free(vmlinux);
	if (id <= 0) {
		snprintf(cg.why, sizeof(cg.why),
			 "the kernel has no kfunc bpf_cgroup_from_id (not in vmlinux BTF): "
			 "CONFIG_CGROUPS is not set");
		test__fail("%s", cg.why);
		return false;
	}
	if ((mkdir(CG_MNT, 0755) && errno != EEXIST) ||
	    (mount("cgroup2", CG_MNT, "cgroup2", 0, NULL) && errno != EBUSY)) {
		snprintf(cg.why, sizeof(cg.why), "mount cgroup2 on %s: %s", CG_MNT, strerror(errno));
		test__fail("%s", cg.why);
		return false;
	}
	if (mkdir(CG_DIR, 0755) && errno != EEXIST) {
		snprintf(cg.why, sizeof(cg.why), "mkdir %s: %s", CG_DIR, strerror(errno));
		test__fail("%s", cg.why);
		return false;
	}
	cg.made = true;
	cg.id = cgroup_id_of(CG_DIR);
	if (!cg.id) {
		snprintf(cg.why, sizeof(cg.why), "cgroup id of %s: %s", CG_DIR, strerror(errno));
		test__fail("%s", cg.why);
		return false;
	}
	cg.obj = cancel_open_load_sites("cancel_cgroup", true, BUDGET_NS, &cg.sites);
	if (!cg.obj) {
		snprintf(cg.why, sizeof(cg.why), "cancel_cgroup.bpf.o did not load");
		return false;
	}
	*BENCH_VAR(cg.obj, __u64, "cgroup_id") = cg.id;
	cg.tp = bpf_program__attach(bpf_object__find_program_by_name(cg.obj, "on_cancel"));
	if (!ASSERT_OK_PTR(cg.tp, "attach tp_btf/bpf_cancel")) {
		cg.tp = NULL;
		snprintf(cg.why, sizeof(cg.why), "attach tp_btf/bpf_cancel failed");
		return false;
	}
	printf("  cgroup %s: id %llu, nr_dying_descendants %ld\n", CG_DIR,
	       (unsigned long long)cg.id, dying_descendants());
	cg.ok = true;
	return true;
}

static void cg_after(struct bpf_object *obj, const struct rcase *c, enum mode m,
		     const char *tag, bool cancelled)
{
	struct cancel_run r = {
		.prog_fd = cancel_prog_fd(obj, "cgroup_probe"),
		.no_cancel = true,
	};

	cancel_run(&r);
	ASSERT_OK(r.run_err, cancel_at(tag, "cgroup_probe"));
	ASSERT_EQ(r.retval, 0, cancel_at(tag, "cgroup taken and released again"));
}

/* remove the cgroup: with every reference released it is freed */
static void cg_released(void)
{
	long before, now = -1;
	double t0;

	if (!cg_setup())
		return;
	before = dying_descendants();
	if (!ASSERT_GE(before, 0, "read nr_dying_descendants") ||
	    !ASSERT_OK(rmdir(CG_DIR), "rmdir " CG_DIR))
		return;
	cg.made = false;
	for (t0 = cancel_now(); cancel_now() - t0 < 10; usleep(20000)) {
		now = dying_descendants();
		if (now <= before)
			break;
	}
	printf("  cgroup_released: nr_dying_descendants %ld before rmdir, %ld %.2f s after\n",
	       before, now, cancel_now() - t0);
	ASSERT_LE(now, before, "the removed cgroup was freed (no reference left)");
}

static const struct rcase cases[] = {
	{ .name = "task_ref", .cps = 6, .acq = "task_acq", .rel = "task_rel", .per_step = 2,
	  .inner_n = 4096, .before = task_before, .after = task_after },
	{ .name = "ringbuf", .cps = 5, .per_step = 1, .inner_n = 2048, .after = ringbuf_after },
	{ .name = "spin_lock", .cps = 6, .acq = "lock_taken", .rel = "lock_freed", .per_step = 1,
	  .inner_n = 256, .lookup_first = true, .after = lock_after },
	{ .name = "rcu", .cps = 4, .acq = "rcu_in", .rel = "rcu_out", .per_step = 1,
	  .inner_n = 2048 },
	{ .name = "obj_new", .cps = 6, .acq = "obj_new_cnt", .rel = "obj_drop_cnt", .per_step = 2,
	  .inner_n = 2048 },
	/* mid() runs from the start to the end: at least mid's and main's
	 * frames; leaf() cancels itself under mid() */
	{ .name = "subprogs", .cps = 4, .acq = "sub_enter", .rel = "sub_exit", .per_step = 1,
	  .base = 1, .inner_n = 1 << 20, .self_frames = 3, .min_frames = 2 },
	/* the callback cancels itself: its frame and main's (bpf_loop() in
	 * between is not BPF); BPF_PROG_CANCEL may find bpf_loop() between
	 * two callbacks: main's frame only */
	{ .name = "callback", .cps = 3, .acq = "cb_enter", .rel = "cb_exit", .per_step = 1,
	  .inner_n = 1 << 20, .self_frames = 2, .after = cb_after },
	{ .name = "tail_call", .cps = 5, .skb = true, .inner_n = 4096, .before = tail_before,
	  .after = tail_after },
	{ .name = "cgroup_ref", .cps = 6, .objn = 1, .acq = "cg_acq", .rel = "cg_rel",
	  .per_step = 2, .inner_n = 4096, .after = cg_after },
};

/* ---- mid-loop and at one step ---- */

static void run_case(struct bpf_object *obj, const struct rcase *c, enum mode m)
{
	bool self = m == M_SELF;
	struct cancel_run r = {
		.prog_fd = cancel_prog_fd(obj, c->name),
		.data = c->skb ? pkt : NULL,
		.data_size = c->skb ? sizeof(pkt) : 0,
		.started = BENCH_VAR(obj, __u32, "started"),
		.delay_ms = 100,
		.no_cancel = self,
		.limit_s = 2,
	};
	struct bpf_prog_info i0, i1;
	__u64 steps;

	if (r.prog_fd < 0 || !cancel_info(r.prog_fd, &i0))
		return;
	if (!ASSERT_EQ(i0.cancel_status, BPF_CANCEL_STATUS_ON, "cancel_status ON"))
		return;
	reset(obj, c, m, -1);
	if (c->before)
		c->before(obj, c, m, "", true);
	cancel_run(&r);
	steps = var(obj, "steps");
	printf("  %s%s: run %.3f s, %s%d, retval %u, %llu outer steps, %s %llu, %s %llu, "
	       "frames moved %d\n",
	       c->name, self ? "_self" : "", r.run_s,
	       self ? "bpf_cancel_self() at step " : "bpf_prog_cancel() = ",
	       self ? SELF_AT : r.cancel_ret, r.retval, (unsigned long long)steps,
	       c->acq ?: "-", c->acq ? (unsigned long long)var(obj, c->acq) : 0ull,
	       c->rel ?: "-", c->rel ? (unsigned long long)var(obj, c->rel) : 0ull,
	       ivar(obj, "tp_frames"));
	ASSERT_TRUE(r.started_seen, "program started");
	ASSERT_OK(r.run_err, "test_run");
	if (!self) {
		ASSERT_EQ(r.cancel_ret, 1, "bpf_prog_cancel() switched the running invocation");
		ASSERT_TRUE(r.returned, "test_run returned within 2 s of the cancel");
	}
	ASSERT_NEQ(r.retval, RET_TIMEOUT, "not ended by its own deadline (not cancelled)");
	ASSERT_EQ(r.retval, RET_CUT, "legal return value (cut short)");
	ASSERT_GE(steps, 1, "outer steps");
	/* the bpf_cancel tracepoint: one switch, which moved the frames */
	ASSERT_EQ(ivar(obj, "tp_events"), 1, "one switch (bpf_cancel tracepoint)");
	ASSERT_EQ(ivar(obj, "tp_trigger"), self ? TRIGGER_SELF : TRIGGER_USER,
		  self ? "trigger: bpf_cancel_self()" : "trigger: BPF_PROG_CANCEL");
	if (self)
		ASSERT_EQ(ivar(obj, "tp_frames"), c->self_frames ?: 1,
			  "every BPF frame of the invocation moved to cold code");
	else
		ASSERT_GE(ivar(obj, "tp_frames"), c->min_frames ?: 1,
			  "the BPF frames of the invocation moved to cold code");
	if (c->acq) {
		ASSERT_EQ(var(obj, c->acq), var(obj, c->rel), "every acquire released (nothing leaked)");
		ASSERT_GE(var(obj, c->acq), c->base + (c->per_step ? 1 : 0), "acquired at least once");
	}
	if (self) {
		ASSERT_EQ(steps, SELF_AT + 1, "loop stopped at the step that cancelled");
		if (c->acq)
			ASSERT_EQ(var(obj, c->acq), c->base + c->per_step * (SELF_AT + 1),
				  "acquires up to the cancel");
	}
	if (c->after)
		c->after(obj, c, m, "", true);
	if (cancel_info(r.prog_fd, &i1))
		ASSERT_EQ(i1.cancel_cnt, i0.cancel_cnt + 1, "cancel_cnt counts the cancellation");
}

/* ---- at every site ---- */

/* one run with checkpoint k; returns the site line it named, 0 when no
 * checkpoint k fired (the control run), -1 on a failure to run */
static int run_point(struct bpf_object *obj, const struct rcase *c, int fd, int k)
{
	struct cancel_run r = {
		.prog_fd = fd,
		.data = c->skb ? pkt : NULL,
		.data_size = c->skb ? sizeof(pkt) : 0,
		.started = BENCH_VAR(obj, __u32, "started"),
		.no_cancel = true,
	};
	struct bpf_prog_info i0, i1;
	int fired, site, failed;
	bool cancelled;
	char tag[32];

	snprintf(tag, sizeof(tag), "cp %d", k);
	reset(obj, c, M_SITES, k);
	if (c->before)
		c->before(obj, c, M_SITES, tag, true);
	if (!cancel_info(fd, &i0))
		return -1;
	cancel_run(&r);
	if (!ASSERT_OK(r.run_err, cancel_at(tag, "test_run")))
		return -1;
	fired = ivar(obj, "cp_fired");
	site = ivar(obj, "cp_site");
	failed = ivar(obj, "cp_failed");
	cancelled = fired >= 0;
	if (cancelled) {
		ASSERT_EQ(fired, k, cancel_at(tag, "checkpoint k fired"));
		ASSERT_GT(site, 0, cancel_at(tag, "checkpoint names its site's line"));
		ASSERT_EQ(failed, site, cancel_at(tag, "the next site (cp_site) took its failure outcome"));
		ASSERT_EQ(r.retval, k == 0 && c->lookup_first ? RET_NOMAP : RET_CUT,
			  cancel_at(tag, "legal return value (cold code's)"));
		ASSERT_EQ(ivar(obj, "tp_events"), 1, cancel_at(tag, "one switch (bpf_cancel tracepoint)"));
		ASSERT_EQ(ivar(obj, "tp_trigger"), TRIGGER_SELF, cancel_at(tag, "trigger: bpf_cancel_self()"));
		ASSERT_EQ(ivar(obj, "tp_frames"), ivar(obj, "cp_depth"),
			  cancel_at(tag, "every BPF frame of the invocation (cp_depth) moved to cold code"));
	} else {
		ASSERT_EQ(ivar(obj, "tp_events"), 0, cancel_at(tag, "control run: no switch"));
		ASSERT_EQ(failed, -1, cancel_at(tag, "control run: no site failed"));
		ASSERT_EQ(r.retval, c->skb ? RET_TAIL : RET_DONE,
			  cancel_at(tag, "control run: normal return value"));
		ASSERT_EQ(var(obj, "steps"), CP_OUTER_N, cancel_at(tag, "control run: every outer step"));
		if (c->acq)
			ASSERT_EQ(var(obj, c->acq), c->base + c->per_step * CP_OUTER_N,
				  cancel_at(tag, "control run: every acquire"));
	}
	if (c->acq)
		ASSERT_EQ(var(obj, c->acq), var(obj, c->rel),
			  cancel_at(tag, "every acquire released (nothing leaked)"));
	if (c->after)
		c->after(obj, c, M_SITES, tag, cancelled);
	if (cancel_info(fd, &i1))
		ASSERT_EQ(i1.cancel_cnt, i0.cancel_cnt + (cancelled ? 1 : 0),
			  cancel_at(tag, cancelled ? "cancel_cnt counts the cancellation"
					    : "control run: not cancelled"));
	return cancelled ? site : 0;
}

struct point_ctx {
	struct bpf_object *obj;
	const struct rcase *c;
	int fd;
};

static int point(void *ctx, int k)
{
	struct point_ctx *p = ctx;

	return run_point(p->obj, p->c, p->fd, k);
}

static void run_sites(struct bpf_object *obj, const struct rcase *c,
		      const struct cancel_site_list *sites)
{
	struct point_ctx p = { obj, c, cancel_prog_fd(obj, c->name) };
	struct bpf_prog_info info;

	if (p.fd < 0 || !cancel_info(p.fd, &info) ||
	    !ASSERT_EQ(info.cancel_status, BPF_CANCEL_STATUS_ON, "cancel_status ON"))
		return;
	cancel_every_point(point, &p, c->cps, sites, c->name, &info);
}

void test_cancel_resources(void)
{
	struct cancel_site_list *sites = calloc(1, sizeof(*sites));
	struct bpf_object *obj = NULL;
	struct bpf_link *tp = NULL;
	unsigned int i;
	char name[64];
	int key = 0, tfd;

	target = fork();
	if (target == 0) {
		for (;;)
			pause();
	}
	if (!ASSERT_GT(target, 0, "fork target task") || !ASSERT_OK_PTR(sites, "calloc"))
		goto out;
	obj = cancel_open_load_sites("cancel_resources", true, BUDGET_NS, sites);
	if (!obj)
		goto out;
	*BENCH_VAR(obj, int, "target_pid") = target;
	tfd = cancel_prog_fd(obj, "tail_target");
	tp = bpf_program__attach(bpf_object__find_program_by_name(obj, "on_cancel"));
	if (!ASSERT_OK_PTR(tp, "attach tp_btf/bpf_cancel"))
		goto out;
	if (tfd < 0 || !ASSERT_OK(bpf_map__update_elem(bpf_object__find_map_by_name(obj, "jmp"),
						       &key, sizeof(key), &tfd, sizeof(tfd), 0),
				  "prog array update"))
		goto out;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct rcase *c = &cases[i];
		bool cgroup = c->objn == 1;

		if (test__start_subtest(c->name) && (!cgroup || cg_setup()))
			run_case(cgroup ? cg.obj : obj, c, M_CANCEL);
		snprintf(name, sizeof(name), "%s_self", c->name);
		if (test__start_subtest(name) && (!cgroup || cg_setup()))
			run_case(cgroup ? cg.obj : obj, c, M_SELF);
		snprintf(name, sizeof(name), "%s_sites", c->name);
		if (test__start_subtest(name) && (!cgroup || cg_setup()))
			run_sites(cgroup ? cg.obj : obj, c, cgroup ? &cg.sites : sites);
	}
	if (test__start_subtest("cgroup_released"))
		cg_released();
out:
	bpf_link__destroy(tp);
	bpf_link__destroy(cg.tp);
	if (cg.made)
		rmdir(CG_DIR);
	bpf_object__close(cg.obj);
	bpf_object__close(obj);
	free(sites);
	kill(target, SIGKILL);
	waitpid(target, NULL, 0);
}
