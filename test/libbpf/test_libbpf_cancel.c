// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * test_libbpf_cancel - the modified libbpf (the kernel dev tree's
 * tools/lib/bpf, linked statically) against objects built with
 * clang -fbpf-cancellable. Needs no kernel with the series:
 *
 *   open      every object opens; each twin passes libbpf's check (no
 *             "fails the check" in libbpf's debug output)
 *   open-all  bpf_object_open_opts.cancellable and LIBBPF_CANCELLABLE
 *             opt every program in at open ("1"; "0" and unset do not, an
 *             unrecognized value is reported once and ignored); a program
 *             can still opt out
 *   malformed corrupted copies of .BPF.cancel (magic, version, total_len,
 *             a record's insn_cnt, a record's stored addend, a relocation
 *             removed) are refused at open with -EINVAL and a message that
 *             names the section, block and record
 *   twin      a twin that differs at a non-site instruction: the object
 *             opens and loads plain, but a program opted in and placing
 *             that function fails to load with -EINVAL and a message
 *   sites     through a gen_loader (no BPF_PROG_LOAD is made), the sites
 *             libbpf computes for each opted-in program: expected final
 *             offsets for progs/cancel_subprogs.bpf.c, and for every
 *             object, each site's function found in the final
 *             instructions at the offset libbpf reports
 *   api       set_cancellable/set_cancel_budget after load: -EBUSY
 *   kernel    (only when this machine can load BPF programs) a kernel
 *             without cancellation: an opted-in program loads plain, with
 *             one "cannot cancel" message; BPF_PROG_CANCEL fails
 *
 * usage: test_libbpf_cancel OBJDIR    (OBJDIR holds the *.bpf.o files)
 *        test_libbpf_cancel --can-load  (exit 0: loads BPF, no cancellation)
 *        test_libbpf_cancel --load OBJ [--cancellable]  (for run.sh's strace)
 * Prints one line per check and "N passed, N failed".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static int passed, failed;

#define CHECK(cond, ...)						\
	do {								\
		if (cond) {						\
			passed++;					\
		} else {						\
			failed++;					\
			printf("FAIL %s:%d: ", __FILE__, __LINE__);	\
			printf(__VA_ARGS__);				\
			printf("\n");					\
		}							\
	} while (0)

/* --- libbpf's output, captured ------------------------------------------ */

static char *logbuf;
static size_t loglen, logcap;

static int print_cb(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[4096];
	int n;

	(void)level;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return 0;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (loglen + n + 1 > logcap) {
		logcap = (loglen + n + 1) * 2;
		logbuf = realloc(logbuf, logcap);
		if (!logbuf)
			abort();
	}
	memcpy(logbuf + loglen, line, n + 1);
	loglen += n;
	if (getenv("TEST_VERBOSE"))
		fputs(line, stderr);
	return 0;
}

static void log_reset(void)
{
	loglen = 0;
	if (logbuf)
		logbuf[0] = 0;
}

static bool log_has(const char *s)
{
	return logbuf && strstr(logbuf, s);
}

static int log_count(const char *s)
{
	const char *p = logbuf ? logbuf : "";
	int n = 0;

	while ((p = strstr(p, s))) {
		n++;
		p++;
	}
	return n;
}

/* the captured lines about cancellation, for failure messages */
static const char *log_warn(void)
{
	static char out[2048];
	const char *p = logbuf ? logbuf : "";
	size_t n = 0;

	out[0] = 0;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p) + 1 : strlen(p);

		if (memmem(p, len, "cancel", 6) || memmem(p, len, "BPF.cancel", 10)) {
			if (len > sizeof(out) - 1 - n)
				len = sizeof(out) - 1 - n;
			memcpy(out + n, p, len);
			n += len;
			out[n] = 0;
		}
		p += len;
		if (!len)
			break;
	}
	return out;
}

/* --- the object file -------------------------------------------------------- */

struct file {
	char *buf;
	size_t len;
};

