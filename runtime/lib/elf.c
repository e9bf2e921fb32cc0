// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * elf.c - a small ELF64 little-endian EM_BPF reader for untrusted bytes.
 *
 * Every offset and size read from the file is checked against the file
 * size (in 64-bit arithmetic, overflow-safe) before it is used; every
 * string is checked to be NUL-terminated inside its table.
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include "internal.h"

#ifndef EM_BPF
#define EM_BPF 247
#endif

struct open_ctx {
	struct bpfcancel_obj *obj;
	char *errbuf;
	size_t errbuf_sz;
};

__attribute__((format(printf, 3, 4)))
static int open_err(struct open_ctx *c, int err, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (c->errbuf && c->errbuf_sz) {
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		snprintf(c->errbuf, c->errbuf_sz, "bpfcancel: %s: %s",
			 c->obj->name, msg);
	}
	return -err;
}

/* [off, off + len) inside [0, total)? */
static bool in_file(__u64 off, __u64 len, __u64 total)
{
	return off <= total && len <= total - off;
}

/* NUL-terminated string at off of a string table, or NULL */
static const char *tab_str(const __u8 *tab, __u64 tab_len, __u64 off)
{
	if (!tab || off >= tab_len)
		return NULL;
	if (!memchr(tab + off, 0, tab_len - off))
		return NULL;
	return (const char *)tab + off;
}

static int cmp_rel(const void *a, const void *b)
{
	const struct bc_rel *x = a, *y = b;

	if (x->off != y->off)
		return x->off < y->off ? -1 : 1;
	return 0;
}

static int cmp_func_off(const void *a, const void *b, void *arg)
{
	const struct bpfcancel_func *funcs = arg;
	const struct bpfcancel_func *x = &funcs[*(const int *)a];
	const struct bpfcancel_func *y = &funcs[*(const int *)b];

	if (x->insn_off != y->insn_off)
		return x->insn_off < y->insn_off ? -1 : 1;
	return x->idx - y->idx;
}

/* qsort_r is not in C11; a small insertion/merge sort keeps it portable */
static void sort_idx(int *v, int n, const struct bpfcancel_func *funcs)
{
	int *tmp, w, i, l, r, m, k;

	if (n < 2)
		return;
	tmp = malloc(sizeof(*tmp) * (size_t)n);
	if (!tmp) {
		/* fall back to insertion sort */
		for (i = 1; i < n; i++) {
			int x = v[i], j = i;

			while (j > 0 && cmp_func_off(&v[j - 1], &x,
						     (void *)funcs) > 0) {
				v[j] = v[j - 1];
				j--;
			}
			v[j] = x;
		}
		return;
	}
	for (w = 1; w < n; w *= 2) {
		for (l = 0; l < n; l += 2 * w) {
			m = l + w < n ? l + w : n;
			r = l + 2 * w < n ? l + 2 * w : n;
			i = l;
			k = m;
			for (int o = l; o < r; o++) {
				if (i < m && (k >= r ||
					      cmp_func_off(&v[i], &v[k],
							   (void *)funcs) <= 0))
					tmp[o] = v[i++];
				else
					tmp[o] = v[k++];
			}
		}
		memcpy(v, tmp, sizeof(*v) * (size_t)n);
	}
	free(tmp);
}

