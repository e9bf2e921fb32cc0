// SPDX-License-Identifier: GPL-2.0
/*
 * cancel_util.c - see cancel_util.h.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include "cancel_util.h"

double cancel_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct runner {
	struct cancel_run *r;
	volatile int done;
	double t_end;
};

static void *run_thread(void *arg)
{
	struct runner *rn = arg;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = rn->r->data,
		    .data_size_in = rn->r->data_size);
	double t0 = cancel_now();

	rn->r->run_err = bpf_prog_test_run_opts(rn->r->prog_fd, &opts);
	rn->t_end = cancel_now();
	rn->r->retval = opts.retval;
	rn->r->run_s = rn->t_end - t0;
	__sync_synchronize();
	rn->done = 1;
	return NULL;
}

void cancel_run(struct cancel_run *r)
{
	LIBBPF_OPTS(bpf_prog_cancel_opts, copts, .flags = r->flags);
	struct runner rn = { .r = r };
	double limit = r->limit_s > 0 ? r->limit_s : 2.0, t0, tc = 0;
	pthread_t th;
	int i;

	r->run_err = -1;
	r->retval = 0;
	r->started_seen = false;
	r->cancel_ret = 0;
	r->returned = false;
	r->cancel_to_return_s = 0;
	if (r->started)
		*r->started = 0;
	__sync_synchronize();
	if (pthread_create(&th, NULL, run_thread, &rn)) {
		test__fail("cancel_run: pthread_create failed");
		return;
	}
	t0 = cancel_now();
	if (r->started) {
		for (i = 0; !*r->started && !rn.done && cancel_now() - t0 < 10; i++)
			usleep(200);
		r->started_seen = *r->started != 0;
	}
	if (r->delay_ms)
		usleep(r->delay_ms * 1000);
	if (!r->no_cancel) {
		tc = cancel_now();
		r->cancel_ret = bpf_prog_cancel(r->prog_fd, &copts);
		while (!rn.done && cancel_now() - tc < limit)
			usleep(500);
	}
	pthread_join(th, NULL);
	if (!r->no_cancel) {
		r->cancel_to_return_s = rn.t_end - tc;
		r->returned = r->cancel_to_return_s <= limit;
	} else {
		r->returned = true;
	}
}

int cancel_prog_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);

	if (!ASSERT_OK_PTR(p, name))
		return -1;
	return bpf_program__fd(p);
}

bool cancel_load(struct bpf_object *obj, bool cancellable, __u64 budget_ns)
{
	struct bpf_program *p;

	bpf_object__for_each_program(p, obj) {
		if (!ASSERT_OK(bpf_program__set_cancellable(p, cancellable), "set_cancellable"))
			return false;
		if (budget_ns &&
		    !ASSERT_OK(bpf_program__set_cancel_budget(p, budget_ns), "set_cancel_budget"))
			return false;
	}
	return ASSERT_OK(bpf_object__load(obj), "load");
}

struct bpf_object *cancel_open_load(const char *name, bool cancellable, __u64 budget_ns)
{
	struct bpf_object *obj = bench_open(name);
	char what[128];

	snprintf(what, sizeof(what), "open %s.bpf.o", name);
	if (!ASSERT_OK_PTR(obj, what))
		return NULL;
	if (!cancel_load(obj, cancellable, budget_ns)) {
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

bool cancel_info(int prog_fd, struct bpf_prog_info *info)
{
	__u32 len = sizeof(*info);

	memset(info, 0, sizeof(*info));
	return ASSERT_OK(bpf_prog_get_info_by_fd(prog_fd, info, &len), "bpf_prog_get_info_by_fd");
}

const char *cancel_clocksource(void)
{
	static char cs[64];
	FILE *f;

	if (cs[0])
		return cs;
	snprintf(cs, sizeof(cs), "?");
	f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
	if (f) {
		if (fgets(cs, sizeof(cs), f))
			cs[strcspn(cs, "\n")] = 0;
		fclose(f);
	}
	return cs;
}

bool cancel_clock_coarse(void)
{
	return strstr(cancel_clocksource(), "jiffies") != NULL;
}

void cancel_info_str(const struct bpf_prog_info *i, char *buf, size_t len)
{
	snprintf(buf, len, "status=%u reason=%u cold_jited_len=%u sites=%u dropped=%u "
		 "cnt=%llu last_ns=%llu worst_ns=%llu budget_ns=%llu",
		 i->cancel_status, i->cancel_reason, i->cancel_cold_jited_len,
		 i->cancel_sites, i->cancel_sites_dropped,
		 (unsigned long long)i->cancel_cnt, (unsigned long long)i->cancel_last_ns,
		 (unsigned long long)i->cancel_worst_ns, (unsigned long long)i->cancel_budget_ns);
}

int cancel_rb_drain(int map_fd, int (*cb)(void *ctx, void *data, __u32 len), void *ctx,
		    struct cancel_rb_pos *pos)
{
	struct bpf_map_info mi = {};
	__u32 mlen = sizeof(mi);
	size_t page = sysconf(_SC_PAGESIZE);
	unsigned long *cpos, *ppos, c, p;
	void *cons, *prod;
	char *data;
	int n = 0;

	if (bpf_map_get_info_by_fd(map_fd, &mi, &mlen))
		return -2;
	cons = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (cons == MAP_FAILED)
		return -2;
	prod = mmap(NULL, page + 2 * (size_t)mi.max_entries, PROT_READ, MAP_SHARED, map_fd, page);
	if (prod == MAP_FAILED) {
		munmap(cons, page);
		return -2;
	}
	cpos = cons;
	ppos = prod;
	data = (char *)prod + page;
	c = __atomic_load_n(cpos, __ATOMIC_ACQUIRE);
	p = __atomic_load_n(ppos, __ATOMIC_ACQUIRE);
	while (c < p) {
		__u32 len = __atomic_load_n((__u32 *)(data + (c & (mi.max_entries - 1))),
					    __ATOMIC_ACQUIRE);
		__u32 rlen = len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);

		if (len & BPF_RINGBUF_BUSY_BIT) {
			n = -1;		/* still reserved: the consumer is stuck here */
			break;
		}
		if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
			if (cb)
				cb(ctx, data + (c & (mi.max_entries - 1)) + BPF_RINGBUF_HDR_SZ, rlen);
			n++;
		}
		c += (rlen + BPF_RINGBUF_HDR_SZ + 7) & ~7ul;
		__atomic_store_n(cpos, c, __ATOMIC_RELEASE);
		p = __atomic_load_n(ppos, __ATOMIC_ACQUIRE);
	}
	if (pos) {
		pos->consumer = __atomic_load_n(cpos, __ATOMIC_ACQUIRE);
		pos->producer = __atomic_load_n(ppos, __ATOMIC_ACQUIRE);
	}
	munmap(prod, page + 2 * (size_t)mi.max_entries);
	munmap(cons, page);
	return n;
}