static int read_file(const char *path, struct file *f)
{
	FILE *fp = fopen(path, "rb");
	long len;

	if (!fp)
		return -errno;
	fseek(fp, 0, SEEK_END);
	len = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	f->buf = malloc(len);
	f->len = len;
	if (!f->buf || fread(f->buf, 1, len, fp) != (size_t)len) {
		fclose(fp);
		return -EIO;
	}
	fclose(fp);
	return 0;
}

/* File offset and size of the named section; 0 or -ENOENT. */
static int elf_section(const struct file *f, const char *name, size_t *off, size_t *size,
		       size_t *shndx)
{
	Elf *elf = elf_memory(f->buf, f->len);
	Elf_Scn *scn = NULL;
	size_t strndx;
	GElf_Shdr sh;
	int err = -ENOENT;

	if (!elf)
		return -EINVAL;
	elf_getshdrstrndx(elf, &strndx);
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;

		gelf_getshdr(scn, &sh);
		n = elf_strptr(elf, strndx, sh.sh_name);
		if (n && !strcmp(n, name)) {
			*off = sh.sh_offset;
			*size = sh.sh_size;
			if (shndx)
				*shndx = elf_ndxscn(scn);
			err = 0;
			break;
		}
	}
	elf_end(elf);
	return err;
}

/* The instructions of the named function symbol, as a pointer into f. */
static const struct bpf_insn *elf_func(const struct file *f, const char *name, size_t *cnt)
{
	Elf *elf = elf_memory(f->buf, f->len);
	const struct bpf_insn *res = NULL;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	if (!elf)
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		Elf_Data *d;
		size_t i;

		gelf_getshdr(scn, &sh);
		if (sh.sh_type != SHT_SYMTAB)
			continue;
		d = elf_getdata(scn, NULL);
		for (i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym sym;
			GElf_Shdr fsh;
			const char *n;

			gelf_getsym(d, i, &sym);
			n = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (!n || strcmp(n, name) || GELF_ST_TYPE(sym.st_info) != STT_FUNC)
				continue;
			gelf_getshdr(elf_getscn(elf, sym.st_shndx), &fsh);
			res = (const void *)(f->buf + fsh.sh_offset + sym.st_value);
			*cnt = sym.st_size / 8;
			break;
		}
	}
	elf_end(elf);
	return res;
}

/* Open a (possibly corrupted) object image; returns the object or NULL with
 * *err set.
 */
static struct bpf_object *open_mem(const struct file *f, const char *name, int *err)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = name);
	struct bpf_object *obj;

	log_reset();
	obj = bpf_object__open_mem(f->buf, f->len, &opts);
	*err = obj ? 0 : -errno;
	return obj;
}

/* --- open ------------------------------------------------------------------- */

static void test_open(const char *dir, const char *name)
{
	char path[4096];
	struct bpf_object *obj;
	struct file f;
	int err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (read_file(path, &f)) {
		CHECK(0, "%s: cannot read", path);
		return;
	}
	obj = open_mem(&f, name, &err);
	CHECK(obj, "open %s: %d %s", name, err, log_warn());
	CHECK(!log_has("fails the check"), "%s: a twin fails libbpf's check", name);
	CHECK(log_has("libbpf: prog '") || log_has("found program"), "%s: no program", name);
	bpf_object__close(obj);
	free(f.buf);
	printf("ok   open %s\n", name);
}

/* --- every program at open: the open option and LIBBPF_CANCELLABLE ---------- */

