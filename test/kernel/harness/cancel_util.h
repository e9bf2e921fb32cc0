/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cancel_util.h - helpers of the cancellation tests (prog_tests/cancel_*.c):
 * run a program with BPF_PROG_TEST_RUN in a thread and cancel it from the
 * calling thread, load an object cancellable or not, read bpf_prog_info.
 */
#ifndef CANCEL_UTIL_H
#define CANCEL_UTIL_H

#include "bench.h"

struct cancel_run {
	/* in */
	int prog_fd;
	void *data;			/* data_in of the test run (tc, xdp), or NULL */
	__u32 data_size;
	volatile __u32 *started;	/* the program's "started" global (set to 0
					 * here), waited for before the delay; or NULL */
	int delay_ms;			/* then wait this long and cancel */
	__u32 flags;			/* BPF_PROG_CANCEL flags */
	int cancel_fd;			/* the program to cancel, when not prog_fd
					 * (one nested in it, say); 0: prog_fd */
	bool no_cancel;			/* only run it */
	bool apart;			/* run it on CPU 1 and cancel from CPU 2:
					 * an invocation preempted on the
					 * canceller's CPU is not switched by
					 * BPF_PROG_CANCEL (docs/kernel-bench.md) */
	double limit_s;			/* wait this long for the return after the cancel
					 * (0: 2 s); the run is joined in any case */
	/* out */
	int run_err;			/* bpf_prog_test_run_opts() */
	__u32 retval;
	bool started_seen;		/* *started became non-zero */
	int cancel_ret;			/* bpf_prog_cancel(): switched (>= 0) or -errno */
	bool returned;			/* returned within limit_s of the cancel */
	double run_s;			/* the whole test_run call */
	double cancel_to_return_s;	/* from the cancel call to the run's return */
};

double cancel_now(void);
/* run r->prog_fd in a thread, cancel it as described; always joins */
void cancel_run(struct cancel_run *r);
/* bpf_program__set_cancellable() (+ budget when non-zero) on every program
 * of obj, then load; true on success (failures asserted) */
bool cancel_load(struct bpf_object *obj, bool cancellable, __u64 budget_ns);
/* open progs/<name>.bpf.o and cancel_load() it; NULL on failure */
struct bpf_object *cancel_open_load(const char *name, bool cancellable, __u64 budget_ns);
/* bpf_prog_get_info_by_fd() into *info (zeroed first); true on success */
bool cancel_info(int prog_fd, struct bpf_prog_info *info);
/* fd of program "name" of obj, asserted */
int cancel_prog_fd(struct bpf_object *obj, const char *name);
/* the guest's clocksource ("refined-jiffies" under TCG: 4 ms steps) */
const char *cancel_clocksource(void);
/* a clock that cannot measure a short latency (a *jiffies clocksource) */
bool cancel_clock_coarse(void);
/* the cancellation fields of bpf_prog_info, on one line */
void cancel_info_str(const struct bpf_prog_info *i, char *buf, size_t len);

/*
 * Drain a BPF_MAP_TYPE_RINGBUF map through its mmap'ed pages (libbpf's
 * ring_buffer__new() needs epoll, which the bench kernel does not have):
 * calls cb for each submitted record, skips discarded ones, moves the
 * consumer position. Returns the records consumed, -1 when it stopped at a
 * record still reserved (a leaked reservation blocks the consumer there
 * for good), -2 on a setup error. pos (optional): positions afterwards.
 */
struct cancel_rb_pos {
	unsigned long consumer, producer;
};
int cancel_rb_drain(int map_fd, int (*cb)(void *ctx, void *data, __u32 len), void *ctx,
		    struct cancel_rb_pos *pos);

/*
 * The cancellation sites libbpf passed to the kernel when it loaded an
 * object (its debug output, "prog '%s': cancellation site at insn %u: ..."),
 * each with the source line of its instruction, from the object's .BTF.ext
 * line info.
 */
#define CANCEL_MAX_SITES 256
struct cancel_site_rec {
	char prog[64];		/* the program it was passed with */
	char func[64];		/* the function that holds it */
	char kind[16];		/* "ret-null", "iter-next", ... */
	unsigned int insn;	/* in the loaded program */
	unsigned int func_insn;	/* in its function */
	int line;		/* source line, -1 when not found */
};
struct cancel_site_list {
	int cnt;
	bool truncated;		/* more than CANCEL_MAX_SITES */
	struct cancel_site_rec s[CANCEL_MAX_SITES];
};
/* cancel_open_load() that fills *sites (asserted: every site has a line) */
struct bpf_object *cancel_open_load_sites(const char *name, bool cancellable, __u64 budget_ns,
					  struct cancel_site_list *sites);
/*
 * Cancel a program at each of its checkpoints in turn: point(ctx, k) runs
 * it cancelled at checkpoint k and returns the site line that checkpoint
 * names, 0 when there is no checkpoint k, < 0 on a failure it asserted.
 * Then all want checkpoints must have fired, and they must cover the sites:
 * every site line has at least as many checkpoints as site instructions,
 * every checkpoint names a site line, and info (read after the load)
 * confirms exactly the sites libbpf listed; the site list is printed on
 * one line.
 */
void cancel_every_point(int (*point)(void *ctx, int k), void *ctx, int want,
			const struct cancel_site_list *sites, const char *prog,
			const struct bpf_prog_info *info);

/* "tag: what" (or "what" for an empty tag), for assertion names */
const char *cancel_at(const char *tag, const char *what);

#endif