static int parse_elf(struct open_ctx *c)
{
	struct bpfcancel_obj *obj = c->obj;
	const __u8 *b = obj->buf;
	__u64 sz = obj->sz;
	const __u8 *shstr;
	__u64 shstr_len;
	Elf64_Ehdr eh;
	Elf64_Shdr sh;
	int i, nfunc;

	if (sz < sizeof(eh))
		return open_err(c, EINVAL,
				"truncated ELF: %llu bytes, smaller than an ELF header",
				(unsigned long long)sz);
	memcpy(&eh, b, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG))
		return open_err(c, EINVAL, "not an ELF file (bad ELF magic)");
	if (eh.e_ident[EI_CLASS] != ELFCLASS64)
		return open_err(c, EINVAL, "not a 64-bit ELF file");
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return open_err(c, EINVAL,
				"big-endian ELF: only little-endian BPF objects are supported");
	if (eh.e_machine != EM_BPF)
		return open_err(c, EINVAL,
				"ELF machine %u is not EM_BPF (247)", eh.e_machine);
	if (eh.e_shentsize != sizeof(Elf64_Shdr))
		return open_err(c, EINVAL, "bad e_shentsize %u (expected %zu)",
				eh.e_shentsize, sizeof(Elf64_Shdr));
	if (eh.e_shnum == 0)
		return open_err(c, EINVAL,
				"no section headers (or more than 65279, unsupported)");
	if (!in_file(eh.e_shoff, (__u64)eh.e_shnum * sizeof(Elf64_Shdr), sz))
		return open_err(c, EINVAL,
				"truncated ELF: section headers (%u at offset %llu) run past the end of the file (%llu bytes)",
				eh.e_shnum, (unsigned long long)eh.e_shoff,
				(unsigned long long)sz);
	if (eh.e_shstrndx == SHN_UNDEF || eh.e_shstrndx >= eh.e_shnum)
		return open_err(c, EINVAL, "bad e_shstrndx %u", eh.e_shstrndx);

	obj->sec_cnt = eh.e_shnum;
	obj->secs = calloc((size_t)obj->sec_cnt, sizeof(*obj->secs));
	obj->aligned = calloc((size_t)obj->sec_cnt, sizeof(*obj->aligned));
	if (!obj->secs || !obj->aligned)
		return open_err(c, ENOMEM, "out of memory");

	for (i = 0; i < obj->sec_cnt; i++) {
		struct bc_sec *s = &obj->secs[i];

		memcpy(&sh, b + eh.e_shoff + (__u64)i * sizeof(sh), sizeof(sh));
		s->type = sh.sh_type;
		s->flags = sh.sh_flags;
		s->size = sh.sh_size;
		s->link = sh.sh_link;
		s->info = sh.sh_info;
		s->rel_sec = -1;
		/* name resolved below; keep the offset in size-free slot */
		s->name = (const char *)(uintptr_t)sh.sh_name;
		if (sh.sh_type == SHT_NOBITS || sh.sh_type == SHT_NULL)
			continue;
		if (!in_file(sh.sh_offset, sh.sh_size, sz))
			return open_err(c, EINVAL,
					"truncated ELF: section %d data (%llu bytes at offset %llu) runs past the end of the file (%llu bytes)",
					i, (unsigned long long)sh.sh_size,
					(unsigned long long)sh.sh_offset,
					(unsigned long long)sz);
		s->data = sh.sh_size ? b + sh.sh_offset : NULL;
	}

	shstr = obj->secs[eh.e_shstrndx].data;
	shstr_len = obj->secs[eh.e_shstrndx].size;
	if (obj->secs[eh.e_shstrndx].type != SHT_STRTAB || !shstr)
		return open_err(c, EINVAL,
				"section name table (section %u) is not a string table",
				eh.e_shstrndx);
	for (i = 0; i < obj->sec_cnt; i++) {
		struct bc_sec *s = &obj->secs[i];
		__u64 off = (uintptr_t)s->name;

		s->name = i == 0 ? "" : tab_str(shstr, shstr_len, off);
		if (!s->name)
			return open_err(c, EINVAL,
					"section %d: name offset %llu outside the section name table",
					i, (unsigned long long)off);
	}

	/* executable sections: aligned copies of the instructions */
	for (i = 0; i < obj->sec_cnt; i++) {
		struct bc_sec *s = &obj->secs[i];

		if (!(s->flags & SHF_EXECINSTR) || s->type != SHT_PROGBITS)
			continue;
		if (s->size % BC_INSN_SZ)
			return open_err(c, EINVAL,
					"section '%s': size %llu is not a multiple of 8 (instruction size)",
					s->name, (unsigned long long)s->size);
		if (!s->data)
			continue;
		obj->aligned[i] = malloc(s->size);
		if (!obj->aligned[i])
			return open_err(c, ENOMEM, "out of memory");
		memcpy(obj->aligned[i], s->data, s->size);
		s->data = obj->aligned[i];
	}

	/* symbol table */
	obj->symtab_sec = -1;
	for (i = 0; i < obj->sec_cnt; i++) {
		if (obj->secs[i].type != SHT_SYMTAB)
			continue;
		if (obj->symtab_sec >= 0)
			return open_err(c, EINVAL, "more than one symbol table");
		obj->symtab_sec = i;
	}
	if (obj->symtab_sec >= 0) {
		struct bc_sec *st = &obj->secs[obj->symtab_sec];
		const __u8 *strs;
		__u64 strs_len;
		__u32 k;

		if (st->size % sizeof(Elf64_Sym))
			return open_err(c, EINVAL,
					"symbol table size %llu is not a multiple of %zu",
					(unsigned long long)st->size,
					sizeof(Elf64_Sym));
		if (st->link == 0 || st->link >= (__u32)obj->sec_cnt ||
		    obj->secs[st->link].type != SHT_STRTAB)
			return open_err(c, EINVAL,
					"symbol table's string table (section %u) is not a string table",
					st->link);
		strs = obj->secs[st->link].data;
		strs_len = obj->secs[st->link].size;
		if (st->size / sizeof(Elf64_Sym) > UINT32_MAX)
			return open_err(c, EINVAL, "symbol table too large");
		obj->sym_cnt = (__u32)(st->size / sizeof(Elf64_Sym));
		obj->syms = calloc(obj->sym_cnt ? obj->sym_cnt : 1,
				   sizeof(*obj->syms));
		if (!obj->syms)
			return open_err(c, ENOMEM, "out of memory");
		for (k = 0; k < obj->sym_cnt; k++) {
			struct bc_sym *y = &obj->syms[k];
			Elf64_Sym es;

			memcpy(&es, st->data + (__u64)k * sizeof(es), sizeof(es));
			y->name = es.st_name ? tab_str(strs, strs_len,
						       es.st_name) : "";
			if (!y->name)
				return open_err(c, EINVAL,
						"symbol %u: name offset %u outside the string table",
						k, es.st_name);
			y->value = es.st_value;
			y->size = es.st_size;
			y->shndx = es.st_shndx;
			y->type = ELF64_ST_TYPE(es.st_info);
			y->bind = ELF64_ST_BIND(es.st_info);
			if (y->shndx != SHN_UNDEF && y->shndx < SHN_LORESERVE &&
			    y->shndx >= obj->sec_cnt)
				return open_err(c, EINVAL,
						"symbol %u '%s': section index %u out of range",
						k, y->name, y->shndx);
		}
	}

	/* relocations */
	for (i = 0; i < obj->sec_cnt; i++) {
		struct bc_sec *r = &obj->secs[i], *t;
		bool rela = r->type == SHT_RELA;
		__u64 esz = rela ? sizeof(Elf64_Rela) : sizeof(Elf64_Rel);
		__u64 n, k;

		if (r->type != SHT_REL && r->type != SHT_RELA)
			continue;
		if (r->info == 0 || r->info >= (__u32)obj->sec_cnt)
			return open_err(c, EINVAL,
					"relocation section '%s': target section %u out of range",
					r->name, r->info);
		if ((int)r->link != obj->symtab_sec)
			return open_err(c, EINVAL,
					"relocation section '%s': sh_link %u is not the symbol table",
					r->name, r->link);
		if (r->size % esz)
			return open_err(c, EINVAL,
					"relocation section '%s': size %llu is not a multiple of %llu",
					r->name, (unsigned long long)r->size,
					(unsigned long long)esz);
		t = &obj->secs[r->info];
		if (t->rel_sec >= 0)
			return open_err(c, EINVAL,
					"section '%s' has two relocation sections",
					t->name);
		n = r->size / esz;
		t->rel_sec = i;
		t->rels = calloc(n ? n : 1, sizeof(*t->rels));
		if (!t->rels)
			return open_err(c, ENOMEM, "out of memory");
		t->rel_cnt = (__u32)n;
		for (k = 0; k < n; k++) {
			Elf64_Rela ra = { 0 };

			memcpy(&ra, r->data + k * esz, esz);
			t->rels[k].off = ra.r_offset;
			t->rels[k].type = (__u32)ELF64_R_TYPE(ra.r_info);
			t->rels[k].sym = (__u32)ELF64_R_SYM(ra.r_info);
			t->rels[k].addend = rela ? ra.r_addend : 0;
			if (t->rels[k].sym >= obj->sym_cnt)
				return open_err(c, EINVAL,
						"relocation section '%s', entry %llu: symbol index %u out of range (%u symbols)",
						r->name, (unsigned long long)k,
						t->rels[k].sym, obj->sym_cnt);
			if (t->rels[k].off >= t->size &&
			    t->type != SHT_NOBITS)
				return open_err(c, EINVAL,
						"relocation section '%s', entry %llu: offset %llu outside section '%s' (%llu bytes)",
						r->name, (unsigned long long)k,
						(unsigned long long)t->rels[k].off,
						t->name,
						(unsigned long long)t->size);
		}
		qsort(t->rels, n, sizeof(*t->rels), cmp_rel);
		/*
		 * One relocation per instruction, on its first byte, in code;
		 * one per field in .BPF.cancel: lookups by offset
		 * (bc_find_rel) are then unambiguous.
		 */
		for (k = 0; k < n; k++) {
			bool code = t->flags & SHF_EXECINSTR;

			if (code && t->rels[k].off % BC_INSN_SZ)
				return open_err(c, EINVAL,
						"section '%s': relocation at offset %llu is not on an instruction boundary (8-byte aligned)",
						t->name,
						(unsigned long long)t->rels[k].off);
			if ((code || !strcmp(t->name, BPF_CANCEL_SEC)) && k &&
			    t->rels[k].off == t->rels[k - 1].off)
				return open_err(c, EINVAL,
						"section '%s': two relocations at offset %llu",
						t->name,
						(unsigned long long)t->rels[k].off);
		}
	}

	/* functions */
	nfunc = 0;
	for (__u32 k = 0; k < obj->sym_cnt; k++) {
		const struct bc_sym *y = &obj->syms[k];

		if (y->type == STT_FUNC && y->shndx != SHN_UNDEF &&
		    y->shndx < obj->sec_cnt &&
		    (obj->secs[y->shndx].flags & SHF_EXECINSTR))
			nfunc++;
	}
	obj->funcs = calloc(nfunc ? (size_t)nfunc : 1, sizeof(*obj->funcs));
	obj->sec_funcs = calloc((size_t)obj->sec_cnt, sizeof(*obj->sec_funcs));
	obj->sec_func_cnt = calloc((size_t)obj->sec_cnt,
				   sizeof(*obj->sec_func_cnt));
	if (!obj->funcs || !obj->sec_funcs || !obj->sec_func_cnt)
		return open_err(c, ENOMEM, "out of memory");
	for (__u32 k = 0; k < obj->sym_cnt; k++) {
		const struct bc_sym *y = &obj->syms[k];
		struct bpfcancel_func *f;
		const struct bc_sec *s;

		if (!(y->type == STT_FUNC && y->shndx != SHN_UNDEF &&
		      y->shndx < obj->sec_cnt &&
		      (obj->secs[y->shndx].flags & SHF_EXECINSTR)))
			continue;
		s = &obj->secs[y->shndx];
		if (y->value % BC_INSN_SZ || y->size % BC_INSN_SZ)
			return open_err(c, EINVAL,
					"section '%s', function '%s': offset %llu / size %llu not a multiple of 8",
					s->name, y->name,
					(unsigned long long)y->value,
					(unsigned long long)y->size);
		if (!in_file(y->value, y->size, s->type == SHT_PROGBITS ?
			     s->size : 0))
			return open_err(c, EINVAL,
					"section '%s', function '%s': [%llu, +%llu) outside the section (%llu bytes)",
					s->name, y->name,
					(unsigned long long)y->value,
					(unsigned long long)y->size,
					(unsigned long long)s->size);
		f = &obj->funcs[obj->func_cnt];
		f->obj = obj;
		f->name = y->name;
		f->idx = obj->func_cnt;
		f->sec_idx = y->shndx;
		f->sym_idx = k;
		f->insn_off = (__u32)(y->value / BC_INSN_SZ);
		f->insn_cnt = (__u32)(y->size / BC_INSN_SZ);
		f->global = y->bind == STB_GLOBAL || y->bind == STB_WEAK;
		f->insns = s->data ? (const struct bpf_insn *)s->data +
				     f->insn_off : NULL;
		obj->sec_func_cnt[y->shndx]++;
		obj->func_cnt++;
	}
	for (i = 0; i < obj->sec_cnt; i++) {
		if (!obj->sec_func_cnt[i])
			continue;
		obj->sec_funcs[i] = calloc((size_t)obj->sec_func_cnt[i],
					   sizeof(int));
		if (!obj->sec_funcs[i])
			return open_err(c, ENOMEM, "out of memory");
		obj->sec_func_cnt[i] = 0;
	}
	for (i = 0; i < obj->func_cnt; i++) {
		int s = obj->funcs[i].sec_idx;

		obj->sec_funcs[s][obj->sec_func_cnt[s]++] = i;
	}
	for (i = 0; i < obj->sec_cnt; i++) {
		sort_idx(obj->sec_funcs[i], obj->sec_func_cnt[i], obj->funcs);
		/* function symbols of a section must not share instructions
		 * (nor a start): every instruction belongs to at most one
		 * function, and a function start names one function
		 */
		for (int j = 1; j < obj->sec_func_cnt[i]; j++) {
			const struct bpfcancel_func *a, *b;

			a = &obj->funcs[obj->sec_funcs[i][j - 1]];
			b = &obj->funcs[obj->sec_funcs[i][j]];
			if ((__u64)a->insn_off + a->insn_cnt > b->insn_off ||
			    a->insn_off == b->insn_off)
				return open_err(c, EINVAL,
						"section '%s': functions '%s' (insns [%u, +%u)) and '%s' (insns [%u, +%u)) overlap",
						obj->secs[i].name, a->name,
						a->insn_off, a->insn_cnt,
						b->name, b->insn_off,
						b->insn_cnt);
		}
	}
	obj->sym_func = malloc(sizeof(int) * (obj->sym_cnt ? obj->sym_cnt : 1));
	if (!obj->sym_func)
		return open_err(c, ENOMEM, "out of memory");
	for (__u32 k = 0; k < obj->sym_cnt; k++)
		obj->sym_func[k] = -1;
	for (i = 0; i < obj->func_cnt; i++)
		obj->sym_func[obj->funcs[i].sym_idx] = i;
	return 0;
}