static void test_open_all(const char *dir)
{
	static const struct {
		const char *env;	/* LIBBPF_CANCELLABLE, NULL: unset */
		bool opt;		/* bpf_object_open_opts.cancellable */
		bool expect;		/* every program opted in (else none) */
		bool warn;		/* "unrecognized LIBBPF_CANCELLABLE" */
	} cases[] = {
		{ NULL, false, false, false },
		{ NULL, true, true, false },
		{ "1", false, true, false },
		{ "0", false, false, false },
		{ "0", true, true, false },
		{ "yes", false, false, true },
		{ "", false, false, true },
	};
	const char *name = "subprogs.bpf.o";
	struct bpf_program *prog;
	struct bpf_object *obj;
	char path[4096];
	struct file f;
	size_t i;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (read_file(path, &f)) {
		CHECK(0, "%s: cannot read", path);
		return;
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = name,
			    .cancellable = cases[i].opt);
		int on = 0, n = 0;

		if (cases[i].env)
			setenv("LIBBPF_CANCELLABLE", cases[i].env, 1);
		else
			unsetenv("LIBBPF_CANCELLABLE");
		log_reset();
		obj = bpf_object__open_mem(f.buf, f.len, &opts);
		CHECK(obj, "open-all %zu: open gave %d", i, -errno);
		if (!obj)
			continue;
		bpf_object__for_each_program(prog, obj) {
			n++;
			on += bpf_program__cancellable(prog);
		}
		CHECK(n > 0 && on == (cases[i].expect ? n : 0),
		      "open-all %zu (env %s, option %d): %d of %d programs cancellable",
		      i, cases[i].env ? cases[i].env : "unset", cases[i].opt, on, n);
		CHECK(log_count("unrecognized LIBBPF_CANCELLABLE") == cases[i].warn,
		      "open-all %zu (env '%s'): %d warnings", i,
		      cases[i].env ? cases[i].env : "unset",
		      log_count("unrecognized LIBBPF_CANCELLABLE"));
		/* a program can still opt out before load */
		if (cases[i].expect) {
			prog = bpf_object__next_program(obj, NULL);
			CHECK(!bpf_program__set_cancellable(prog, false) &&
			      !bpf_program__cancellable(prog), "open-all %zu: opt out", i);
		}
		bpf_object__close(obj);
	}
	unsetenv("LIBBPF_CANCELLABLE");
	free(f.buf);
	printf("ok   open-all %s: %zu cases\n", name, i);
}

/* --- malformed sections ----------------------------------------------------- */

struct corruption {
	const char *what;
	size_t at;		/* offset in the section */
	int width;		/* bytes written */
	unsigned long long val;
	bool add;		/* add val instead of storing it */
	const char *expect;	/* in the warning */
};

static void put(char *p, int width, unsigned long long v)
{
	int i;

	for (i = 0; i < width; i++)
		p[i] = (char)(v >> (8 * i));
}

static unsigned long long get(const char *p, int width)
{
	unsigned long long v = 0;
	int i;

	for (i = 0; i < width; i++)
		v |= (unsigned long long)(unsigned char)p[i] << (8 * i);
	return v;
}

