// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * policy.c - the substitution policy file: which helper or kfunc call may
 * become which fast value in a twin. Grammar: docs/format.md, "Policy
 * files".
 */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include "internal.h"

/* generated at build time from runtime/policy/linux-6.12.policy */
extern const char bpfcancel_default_policy[];
extern const size_t bpfcancel_default_policy_len;

#define POLICY_MAGIC	"bpfcancel-policy"
#define POLICY_VERSION	1
#define MAX_TOK		8

struct bpfcancel_policy {
	char *text;		/* copy of the file, tokens NUL-terminated */
	char *name;
	const char *kernel;
	struct bpfcancel_policy_entry *helpers;	/* sorted by id */
	__u32 helper_cnt;
	struct bpfcancel_policy_entry *kfuncs;	/* sorted by name */
	__u32 kfunc_cnt;
};

struct pctx {
	const char *name;
	__u32 line;
	char *errbuf;
	size_t errbuf_sz;
	bool failed;
};

__attribute__((format(printf, 2, 3)))
static void perr(struct pctx *c, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	if (c->failed)
		return;
	c->failed = true;
	if (!c->errbuf || !c->errbuf_sz)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->errbuf, c->errbuf_sz, "bpfcancel: %s:%u: %s", c->name,
		 c->line, msg);
}

static bool parse_s32(const char *s, __s32 *out)
{
	long long v = 0;
	bool neg = false;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (!*s)
		return false;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return false;
		v = v * 10 + (*s - '0');
		if (v > (long long)INT_MAX + 1)
			return false;
	}
	if (neg)
		v = -v;
	if (v < INT_MIN || v > INT_MAX)
		return false;
	*out = (__s32)v;
	return true;
}

static bool parse_u32(const char *s, __u32 *out)
{
	unsigned long long v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return false;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > UINT_MAX)
			return false;
	}
	*out = (__u32)v;
	return true;
}