struct bpfcancel_obj *
bpfcancel_obj__open_mem(const void *buf, size_t sz,
			const struct bpfcancel_open_opts *opts)
{
	struct bpfcancel_open_opts o = { 0 };
	struct bpfcancel_obj *obj;
	struct open_ctx c;
	int err;

	if (opts) {
		if (opts->sz < sizeof(size_t))
			return bc_errp(EINVAL);
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	}
	if (!buf && sz)
		return bc_errp(EINVAL);
	obj = calloc(1, sizeof(*obj));
	if (!obj)
		return bc_errp(ENOMEM);
	obj->name = strdup(o.name ? o.name : "<memory>");
	obj->buf = malloc(sz ? sz : 1);
	if (!obj->name || !obj->buf) {
		bpfcancel_obj__free(obj);
		return bc_errp(ENOMEM);
	}
	if (sz)
		memcpy(obj->buf, buf, sz);
	obj->sz = sz;
	c.obj = obj;
	c.errbuf = o.errbuf;
	c.errbuf_sz = o.errbuf_sz;
	err = parse_elf(&c);
	if (!err) {
		bc_parse_btf(obj);
		err = bc_collect_pairs(obj);
		if (err)
			open_err(&c, -err, "out of memory");
	}
	if (err) {
		bpfcancel_obj__free(obj);
		return bc_errp(-err);
	}
	return obj;
}