static void test_malformed(const char *dir)
{
	/* offsets in the block: hdr 40 bytes, func table at func_off */
	struct corruption cases[] = {
		{ "magic", 0, 4, 0x12345678, false, "bad-magic" },
		{ "version 2", 4, 2, 2, false, "future-version" },
		{ "version 0", 4, 2, 0, false, "bad-version" },
		{ "total_len past the end", 8, 4, 0x100000, false, "bad-total-len" },
		{ "func_cnt huge", 16, 4, 0x40000000, false, "func-table-range" },
		{ "header flags", 32, 4, 1, false, "hdr-flags" },
		/* func record 0 (at func_off, patched below): */
		{ "hot addend", 0, 8, 8, false, "non-zero stored addend" },
		{ "insn_cnt + 1", 16, 4, 1, true, "insn_cnt" },
		{ "site_idx past the table", 20, 4, 1000, false, "site-overlap" },
	};
	char path[4096];
	struct file f;
	size_t off, size, i, func_off, rel_off, rel_size;
	int err;

	snprintf(path, sizeof(path), "%s/cancel_subprogs.bpf.o", dir);
	if (read_file(path, &f) || elf_section(&f, ".BPF.cancel", &off, &size, NULL)) {
		CHECK(0, "%s: no .BPF.cancel", path);
		return;
	}
	func_off = get(f.buf + off + 20, 4);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct corruption *c = &cases[i];
		size_t at = off + c->at + (i >= 6 ? func_off : 0);
		char saved[8];
		struct bpf_object *obj;

		memcpy(saved, f.buf + at, c->width);
		put(f.buf + at, c->width, c->add ? get(f.buf + at, c->width) + c->val : c->val);
		obj = open_mem(&f, "corrupt", &err);
		CHECK(!obj && err == -EINVAL, "malformed (%s): open gave %d, want -EINVAL",
		      c->what, err);
		CHECK(log_has("elf: section '.BPF.cancel'") && log_has(c->expect),
		      "malformed (%s): message lacks the section or '%s': %s",
		      c->what, c->expect, log_warn());
		CHECK(i < 6 || log_has("func record 0") || log_has("func records 0 and"),
		      "malformed (%s): message does not name the record: %s", c->what, log_warn());
		bpf_object__close(obj);
		memcpy(f.buf + at, saved, c->width);
		printf("ok   malformed: %s refused\n", c->what);
	}

	/* the last record's sites run past the site table */
	{
		size_t cnt = get(f.buf + off + 16, 4), rec_size = get(f.buf + off + 12, 2);
		size_t at = off + func_off + (cnt - 1) * rec_size + 24;
		struct bpf_object *obj;
		char saved[4];

		memcpy(saved, f.buf + at, 4);
		put(f.buf + at, 4, 0x10000);
		obj = open_mem(&f, "corrupt", &err);
		CHECK(!obj && err == -EINVAL && log_has("func-sites-range") &&
		      log_has("func record "),
		      "site_cnt past the table: open gave %d: %s", err, log_warn());
		bpf_object__close(obj);
		memcpy(f.buf + at, saved, 4);
		printf("ok   malformed: site_cnt past the table refused\n");
	}

	/* a record field without its relocation: R_BPF_64_NONE in its place */
	if (!elf_section(&f, ".rel.BPF.cancel", &rel_off, &rel_size, NULL) && rel_size >= 16) {
		struct bpf_object *obj;
		char saved[8];

		memcpy(saved, f.buf + rel_off + 8, 8);
		put(f.buf + rel_off + 8, 4, 0);	/* r_info: type 0 */
		obj = open_mem(&f, "corrupt", &err);
		CHECK(!obj && err == -EINVAL && log_has("R_BPF_64_ABS64"),
		      "relocation type: open gave %d: %s", err, log_warn());
		bpf_object__close(obj);
		memcpy(f.buf + rel_off + 8, saved, 8);
		printf("ok   malformed: wrong relocation type refused\n");
	} else {
		CHECK(0, "no .rel.BPF.cancel");
	}

	/* the intact copy still opens */
	{
		struct bpf_object *obj = open_mem(&f, "intact", &err);

		CHECK(obj, "intact copy: open gave %d: %s", err, log_warn());
		bpf_object__close(obj);
	}
	free(f.buf);
}

/* --- a twin that differs ------------------------------------------------------ */

static int gen_load(struct bpf_object *obj)
{
	LIBBPF_OPTS(gen_loader_opts, gopts);
	int err;

	err = bpf_object__gen_loader(obj, &gopts);
	if (err)
		return err;
	return bpf_object__load(obj);
}

