// SPDX-License-Identifier: GPL-2.0
/*
 * cancel_util.c - see cancel_util.h.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <gelf.h>
#include <libelf.h>
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
	cpu_set_t mine, one;
	pthread_attr_t attr;
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
	pthread_attr_init(&attr);
	if (r->apart) {
		CPU_ZERO(&one);
		CPU_SET(1, &one);
		pthread_attr_setaffinity_np(&attr, sizeof(one), &one);
		sched_getaffinity(0, sizeof(mine), &mine);
		CPU_ZERO(&one);
		CPU_SET(2, &one);
		sched_setaffinity(0, sizeof(one), &one);
	}
	i = pthread_create(&th, &attr, run_thread, &rn);
	pthread_attr_destroy(&attr);
	if (i) {
		if (r->apart)
			sched_setaffinity(0, sizeof(mine), &mine);
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
		r->cancel_ret = bpf_prog_cancel(r->cancel_fd > 0 ? r->cancel_fd : r->prog_fd,
						&copts);
		while (!rn.done && cancel_now() - tc < limit)
			usleep(500);
	}
	pthread_join(th, NULL);
	if (r->apart)
		sched_setaffinity(0, sizeof(mine), &mine);
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

/* ---- the sites of a loaded object ---- */

static struct cancel_site_list *site_log;
static libbpf_print_fn_t site_prev_print;

static int site_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	struct cancel_site_rec *r;
	char line[512], *p;
	va_list aq;

	if (level != LIBBPF_DEBUG || !site_log)
		return site_prev_print ? site_prev_print(level, fmt, ap) : 0;
	va_copy(aq, ap);
	vsnprintf(line, sizeof(line), fmt, aq);
	va_end(aq);
	/* "libbpf: prog '%s': cancellation site at insn ..." */
	p = strstr(line, "prog '");
	if (!p || !strstr(line, ": cancellation site at insn "))
		return 0;
	if (site_log->cnt == CANCEL_MAX_SITES) {
		site_log->truncated = true;
		return 0;
	}
	r = &site_log->s[site_log->cnt];
	if (sscanf(p, "prog '%63[^']': cancellation site at insn %u: %15[^,], function '%63[^']' insn %u",
		   r->prog, &r->insn, r->kind, r->func, &r->func_insn) == 5) {
		r->line = -1;
		site_log->cnt++;
	}
	return 0;
}

/* .BTF.ext header and line info records (include/uapi/linux/bpf.h, libbpf) */
struct ext_hdr {
	__u16 magic;
	__u8 version, flags;
	__u32 hdr_len, func_info_off, func_info_len, line_info_off, line_info_len;
};

struct ext_line {
	__u32 insn_off;		/* bytes from the section start */
	__u32 file_name_off, line_off, line_col;
};

/* source line of each site: symbol of its function -> section and offset,
 * then the last line info record at or before the instruction */
static void site_lines(const char *path, struct cancel_site_list *sites)
{
	Elf_Data *ext = NULL, *sym = NULL;
	size_t shstrndx, symstr = 0;
	struct btf *btf = NULL;
	Elf_Scn *scn = NULL;
	Elf *elf = NULL;
	int fd, i;

	btf = btf__parse_elf(path, NULL);
	if (libbpf_get_error(btf))
		return;
	fd = open(path, O_RDONLY);
	if (fd < 0)
		goto out_btf;
	elf_version(EV_CURRENT);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf || elf_getshdrstrndx(elf, &shstrndx))
		goto out;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (sh.sh_type == SHT_SYMTAB) {
			sym = elf_getdata(scn, NULL);
			symstr = sh.sh_link;
		} else if (name && !strcmp(name, ".BTF.ext")) {
			ext = elf_getdata(scn, NULL);
		}
	}
	if (!ext || !sym || ext->d_size < sizeof(struct ext_hdr))
		goto out;

	for (i = 0; i < sites->cnt; i++) {
		struct cancel_site_rec *r = &sites->s[i];
		const struct ext_hdr *h = ext->d_buf;
		const char *sec = NULL, *p, *end;
		__u64 at = 0, best = 0;
		__u32 rec_size;
		size_t k;
		GElf_Sym s;

		for (k = 0; k < sym->d_size / sizeof(Elf64_Sym); k++) {
			const char *n;
			GElf_Shdr sh;

			if (!gelf_getsym(sym, k, &s) || GELF_ST_TYPE(s.st_info) != STT_FUNC)
				continue;
			n = elf_strptr(elf, symstr, s.st_name);
			if (!n || strcmp(n, r->func))
				continue;
			if (!gelf_getshdr(elf_getscn(elf, s.st_shndx), &sh))
				break;
			sec = elf_strptr(elf, shstrndx, sh.sh_name);
			at = s.st_value + (__u64)r->func_insn * 8;
			break;
		}
		if (!sec || h->magic != 0xeB9F ||
		    (__u64)h->hdr_len + h->line_info_off + h->line_info_len > ext->d_size)
			continue;
		p = (const char *)ext->d_buf + h->hdr_len + h->line_info_off;
		end = p + h->line_info_len;
		rec_size = *(const __u32 *)p;
		if (rec_size < sizeof(struct ext_line))
			continue;
		for (p += 4; p + 8 <= end;) {
			__u32 name_off = ((const __u32 *)p)[0], num = ((const __u32 *)p)[1];
			const char *sname = btf__name_by_offset(btf, name_off);
			__u32 j;

			p += 8;
			if ((__u64)num * rec_size > (__u64)(end - p))
				break;
			for (j = 0; sname && !strcmp(sname, sec) && j < num; j++) {
				const struct ext_line *l = (const void *)(p + j * rec_size);

				if (l->insn_off <= at && (r->line < 0 || l->insn_off >= best)) {
					best = l->insn_off;
					r->line = l->line_col >> 10;
				}
			}
			p += (size_t)num * rec_size;
		}
	}
