// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * bpfcancel - check, dump and measure BPF objects built with
 * clang -fbpf-cancellable.
 *
 *   bpfcancel check OBJ [--policy FILE] [--strict-twin-calls]
 *   bpfcancel dump OBJ [--json] [--policy FILE]
 *   bpfcancel stats OBJ [--json] [--policy FILE]
 *   bpfcancel cmp-hot PLAIN FLAGGED
 *
 * Exit status: 0 success, 1 the object is invalid (or differs), 2 usage or
 * I/O error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bpfcancel/bpfcancel.h"
#include "bpfcancel/core.h"

#define EXIT_INVALID	1
#define EXIT_USAGE	2

static const char usage_text[] =
"Usage: bpfcancel <command> [options]\n"
"\n"
"Commands:\n"
"  check OBJ [--policy FILE] [--strict-twin-calls]\n"
"                                check .BPF.cancel and every hot/twin pair;\n"
"                                exit 0 only if the object is valid\n"
"  dump OBJ [--json] [--policy FILE]\n"
"                                functions, twins, sites (kind, what each\n"
"                                becomes, source line)\n"
"  stats OBJ [--json] [--policy FILE]\n"
"                                hot/cold bytes, sites by kind, loops\n"
"                                cancellation cannot cut short\n"
"  cmp-hot PLAIN FLAGGED         every function of PLAIN is byte-identical\n"
"                                (relocations included) in FLAGGED\n"
"\n"
"Options:\n"
"  --policy FILE   substitution policy (default: built-in Linux 6.12)\n"
"  --json          machine-readable output\n"
"  --strict-twin-calls\n"
"                  check: a twin's call to a function that has a twin\n"
"                  must go to that twin (off by default)\n"
"  -h, --help      this text\n"
"  --version       print the version\n"
"\n"
"Exit status: 0 valid, 1 invalid, 2 usage or I/O error.\n";

struct opts {
	const char *cmd;
	const char *files[2];
	int nfiles;
	const char *policy;
	bool json;
	bool strict_twin_calls;
};

static int usage_err(const char *fmt, const char *arg)
{
	fprintf(stderr, "bpfcancel: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'bpfcancel --help'.\n");
	return EXIT_USAGE;
}