static void test_bad_twin(const char *dir)
{
	char path[4096];
	struct bpf_program *prog;
	struct bpf_object *obj;
	const struct bpf_insn *cold;
	struct bpf_insn *w;
	size_t cnt;
	struct file f;
	int err;

	snprintf(path, sizeof(path), "%s/cancel_subprogs.bpf.o", dir);
	if (read_file(path, &f) || !(cold = elf_func(&f, "second__cold", &cnt)) || cnt < 2) {
		CHECK(0, "%s: no second__cold", path);
		return;
	}
	/* the twin's first instruction, never a site here: r? = imm changed */
	w = (struct bpf_insn *)cold;
	w[0].imm ^= 0x5a5a;

	obj = open_mem(&f, "badtwin", &err);
	CHECK(obj, "bad twin: open must succeed (the check is reported at load): %d", err);
	if (obj) {
		/* nobody opted in: loads as before */
		err = gen_load(obj);
		CHECK(!err, "bad twin, no opt-in: load gave %d: %s", err, log_warn());
		bpf_object__close(obj);
	}

	obj = open_mem(&f, "badtwin", &err);
	if (obj) {
		prog = bpf_object__find_program_by_name(obj, "main_b");
		bpf_program__set_cancellable(prog, true);
		err = gen_load(obj);
		CHECK(err == -EINVAL, "bad twin, main_b opted in: load gave %d, want -EINVAL", err);
		CHECK(log_has("prog 'main_b': cannot be cancellable: function 'second', twin 'second__cold', insn 0 (prog insn 3)") &&
		      log_has("insn-differs"),
		      "bad twin: message: %s", log_warn());
		bpf_object__close(obj);
	}

	/* opting in a program that does not place the function is fine */
	obj = open_mem(&f, "badtwin", &err);
	if (obj) {
		prog = bpf_object__find_program_by_name(obj, "plain");
		bpf_program__set_cancellable(prog, true);
		err = gen_load(obj);
		CHECK(!err, "bad twin, plain opted in: load gave %d: %s", err, log_warn());
		bpf_object__close(obj);
	}
	free(f.buf);
	printf("ok   twin differing from hot: refused at load of an opted-in program only\n");
}

/* --- site translation --------------------------------------------------------- */

struct site {
	char prog[64];
	char func[64];
	unsigned int off;	/* in the program */
	unsigned int insn;	/* in the function */
	char kind[16];
};

static int parse_sites(struct site *out, int max)
{
	const char *p = logbuf ? logbuf : "";
	int n = 0;

	while ((p = strstr(p, "libbpf: prog '")) && n < max) {
		struct site s;

		if (sscanf(p, "libbpf: prog '%63[^']': cancellation site at insn %u: %15[^,], function '%63[^']' insn %u",
			   s.prog, &s.off, s.kind, s.func, &s.insn) == 5)
			out[n++] = s;
		p++;
	}
	return n;
}

static bool site_shape(const struct bpf_insn *insn, const char *kind)
{
	if (!strcmp(kind, "may-goto"))
		return insn->code == (BPF_JMP | 0xe0);
	if (!strcmp(kind, "tail-call"))
		return insn->code == (BPF_JMP | BPF_CALL) && insn->src_reg == 0 && insn->imm == 12;
	return insn->code == (BPF_JMP | BPF_CALL);
}

/* Every reported site: the final instruction has the site's shape and the
 * function's body lies at (off - insn) in the final program.
 */
static void check_sites(struct bpf_object *obj, const struct file *f, const char *name,
			struct site *sites, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		struct bpf_program *prog = bpf_object__find_program_by_name(obj, sites[i].prog);
		const struct bpf_insn *fin, *orig;
		size_t cnt, fcnt, base, k;
		bool body = true;

		if (!prog) {
			CHECK(0, "%s: site of unknown prog '%s'", name, sites[i].prog);
			continue;
		}
		fin = bpf_program__insns(prog);
		cnt = bpf_program__insn_cnt(prog);
		orig = elf_func(f, sites[i].func, &fcnt);
		base = sites[i].off - sites[i].insn;
		if (!orig || sites[i].off >= cnt || sites[i].off < sites[i].insn ||
		    base + fcnt > cnt) {
			CHECK(0, "%s: prog '%s' site %u (function '%s' insn %u) out of range",
			      name, sites[i].prog, sites[i].off, sites[i].func, sites[i].insn);
			continue;
		}
		for (k = 0; k < fcnt; k++)
			body &= fin[base + k].code == orig[k].code &&
				fin[base + k].dst_reg == orig[k].dst_reg;
		CHECK(body, "%s: prog '%s': function '%s' is not at insn %zu", name,
		      sites[i].prog, sites[i].func, base);
		CHECK(site_shape(&fin[sites[i].off], sites[i].kind),
		      "%s: prog '%s' insn %u is no %s site (code 0x%02x)", name,
		      sites[i].prog, sites[i].off, sites[i].kind, fin[sites[i].off].code);
	}
}