static bool valid_name(const char *s)
{
	if (!*s || isdigit((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static int kind_of(const char *s, bool helper)
{
	if (!strcmp(s, "ret-null"))
		return BPF_CANCEL_SITE_RET_NULL;
	if (helper && !strcmp(s, "callback"))
		return BPF_CANCEL_SITE_CALLBACK;
	if (helper && !strcmp(s, "tail-call"))
		return BPF_CANCEL_SITE_TAIL_CALL;
	if (!helper && !strcmp(s, "iter-next"))
		return BPF_CANCEL_SITE_ITER_NEXT;
	return 0;
}

static int cmp_helper(const void *a, const void *b)
{
	const struct bpfcancel_policy_entry *x = a, *y = b;

	return x->helper_id < y->helper_id ? -1 : x->helper_id > y->helper_id;
}

static int cmp_kfunc(const void *a, const void *b)
{
	const struct bpfcancel_policy_entry *x = a, *y = b;

	return strcmp(x->name, y->name);
}

void bpfcancel_policy__free(struct bpfcancel_policy *p)
{
	if (!p)
		return;
	free(p->text);
	free(p->name);
	free(p->helpers);
	free(p->kfuncs);
	free(p);
}

struct bpfcancel_policy *
bpfcancel_policy__parse(const char *text, size_t len, const char *name,
			char *errbuf, size_t errbuf_sz)
{
	struct pctx c = { .name = name ? name : "<policy>", .errbuf = errbuf,
			  .errbuf_sz = errbuf_sz };
	struct bpfcancel_policy *p;
	bool seen_magic = false, seen_kernel = false;
	size_t nlines = 1, i;
	char *s, *end;

	if (!text && len)
		return bc_errp(EINVAL);
	p = calloc(1, sizeof(*p));
	if (!p)
		return bc_errp(ENOMEM);
	p->text = malloc(len + 1);
	p->name = strdup(c.name);
	if (!p->text || !p->name)
		goto nomem;
	if (len)
		memcpy(p->text, text, len);
	p->text[len] = 0;
	p->kernel = "";
	c.name = p->name;
	for (i = 0; i < len; i++)
		if (text[i] == '\n')
			nlines++;
	/* at most one entry per line */
	p->helpers = calloc(nlines, sizeof(*p->helpers));
	p->kfuncs = calloc(nlines, sizeof(*p->kfuncs));
	if (!p->helpers || !p->kfuncs)
		goto nomem;

	s = p->text;
	end = p->text + len;
	while (s < end || (s == end && c.line == 0)) {
		char *nl = memchr(s, '\n', (size_t)(end - s));
		char *eol = nl ? nl : end, *q, *tok[MAX_TOK];
		int ntok = 0;

		c.line++;
		*eol = 0;
		if (memchr(s, 0, (size_t)(eol - s))) {
			perr(&c, "NUL byte in policy text");
			goto fail;
		}
		q = strchr(s, '#');
		if (q)
			*q = 0;
		q = s;
		while (*q) {
			while (*q && isspace((unsigned char)*q))
				*q++ = 0;
			if (!*q)
				break;
			if (ntok == MAX_TOK) {
				perr(&c, "too many words on the line");
				goto fail;
			}
			tok[ntok++] = q;
			while (*q && !isspace((unsigned char)*q))
				q++;
		}
		s = eol + 1;
		if (!ntok)
			goto next;

		if (!seen_magic) {
			__u32 v;

			if (strcmp(tok[0], POLICY_MAGIC) || ntok != 2) {
				perr(&c, "not a bpfcancel policy file: first line must be '%s %d'",
				     POLICY_MAGIC, POLICY_VERSION);
				goto fail;
			}
			if (!parse_u32(tok[1], &v) || v != POLICY_VERSION) {
				perr(&c, "unsupported policy version '%s' (this reader knows version %d)",
				     tok[1], POLICY_VERSION);
				goto fail;
			}
			seen_magic = true;
			goto next;
		}

		if (!strcmp(tok[0], "kernel")) {
			if (seen_kernel) {
				perr(&c, "second 'kernel' line");
				goto fail;
			}
			seen_kernel = true;
			char *last;

			if (ntok < 2) {
				perr(&c, "'kernel' needs a description");
				goto fail;
			}
			/* the words were split in place: put the single
			 * separators back (runs of blanks were zeroed too)
			 */
			last = tok[ntok - 1] + strlen(tok[ntok - 1]);
			for (q = tok[1]; q < last; q++)
				if (!*q)
					*q = ' ';
			p->kernel = tok[1];
			goto next;
		}

		if (!strcmp(tok[0], "helper") ||
		    (!strcmp(tok[0], "deny") && ntok > 1 &&
		     !strcmp(tok[1], "helper"))) {
			bool deny = tok[0][0] == 'd';
			char **t = deny ? tok + 2 : tok + 1;
			struct bpfcancel_policy_entry *e;
			if (ntok != 5) {
				perr(&c, deny ?
				     "expected 'deny helper <id> <name> <reason>'" :
				     "expected 'helper <id> <name> <kind> <imm>'");
				goto fail;
			}
			e = &p->helpers[p->helper_cnt];
			if (!parse_u32(t[0], &e->helper_id)) {
				perr(&c, "bad helper id '%s'", t[0]);
				goto fail;
			}
			if (!valid_name(t[1])) {
				perr(&c, "bad helper name '%s'", t[1]);
				goto fail;
			}
			e->name = t[1];
			if (deny) {
				e->denied = true;
				e->reason = t[2];
			} else {
				e->kind = kind_of(t[2], true);
				if (!e->kind) {
					perr(&c, "unknown helper kind '%s' (ret-null, callback or tail-call)",
					     t[2]);
					goto fail;
				}
				if (!parse_s32(t[3], &e->imm)) {
					perr(&c, "bad fast value '%s' (a 32-bit integer)",
					     t[3]);
					goto fail;
				}
				if ((e->kind == BPF_CANCEL_SITE_TAIL_CALL ||
				     e->kind == BPF_CANCEL_SITE_RET_NULL) &&
				    e->imm) {
					perr(&c, "%s takes fast value 0, not %s",
					     bpf_cancel_kind_str(e->kind), t[3]);
					goto fail;
				}
			}
			for (__u32 k = 0; k < p->helper_cnt; k++)
				if (p->helpers[k].helper_id == e->helper_id) {
					perr(&c, "helper %u listed twice",
					     e->helper_id);
					goto fail;
				}
			p->helper_cnt++;
			goto next;
		}

		if (!strcmp(tok[0], "kfunc") ||
		    (!strcmp(tok[0], "deny") && ntok > 1 &&
		     !strcmp(tok[1], "kfunc"))) {
			bool deny = tok[0][0] == 'd';
			char **t = deny ? tok + 2 : tok + 1;
			struct bpfcancel_policy_entry *e;

			if (ntok != 4) {
				perr(&c, deny ?
				     "expected 'deny kfunc <name> <reason>'" :
				     "expected 'kfunc <name> <kind> <imm>'");
				goto fail;
			}
			e = &p->kfuncs[p->kfunc_cnt];
			if (!valid_name(t[0])) {
				perr(&c, "bad kfunc name '%s'", t[0]);
				goto fail;
			}
			e->name = t[0];
			if (deny) {
				e->denied = true;
				e->reason = t[1];
			} else {
				e->kind = kind_of(t[1], false);
				if (!e->kind) {
					perr(&c, "unknown kfunc kind '%s' (ret-null or iter-next)",
					     t[1]);
					goto fail;
				}
				if (!parse_s32(t[2], &e->imm)) {
					perr(&c, "bad fast value '%s' (a 32-bit integer)",
					     t[2]);
					goto fail;
				}
				/* ret-null and iter-next results are
				 * maybe-NULL pointers: the fast value is NULL
				 */
				if (e->imm) {
					perr(&c, "%s takes fast value 0, not %s",
					     bpf_cancel_kind_str(e->kind), t[2]);
					goto fail;
				}
			}
			for (__u32 k = 0; k < p->kfunc_cnt; k++)
				if (!strcmp(p->kfuncs[k].name, e->name)) {
					perr(&c, "kfunc %s listed twice",
					     e->name);
					goto fail;
				}
			p->kfunc_cnt++;
			goto next;
		}

		if (!strcmp(tok[0], "deny"))
			perr(&c, "expected 'deny helper ...' or 'deny kfunc ...'");
		else
			perr(&c, "unknown directive '%s'", tok[0]);
		goto fail;
next:
		if (!nl)
			break;
	}
	if (!seen_magic) {
		perr(&c, "empty policy: first line must be '%s %d'",
		     POLICY_MAGIC, POLICY_VERSION);
		goto fail;
	}

	qsort(p->helpers, p->helper_cnt, sizeof(*p->helpers), cmp_helper);
	qsort(p->kfuncs, p->kfunc_cnt, sizeof(*p->kfuncs), cmp_kfunc);
	return p;
nomem:
	bpfcancel_policy__free(p);
	return bc_errp(ENOMEM);
fail:
	bpfcancel_policy__free(p);
	return bc_errp(EINVAL);
}

struct bpfcancel_policy *
bpfcancel_policy__load_file(const char *path, char *errbuf, size_t errbuf_sz)
{
	struct bpfcancel_policy *p;
	size_t cap = 16384, len = 0, n;
	char *buf, *tmp;
	FILE *f;
	int err;

	f = fopen(path, "rb");
	if (!f) {
		err = errno;
		if (errbuf && errbuf_sz)
			snprintf(errbuf, errbuf_sz, "bpfcancel: %s: %s", path,
				 strerror(err));
		return bc_errp(err);
	}
	buf = malloc(cap);
	if (!buf) {
		fclose(f);
		return bc_errp(ENOMEM);
	}
	while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			if (cap >= (1u << 28)) {
				free(buf);
				fclose(f);
				if (errbuf && errbuf_sz)
					snprintf(errbuf, errbuf_sz,
						 "bpfcancel: %s: policy file too large",
						 path);
				return bc_errp(EFBIG);
			}
			tmp = realloc(buf, cap * 2);
			if (!tmp) {
				free(buf);
				fclose(f);
				return bc_errp(ENOMEM);
			}
			buf = tmp;
			cap *= 2;
		}
	}
	fclose(f);
	p = bpfcancel_policy__parse(buf, len, path, errbuf, errbuf_sz);
	err = errno;
	free(buf);
	if (!p)
		errno = err;
	return p;
}

struct bpfcancel_policy *bpfcancel_policy__default(void)
{
	return bpfcancel_policy__parse(bpfcancel_default_policy,
				       bpfcancel_default_policy_len,
				       "<built-in linux-6.12 policy>", NULL, 0);
}

const char *bpfcancel_policy__kernel(const struct bpfcancel_policy *policy)
{
	return policy->kernel;
}

int bpfcancel_policy__helper(const struct bpfcancel_policy *policy,
			     __u32 helper_id,
			     struct bpfcancel_policy_entry *entry)
{
	struct bpfcancel_policy_entry key = { .helper_id = helper_id }, *e;

	e = bsearch(&key, policy->helpers, policy->helper_cnt,
		    sizeof(*e), cmp_helper);
	if (!e)
		return bc_err(ENOENT);
	if (entry)
		*entry = *e;
	return 0;
}

int bpfcancel_policy__kfunc(const struct bpfcancel_policy *policy,
			    const char *name,
			    struct bpfcancel_policy_entry *entry)
{
	struct bpfcancel_policy_entry key = { .name = name }, *e;

	if (!name)
		return bc_err(EINVAL);
	e = bsearch(&key, policy->kfuncs, policy->kfunc_cnt,
		    sizeof(*e), cmp_kfunc);
	if (!e)
		return bc_err(ENOENT);
	if (entry)
		*entry = *e;
	return 0;
}