struct bpfcancel_obj *
bpfcancel_obj__open_file(const char *path,
			 const struct bpfcancel_open_opts *opts)
{
	struct bpfcancel_open_opts o = { 0 };
	struct bpfcancel_obj *obj;
	size_t cap = 65536, len = 0, n;
	char *data, *tmp;
	FILE *f;
	int err;

	if (opts) {
		if (opts->sz < sizeof(size_t))
			return bc_errp(EINVAL);
		memcpy(&o, opts, opts->sz < sizeof(o) ? opts->sz : sizeof(o));
	}
	o.sz = sizeof(o);
	if (!o.name)
		o.name = path;
	f = fopen(path, "rb");
	if (!f) {
		err = errno;
		if (o.errbuf && o.errbuf_sz)
			snprintf(o.errbuf, o.errbuf_sz, "bpfcancel: %s: %s",
				 path, strerror(err));
		return bc_errp(err);
	}
	data = malloc(cap);
	if (!data) {
		fclose(f);
		return bc_errp(ENOMEM);
	}
	while ((n = fread(data + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap) {
			if (cap > SIZE_MAX / 2) {
				free(data);
				fclose(f);
				return bc_errp(EFBIG);
			}
			tmp = realloc(data, cap * 2);
			if (!tmp) {
				free(data);
				fclose(f);
				return bc_errp(ENOMEM);
			}
			data = tmp;
			cap *= 2;
		}
	}
	err = ferror(f) ? EIO : 0;
	fclose(f);
	if (err) {
		free(data);
		if (o.errbuf && o.errbuf_sz)
			snprintf(o.errbuf, o.errbuf_sz,
				 "bpfcancel: %s: read error", path);
		return bc_errp(err);
	}
	obj = bpfcancel_obj__open_mem(data, len, &o);
	err = errno;
	free(data);
	if (!obj)
		errno = err;
	return obj;
}

void bpfcancel_obj__free(struct bpfcancel_obj *obj)
{
	int i;

	if (!obj)
		return;
	bc_free_pairs(obj);
	if (obj->secs)
		for (i = 0; i < obj->sec_cnt; i++)
			free(obj->secs[i].rels);
	if (obj->aligned)
		for (i = 0; i < obj->sec_cnt; i++)
			free(obj->aligned[i]);
	if (obj->sec_funcs)
		for (i = 0; i < obj->sec_cnt; i++)
			free(obj->sec_funcs[i]);
	free(obj->sec_funcs);
	free(obj->sec_func_cnt);
	free(obj->sym_func);
	free(obj->func_pair);
	free(obj->aligned);
	free(obj->secs);
	free(obj->syms);
	free(obj->funcs);
	free(obj->line_secs);
	free(obj->buf);
	free(obj->name);
	free(obj);
}

const char *bpfcancel_obj__name(const struct bpfcancel_obj *obj)
{
	return obj->name;
}

int bpfcancel_obj__sec_cnt(const struct bpfcancel_obj *obj)
{
	return obj->sec_cnt;
}

const char *bpfcancel_obj__sec_name(const struct bpfcancel_obj *obj,
				    int sec_idx)
{
	if (sec_idx < 0 || sec_idx >= obj->sec_cnt)
		return bc_errp(EINVAL);
	return obj->secs[sec_idx].name;
}

const void *bpfcancel_obj__sec_data(const struct bpfcancel_obj *obj,
				    int sec_idx, size_t *size)
{
	if (sec_idx < 0 || sec_idx >= obj->sec_cnt)
		return bc_errp(EINVAL);
	if (size)
		*size = obj->secs[sec_idx].data ? obj->secs[sec_idx].size : 0;
	return obj->secs[sec_idx].data;
}

int bpfcancel_obj__find_sec(const struct bpfcancel_obj *obj, const char *name)
{
	int i;

	for (i = 1; i < obj->sec_cnt; i++)
		if (!strcmp(obj->secs[i].name, name))
			return i;
	return bc_err(ENOENT);
}

int bpfcancel_obj__func_cnt(const struct bpfcancel_obj *obj)
{
	return obj->func_cnt;
}

const struct bpfcancel_func *
bpfcancel_obj__func(const struct bpfcancel_obj *obj, int idx)
{
	if (idx < 0 || idx >= obj->func_cnt)
		return bc_errp(EINVAL);
	return &obj->funcs[idx];
}

const struct bpfcancel_func *
bpfcancel_obj__find_func(const struct bpfcancel_obj *obj, const char *name)
{
	int i;

	for (i = 0; i < obj->func_cnt; i++)
		if (!strcmp(obj->funcs[i].name, name))
			return &obj->funcs[i];
	return bc_errp(ENOENT);
}

const struct bpfcancel_func *bc_func_at(const struct bpfcancel_obj *obj,
					int sec_idx, __u32 sec_insn)
{
	int lo = 0, hi, *v;

	if (sec_idx < 0 || sec_idx >= obj->sec_cnt)
		return NULL;
	v = obj->sec_funcs[sec_idx];
	hi = obj->sec_func_cnt[sec_idx];
	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (obj->funcs[v[mid]].insn_off < sec_insn)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < obj->sec_func_cnt[sec_idx] &&
	    obj->funcs[v[lo]].insn_off == sec_insn)
		return &obj->funcs[v[lo]];
	return NULL;
}