/*
 * The sites of progs/cancel_subprogs.bpf.c, computed without libbpf: libbpf
 * appends the subprograms a program calls in call order (main_ab calls
 * second, then first), each after the previous one; a site is where a twin
 * has "r0 = imm" in place of the hot function's call.
 */
static void check_expected_sites(const struct file *f, const char *name,
				 const struct site *sites, int n)
{
	static const char *const layout[][4] = {
		{ "main_ab", "main_ab", "second", "first" },
		{ "main_b", "main_b", "second", NULL },
		{ "plain", "plain", NULL, NULL },
	};
	unsigned int want = 0, found = 0;
	size_t p, i, k;
	int j;

	for (p = 0; p < sizeof(layout) / sizeof(layout[0]); p++) {
		size_t base = 0;

		for (i = 1; i < 4 && layout[p][i]; i++) {
			const struct bpf_insn *hot, *cold;
			char twin[80];
			size_t cnt, ccnt;

			snprintf(twin, sizeof(twin), "%s__cold", layout[p][i]);
			hot = elf_func(f, layout[p][i], &cnt);
			cold = elf_func(f, twin, &ccnt);
			if (!hot) {
				CHECK(0, "%s: no function %s", name, layout[p][i]);
				return;
			}
			for (k = 0; cold && k < cnt && k < ccnt; k++) {
				bool hit = false;

				if (hot[k].code != (BPF_JMP | BPF_CALL) ||
				    cold[k].code != (BPF_ALU64 | BPF_MOV | BPF_K))
					continue;
				want++;
				for (j = 0; j < n; j++)
					hit |= !strcmp(sites[j].prog, layout[p][0]) &&
					       sites[j].off == base + k;
				found += hit;
				CHECK(hit, "%s: prog '%s': no site at insn %zu (function '%s' insn %zu)",
				      name, layout[p][0], base + k, layout[p][i], k);
			}
			base += cnt;
		}
	}
	CHECK(want == 4 && found == want && n == (int)want,
	      "%s: %d sites reported, %u expected, %u found", name, n, want, found);
}

static void test_sites(const char *dir, const char *name, bool expect_subprogs)
{
	struct site sites[256];
	char path[4096];
	struct bpf_program *prog;
	struct bpf_object *obj;
	struct file f;
	int err, n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (read_file(path, &f)) {
		CHECK(0, "%s: cannot read", path);
		return;
	}
	obj = open_mem(&f, name, &err);
	if (!obj) {
		CHECK(0, "%s: open gave %d", name, err);
		free(f.buf);
		return;
	}
	bpf_object__for_each_program(prog, obj)
		CHECK(!bpf_program__set_cancellable(prog, true) && bpf_program__cancellable(prog),
		      "%s: set_cancellable", name);
	err = gen_load(obj);
	CHECK(!err, "%s: gen_loader load gave %d: %s", name, err, log_warn());
	n = parse_sites(sites, 256);
	CHECK(n > 0, "%s: no site reported", name);
	check_sites(obj, &f, name, sites, n);

	if (expect_subprogs)
		check_expected_sites(&f, name, sites, n);

	/* API after load */
	prog = n > 0 ? bpf_object__find_program_by_name(obj, sites[0].prog) : NULL;
	if (prog) {
		CHECK(bpf_program__set_cancellable(prog, false) == -EBUSY,
		      "set_cancellable after load must be -EBUSY");
		CHECK(bpf_program__set_cancel_budget(prog, 1000) == -EBUSY,
		      "set_cancel_budget after load must be -EBUSY");
	}
	bpf_object__close(obj);
	free(f.buf);
	printf("ok   sites %s: %d translated\n", name, n);
}