out:
	if (elf)
		elf_end(elf);
	close(fd);
out_btf:
	btf__free(btf);
}

struct bpf_object *cancel_open_load_sites(const char *name, bool cancellable, __u64 budget_ns,
					  struct cancel_site_list *sites)
{
	struct bpf_object *obj = bench_open(name);
	char what[128], path[512];
	bool ok;
	int i;

	snprintf(what, sizeof(what), "open %s.bpf.o", name);
	if (!ASSERT_OK_PTR(obj, what))
		return NULL;
	memset(sites, 0, sizeof(*sites));
	site_log = sites;
	site_prev_print = libbpf_set_print(site_print);
	ok = cancel_load(obj, cancellable, budget_ns);
	libbpf_set_print(site_prev_print);
	site_log = NULL;
	if (!ok) {
		bpf_object__close(obj);
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/%s.bpf.o", bench_obj_dir(), name);
	site_lines(path, sites);
	ASSERT_FALSE(sites->truncated, "site list fits CANCEL_MAX_SITES");
	for (i = 0; i < sites->cnt; i++)
		if (!ASSERT_GE(sites->s[i].line, 1, "source line of a site"))
			printf("  prog '%s' function '%s' insn %u: no line info\n",
			       sites->s[i].prog, sites->s[i].func, sites->s[i].func_insn);
	return obj;
}

static void cancel_check_coverage(const struct cancel_site_list *sites, const char *prog,
				  const int *cp_line, int ncp, const struct bpf_prog_info *info)
{
	char what[192], list[512] = "";
	int i, j, nsites = 0;
	size_t len = 0;

	for (i = 0; i < sites->cnt; i++) {
		const struct cancel_site_rec *s = &sites->s[i];
		int on_line = 0, cps = 0;

		if (strcmp(s->prog, prog))
			continue;
		nsites++;
		if (len < sizeof(list))
			len += snprintf(list + len, sizeof(list) - len, "%s%s@%d",
					len ? " " : "", s->kind, s->line);
		for (j = 0; j < sites->cnt; j++)
			on_line += !strcmp(sites->s[j].prog, prog) && sites->s[j].line == s->line;
		for (j = 0; j < ncp; j++)
			cps += cp_line[j] == s->line;
		snprintf(what, sizeof(what),
			 "%s: site %s at insn %u (function %s insn %u, line %d): "
			 "a checkpoint per site on its line", prog, s->kind, s->insn, s->func,
			 s->func_insn, s->line);
		ASSERT_GE(cps, on_line, what);
	}
	for (j = 0; j < ncp; j++) {
		bool found = false;

		for (i = 0; i < sites->cnt; i++)
			found |= !strcmp(sites->s[i].prog, prog) && sites->s[i].line == cp_line[j];
		snprintf(what, sizeof(what), "%s: checkpoint %d names line %d, which has a site",
			 prog, j, cp_line[j]);
		ASSERT_TRUE(found, what);
	}
	ASSERT_GE(nsites, 1, "libbpf listed the program's sites");
	ASSERT_EQ(info->cancel_sites, nsites, "the kernel confirmed exactly libbpf's sites");
	ASSERT_EQ(info->cancel_sites_dropped, 0, "no site dropped");
	printf("  %s: %d checkpoints for %d sites (kind@line): %s; kernel confirmed %u\n",
	       prog, ncp, nsites, list, info->cancel_sites);
}

#define CANCEL_MAX_POINTS	32

void cancel_every_point(int (*point)(void *ctx, int k), void *ctx, int want,
			const struct cancel_site_list *sites, const char *prog,
			const struct bpf_prog_info *info)
{
	int cp_line[CANCEL_MAX_POINTS], ncp = 0, k, line;

	for (k = 0;; k++) {
		line = point(ctx, k);
		if (line <= 0)
			break;
		if (!ASSERT_LT(k, CANCEL_MAX_POINTS, "checkpoints fit CANCEL_MAX_POINTS"))
			break;
		cp_line[ncp++] = line;
	}
	if (line < 0)
		return;
	ASSERT_EQ(ncp, want, "every checkpoint of the program fired, in order");
	cancel_check_coverage(sites, prog, cp_line, ncp, info);
}

/* The name of a check within one of a subtest's runs: "cp 3: what". Eight
 * rotating buffers, so that one assertion can use several.
 */
const char *cancel_at(const char *tag, const char *what)
{
	static char buf[8][192];
	static int i;
	char *b = buf[i++ % 8];

	snprintf(b, sizeof(buf[0]), "%s%s%s", tag, *tag ? ": " : "", what);
	return b;
}