const struct bpfcancel_func *
bpfcancel_obj__func_at(const struct bpfcancel_obj *obj, int sec_idx,
		       __u32 sec_insn_idx)
{
	const struct bpfcancel_func *f = bc_func_at(obj, sec_idx, sec_insn_idx);

	return f ? f : bc_errp(ENOENT);
}

const struct bpfcancel_func *bc_func_of_sym(const struct bpfcancel_obj *obj,
					    __u32 sym_idx)
{
	if (!obj->sym_func || sym_idx >= obj->sym_cnt ||
	    obj->sym_func[sym_idx] < 0)
		return NULL;
	return &obj->funcs[obj->sym_func[sym_idx]];
}

const char *bpfcancel_func__name(const struct bpfcancel_func *func)
{
	return func->name;
}

int bpfcancel_func__idx(const struct bpfcancel_func *func)
{
	return func->idx;
}

int bpfcancel_func__sec_idx(const struct bpfcancel_func *func)
{
	return func->sec_idx;
}

const char *bpfcancel_func__sec_name(const struct bpfcancel_func *func)
{
	return func->obj->secs[func->sec_idx].name;
}

__u32 bpfcancel_func__insn_off(const struct bpfcancel_func *func)
{
	return func->insn_off;
}

__u32 bpfcancel_func__insn_cnt(const struct bpfcancel_func *func)
{
	return func->insn_cnt;
}