/* --- a kernel without cancellation --------------------------------------------- */

static bool can_load_bpf(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, NULL, "GPL", insns, 2, NULL);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static bool kernel_cancels(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, lopts, .prog_flags = BPF_F_CANCELLABLE);
	int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, NULL, "GPL", insns, 2, &lopts);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* open and load obj, every program opted in when cancellable */
static int load_only(const char *path, bool cancellable)
{
	struct bpf_program *prog;
	struct bpf_object *obj;
	int err;

	obj = bpf_object__open_file(path, NULL);
	if (!obj)
		return 1;
	if (cancellable)
		bpf_object__for_each_program(prog, obj)
			bpf_program__set_cancellable(prog, true);
	err = bpf_object__load(obj);
	bpf_object__close(obj);
	return err ? 1 : 0;
}

static void test_stock_kernel(const char *dir)
{
	LIBBPF_OPTS(bpf_prog_cancel_opts, copts);
	char path[4096];
	struct bpf_program *prog;
	struct bpf_object *obj;
	int err;

	if (!can_load_bpf()) {
		printf("SKIP kernel: this machine cannot load BPF programs\n");
		return;
	}
	if (kernel_cancels()) {
		printf("SKIP kernel: this kernel accepts BPF_F_CANCELLABLE\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/cancel_subprogs.bpf.o", dir);
	log_reset();
	obj = bpf_object__open_file(path, NULL);
	CHECK(obj, "kernel: open %s", path);
	if (!obj)
		return;
	bpf_object__for_each_program(prog, obj)
		bpf_program__set_cancellable(prog, true);
	err = bpf_object__load(obj);
	CHECK(!err, "kernel: cancellable programs must load plain on this kernel: %d", err);
	CHECK(log_has("the kernel cannot cancel BPF programs"),
	      "kernel: no message about the missing support");
	CHECK(log_count("the kernel cannot cancel") == 1,
	      "kernel: the message must appear once, not %d times",
	      log_count("the kernel cannot cancel"));
	bpf_object__close(obj);

	errno = 0;
	err = bpf_prog_cancel(0, &copts);
	CHECK(err < 0 && errno == EINVAL, "kernel: BPF_PROG_CANCEL on a stock kernel: %d errno %d",
	      err, errno);
	printf("ok   kernel without cancellation: programs load plain\n");
}

int main(int argc, char **argv)
{
	static const char *const objs[] = {
		"cancel_subprogs.bpf.o", "subprogs.bpf.o", "asm_kfunc.bpf.o", "bomb.bpf.o",
		"loop_callback.bpf.o", "maps_ringbuf.bpf.o", "may_goto.bpf.o",
		"tail_call.bpf.o", "task_iter.bpf.o",
	};
	size_t i;

	elf_version(EV_CURRENT);
	libbpf_set_print(print_cb);
	/* helpers of run.sh's syscall check */
	if (argc == 2 && !strcmp(argv[1], "--can-load"))
		return can_load_bpf() && !kernel_cancels() ? 0 : 1;
	if (argc >= 3 && !strcmp(argv[1], "--load"))
		return load_only(argv[2], argc > 3 && !strcmp(argv[3], "--cancellable"));
	if (argc != 2) {
		fprintf(stderr, "usage: %s OBJDIR | --can-load | --load OBJ [--cancellable]\n",
			argv[0]);
		return 2;
	}

	for (i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
		test_open(argv[1], objs[i]);
	test_open_all(argv[1]);
	test_malformed(argv[1]);
	test_bad_twin(argv[1]);
	for (i = 0; i < sizeof(objs) / sizeof(objs[0]); i++)
		test_sites(argv[1], objs[i], i == 0);
	test_stock_kernel(argv[1]);

	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