static void print_problem(void *ctx, const struct bpfcancel_problem *p)
{
	(void)ctx;
	fprintf(stderr, "%s\n", p->msg);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static struct bpfcancel_obj *open_obj(const char *path)
{
	char err[512] = "";
	BPFCANCEL_OPTS(bpfcancel_open_opts, o, .errbuf = err,
		       .errbuf_sz = sizeof(err));
	struct bpfcancel_obj *obj = bpfcancel_obj__open_file(path, &o);
	int saved;

	if (!obj) {
		saved = errno;
		fprintf(stderr, "%s\n", err[0] ? err : strerror(saved));
		errno = saved;
	}
	return obj;
}

static struct bpfcancel_policy *open_policy(const char *path)
{
	struct bpfcancel_policy *p;
	char err[512] = "";

	if (!path) {
		p = bpfcancel_policy__default();
		if (!p)
			fprintf(stderr,
				"bpfcancel: the built-in policy does not parse: %s\n",
				strerror(errno));
		return p;
	}
	p = bpfcancel_policy__load_file(path, err, sizeof(err));
	if (!p)
		fprintf(stderr, "%s\n", err[0] ? err : strerror(errno));
	return p;
}

static int cmd_check(const struct opts *o)
{
	struct bpfcancel_policy *pol;
	struct bpfcancel_obj *obj;
	int n, ret;

	pol = open_policy(o->policy);
	if (!pol)
		return EXIT_USAGE;
	obj = open_obj(o->files[0]);
	if (!obj) {
		bpfcancel_policy__free(pol);
		return errno == EINVAL ? EXIT_INVALID : EXIT_USAGE;
	}
	{
		struct bpfcancel_check_opts co = {
			.sz = sizeof(co),
			.strict_twin_calls = o->strict_twin_calls,
		};

		n = bpfcancel_obj__check_opts(obj, pol, print_problem, NULL,
					      &co);
	}
	if (n < 0) {
		fprintf(stderr, "bpfcancel: %s: check failed: %s\n",
			o->files[0], strerror(-n));
		ret = EXIT_USAGE;
	} else if (n) {
		fprintf(stderr, "bpfcancel: %s: %d problem%s\n", o->files[0],
			n, n == 1 ? "" : "s");
		ret = EXIT_INVALID;
	} else {
		printf("%s: ok (%d cancellable function%s)\n", o->files[0],
		       bpfcancel_obj__pair_cnt(obj),
		       bpfcancel_obj__pair_cnt(obj) == 1 ? "" : "s");
		ret = 0;
	}
	bpfcancel_obj__free(obj);
	bpfcancel_policy__free(pol);
	return ret;
}

/* what the twin has at a site, e.g. "r0 = 0", "goto +3" */
static void becomes(const struct bpf_cancel_site *s,
		    const struct bpf_insn *hot, char *buf, size_t len)
{
	switch (s->kind) {
	case BPF_CANCEL_SITE_TAIL_CALL:
		snprintf(buf, len, "goto +0");
		break;
	case BPF_CANCEL_SITE_MAY_GOTO:
		snprintf(buf, len, "goto %+d", hot->off);
		break;
	default:
		snprintf(buf, len, "r0 = %d", s->imm);
		break;
	}
}

static const char *site_callee(const struct bpfcancel_obj *obj,
			       const struct bpfcancel_func *f, __u32 insn,
			       const struct bpfcancel_policy *pol,
			       char *buf, size_t len)
{
	struct bpfcancel_site_class sc;

	if (bpfcancel_func__classify(obj, f, insn, pol, &sc) < 0 ||
	    !sc.callee)
		return "";
	if (sc.callee[0])
		return sc.callee;
	if (bpfcancel_func__insns(f)[insn].src_reg == 0) {
		snprintf(buf, len, "helper#%u", sc.helper_id);
		return buf;
	}
	return "";
}

static bool is_twin(const struct bpfcancel_obj *obj,
		    const struct bpfcancel_func *f)
{
	struct bpfcancel_pair p;

	return !bpfcancel_obj__func_pair(obj, f, &p) && p.cold == f;
}

/* the loops of a pair's twin that no site cuts short, with their lines */
static void dump_loops(const struct opts *o, const struct bpfcancel_obj *obj,
		       const struct bpfcancel_func *f,
		       const struct bpfcancel_pair *p, FILE *out)
{
	struct bpfcancel_loop *loops = NULL;
	int n, i, shown = 0;

	if (o->json)
		fputs(", \"uncut\": [", out);
	if (bpf_cancel_check_sites(bpfcancel_func__insns(f),
				   bpfcancel_func__insn_cnt(f), p->sites,
				   p->site_cnt, NULL))
		goto done;	/* check reports it */
	n = bpfcancel_insns__loops(bpfcancel_func__insns(f),
				   bpfcancel_func__insn_cnt(f), p->sites,
				   p->site_cnt, NULL, 0);
	if (n <= 0)
		goto done;
	loops = calloc((size_t)n, sizeof(*loops));
	if (!loops)
		goto done;
	n = bpfcancel_insns__loops(bpfcancel_func__insns(f),
				   bpfcancel_func__insn_cnt(f), p->sites,
				   p->site_cnt, loops, (size_t)n);
	for (i = 0; i < n; i++) {
		const char *file = NULL;
		__u32 line = 0, col = 0;
		bool has_line;

		if (loops[i].cut)
			continue;
		has_line = !bpfcancel_obj__line(obj, f, loops[i].header,
						&file, &line, &col);
		if (o->json) {
			fprintf(out, "%s{\"header\": %u, \"back_edge\": %u, \"file\": ",
				shown ? ", " : "", loops[i].header,
				loops[i].back_edge);
			if (has_line) {
				json_str(out, file);
				fprintf(out, ", \"line\": %u}", line);
			} else {
				fputs("null, \"line\": null}", out);
			}
		} else {
			fprintf(out, "  loop (header %u, back edge %u) cannot be cut short",
				loops[i].header, loops[i].back_edge);
			if (has_line)
				fprintf(out, "  %s:%u:%u", file, line, col);
			fputc('\n', out);
		}
		shown++;
	}
done:
	free(loops);
	if (o->json)
		fputs("]", out);
}

static int cmd_dump(const struct opts *o)
{
	struct bpfcancel_policy *pol;
	struct bpfcancel_obj *obj;
	int i, nf, first = 1;
	FILE *out = stdout;

	pol = open_policy(o->policy);
	if (!pol)
		return EXIT_USAGE;
	obj = open_obj(o->files[0]);
	if (!obj) {
		bpfcancel_policy__free(pol);
		return EXIT_INVALID;
	}
	nf = bpfcancel_obj__func_cnt(obj);
	if (o->json) {
		fprintf(out, "{\"object\": ");
		json_str(out, o->files[0]);
		fprintf(out, ", \"functions\": [");
	}
	for (i = 0; i < nf; i++) {
		const struct bpfcancel_func *f = bpfcancel_obj__func(obj, i);
		const struct bpf_insn *insns = bpfcancel_func__insns(f);
		struct bpfcancel_pair p;
		bool has_pair;
		__u32 s;

		if (is_twin(obj, f))
			continue;
		has_pair = !bpfcancel_obj__func_pair(obj, f, &p);
		if (o->json) {
			fprintf(out, "%s\n  {\"name\": ", first ? "" : ",");
			json_str(out, bpfcancel_func__name(f));
			fprintf(out, ", \"section\": ");
			json_str(out, bpfcancel_func__sec_name(f));
			fprintf(out, ", \"insns\": %u, \"global\": %s, \"twin\": ",
				bpfcancel_func__insn_cnt(f),
				bpfcancel_func__is_global(f) ? "true" : "false");
			if (has_pair)
				json_str(out, bpfcancel_func__name(p.cold));
			else
				fputs("null", out);
		} else {
			fprintf(out, "%s (section %s, %u insns, %s)",
				bpfcancel_func__name(f),
				bpfcancel_func__sec_name(f),
				bpfcancel_func__insn_cnt(f),
				bpfcancel_func__is_global(f) ? "global" : "static");
			if (has_pair)
				fprintf(out, " -> twin %s (section %s), %u site%s, %u loop%s not cut short\n",
					bpfcancel_func__name(p.cold),
					bpfcancel_func__sec_name(p.cold),
					p.site_cnt, p.site_cnt == 1 ? "" : "s",
					p.uncut_loops,
					p.uncut_loops == 1 ? "" : "s");
			else
				fprintf(out, ": no twin\n");
		}
		first = 0;
		if (!has_pair) {
			if (o->json)
				fputs("}", out);
			continue;
		}
		if (o->json)
			fprintf(out, ", \"uncut_loops\": %u, \"sites\": [",
				p.uncut_loops);
		for (s = 0; s < p.site_cnt; s++) {
			const struct bpf_cancel_site *st = &p.sites[s];
			char bec[64], cb[64] = "";
			const char *file = NULL, *callee = "";
			__u32 line = 0, col = 0;
			bool has_line;

			if (st->insn_off >= bpfcancel_func__insn_cnt(f))
				continue;	/* check reports it */
			becomes(st, &insns[st->insn_off], bec, sizeof(bec));
			if (st->kind != BPF_CANCEL_SITE_MAY_GOTO)
				callee = site_callee(obj, f, st->insn_off, pol,
						     cb, sizeof(cb));
			has_line = !bpfcancel_obj__line(obj, f, st->insn_off,
							&file, &line, &col);
			if (o->json) {
				fprintf(out, "%s\n    {\"insn\": %u, \"kind\": ",
					s ? "," : "", st->insn_off);
				json_str(out, bpf_cancel_kind_str(st->kind));
				fprintf(out, ", \"callee\": ");
				json_str(out, callee);
				fprintf(out, ", \"becomes\": ");
				json_str(out, bec);
				fprintf(out, ", \"imm\": %d, \"file\": ",
					st->imm);
				if (has_line) {
					json_str(out, file);
					fprintf(out, ", \"line\": %u, \"col\": %u}",
						line, col);
				} else {
					fputs("null, \"line\": null, \"col\": null}",
					      out);
				}
			} else {
				char where[300] = "";

				if (has_line)
					snprintf(where, sizeof(where),
						 "  %s:%u:%u", file, line, col);
				fprintf(out, "  insn %-5u %-9s %-24s -> %s%s\n",
					st->insn_off,
					bpf_cancel_kind_str(st->kind),
					callee[0] ? callee : "-", bec, where);
			}
		}
		if (o->json)
			fputs(p.site_cnt ? "\n  ]" : "]", out);
		dump_loops(o, obj, f, &p, out);
		if (o->json)
			fputs("}", out);
	}
	if (o->json)
		fputs("\n]}\n", out);
	bpfcancel_obj__free(obj);
	bpfcancel_policy__free(pol);
	return 0;
}

static int cmd_stats(const struct opts *o)
{
	unsigned long long hot = 0, cold = 0, paired_hot = 0;
	unsigned long kinds[__BPF_CANCEL_SITE_MAX] = { 0 };
	unsigned long sites = 0, uncut = 0, funcs = 0;
	struct bpfcancel_obj *obj;
	int i, np, k;

	obj = open_obj(o->files[0]);
	if (!obj)
		return EXIT_INVALID;
	for (i = 0; i < bpfcancel_obj__func_cnt(obj); i++) {
		const struct bpfcancel_func *f = bpfcancel_obj__func(obj, i);
		unsigned long long b = 8ull * bpfcancel_func__insn_cnt(f);

		if (is_twin(obj, f)) {
			cold += b;
		} else {
			hot += b;
			funcs++;
		}
	}
	np = bpfcancel_obj__pair_cnt(obj);
	for (i = 0; i < np; i++) {
		struct bpfcancel_pair p;

		bpfcancel_obj__pair(obj, i, &p);
		paired_hot += 8ull * bpfcancel_func__insn_cnt(p.hot);
		uncut += p.uncut_loops;
		for (__u32 s = 0; s < p.site_cnt; s++) {
			sites++;
			if (p.sites[s].kind < __BPF_CANCEL_SITE_MAX)
				kinds[p.sites[s].kind]++;
		}
	}
	if (o->json) {
		printf("{\"object\": ");
		json_str(stdout, o->files[0]);
		printf(", \"functions\": %lu, \"twins\": %d, \"hot_bytes\": %llu, \"cold_bytes\": %llu, \"cold_hot_ratio\": %.4f, \"sites\": %lu, \"sites_by_kind\": {",
		       funcs, np, hot, cold, hot ? (double)cold / hot : 0.0,
		       sites);
		for (k = 1; k < __BPF_CANCEL_SITE_MAX; k++) {
			printf("%s", k > 1 ? ", " : "");
			json_str(stdout, bpf_cancel_kind_str(k));
			printf(": %lu", kinds[k]);
		}
		printf("}, \"uncut_loops\": %lu}\n", uncut);
	} else {
		printf("object:          %s\n", o->files[0]);
		printf("functions:       %lu (%d with a twin)\n", funcs, np);
		printf("hot bytes:       %llu (%llu in functions with a twin)\n",
		       hot, paired_hot);
		printf("cold bytes:      %llu\n", cold);
		printf("cold/hot ratio:  %.4f\n", hot ? (double)cold / hot : 0.0);
		printf("sites:           %lu\n", sites);
		for (k = 1; k < __BPF_CANCEL_SITE_MAX; k++)
			printf("  %-14s %lu\n", bpf_cancel_kind_str(k), kinds[k]);
		printf("loops not cut short: %lu\n", uncut);
	}
	bpfcancel_obj__free(obj);
	return 0;
}

static int cmd_cmp_hot(const struct opts *o)
{
	struct bpfcancel_obj *a, *b;
	int n, ret;

	a = open_obj(o->files[0]);
	if (!a)
		return EXIT_INVALID;
	b = open_obj(o->files[1]);
	if (!b) {
		bpfcancel_obj__free(a);
		return EXIT_INVALID;
	}
	n = bpfcancel_obj__cmp_hot(a, b, print_problem, NULL);
	if (n < 0) {
		fprintf(stderr, "bpfcancel: cmp-hot failed: %s\n",
			strerror(-n));
		ret = EXIT_USAGE;
	} else if (n) {
		fprintf(stderr, "bpfcancel: %s: %d function%s differ%s from %s\n",
			o->files[1], n, n == 1 ? "" : "s", n == 1 ? "s" : "",
			o->files[0]);
		ret = EXIT_INVALID;
	} else {
		printf("%s: every function of %s is identical\n", o->files[1],
		       o->files[0]);
		ret = 0;
	}
	bpfcancel_obj__free(a);
	bpfcancel_obj__free(b);
	return ret;
}

int main(int argc, char **argv)
{
	struct opts o = { 0 };
	int i, want;

	if (argc < 2)
		return usage_err("%s", "missing command");
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage_text, stdout);
			return 0;
		}
		if (!strcmp(a, "--version")) {
			printf("bpfcancel %s (.BPF.cancel format version %d)\n",
			       BPFCANCEL_VERSION_STR, BPF_CANCEL_VERSION);
			return 0;
		}
		if (!strcmp(a, "--json")) {
			o.json = true;
		} else if (!strcmp(a, "--strict-twin-calls")) {
			o.strict_twin_calls = true;
		} else if (!strcmp(a, "--policy") ||
			   !strncmp(a, "--policy=", 9)) {
			if (a[8] == '=') {
				o.policy = a + 9;
			} else if (i + 1 < argc) {
				o.policy = argv[++i];
			} else {
				return usage_err("%s", "--policy needs a FILE");
			}
		} else if (a[0] == '-' && a[1]) {
			return usage_err("unknown option '%s'", a);
		} else if (!o.cmd) {
			o.cmd = a;
		} else if (o.nfiles < 2) {
			o.files[o.nfiles++] = a;
		} else {
			return usage_err("unexpected argument '%s'", a);
		}
	}
	if (!o.cmd)
		return usage_err("%s", "missing command");
	if (!strcmp(o.cmd, "check") || !strcmp(o.cmd, "dump") ||
	    !strcmp(o.cmd, "stats"))
		want = 1;
	else if (!strcmp(o.cmd, "cmp-hot"))
		want = 2;
	else
		return usage_err("unknown command '%s' (check, dump, stats, cmp-hot)",
				 o.cmd);
	if (o.nfiles != want)
		return usage_err(want == 1 ? "'%s' takes exactly one OBJ" :
				 "'%s' takes PLAIN and FLAGGED objects", o.cmd);
	if (o.json && strcmp(o.cmd, "dump") && strcmp(o.cmd, "stats"))
		return usage_err("--json does not apply to '%s'", o.cmd);
	if (o.strict_twin_calls && strcmp(o.cmd, "check"))
		return usage_err("--strict-twin-calls does not apply to '%s'",
				 o.cmd);
	if (o.policy && !strcmp(o.cmd, "cmp-hot"))
		return usage_err("--policy does not apply to '%s'", o.cmd);
	if (!strcmp(o.cmd, "check"))
		return cmd_check(&o);
	if (!strcmp(o.cmd, "dump"))
		return cmd_dump(&o);
	if (!strcmp(o.cmd, "stats"))
		return cmd_stats(&o);
	return cmd_cmp_hot(&o);
}