bool bpfcancel_func__is_global(const struct bpfcancel_func *func)
{
	return func->global;
}

const struct bpf_insn *bpfcancel_func__insns(const struct bpfcancel_func *func)
{
	return func->insns;
}

const struct bc_rel *bc_find_rel(const struct bpfcancel_obj *obj, int sec_idx,
				 __u64 off)
{
	const struct bc_sec *s;
	__u32 lo = 0, hi;

	if (sec_idx < 0 || sec_idx >= obj->sec_cnt)
		return NULL;
	s = &obj->secs[sec_idx];
	hi = s->rel_cnt;
	while (lo < hi) {
		__u32 mid = lo + (hi - lo) / 2;

		if (s->rels[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->rel_cnt && s->rels[lo].off == off)
		return &s->rels[lo];
	return NULL;
}

const char *bc_sym_sec_name(const struct bpfcancel_obj *obj,
			    const struct bc_sym *sym)
{
	if (sym->shndx == SHN_UNDEF || sym->shndx >= SHN_LORESERVE ||
	    sym->shndx >= obj->sec_cnt)
		return NULL;
	return obj->secs[sym->shndx].name;
}

int bc_fill_reloc(const struct bpfcancel_obj *obj, const struct bc_rel *r,
		  struct bpfcancel_reloc *out)
{
	const struct bc_sym *y = &obj->syms[r->sym];

	out->type = r->type;
	out->sym_idx = r->sym;
	out->sym_name = y->name;
	out->sym_type = y->type;
	out->sym_bind = y->bind;
	out->sym_sec_idx = y->shndx;
	out->sym_sec_name = bc_sym_sec_name(obj, y);
	out->sym_value = y->value;
	out->r_offset = r->off;
	return 0;
}

int bpfcancel_obj__insn_reloc(const struct bpfcancel_obj *obj, int sec_idx,
			      __u32 sec_insn_idx,
			      struct bpfcancel_reloc *reloc)
{
	const struct bc_rel *r;

	r = bc_find_rel(obj, sec_idx, (__u64)sec_insn_idx * BC_INSN_SZ);
	if (!r)
		return bc_err(ENOENT);
	return bc_fill_reloc(obj, r, reloc);
}

int bpfcancel_func__insn_reloc(const struct bpfcancel_obj *obj,
			       const struct bpfcancel_func *func,
			       __u32 insn_idx, struct bpfcancel_reloc *reloc)
{
	if (insn_idx >= func->insn_cnt)
		return bc_err(EINVAL);
	return bpfcancel_obj__insn_reloc(obj, func->sec_idx,
					 func->insn_off + insn_idx, reloc);
}
