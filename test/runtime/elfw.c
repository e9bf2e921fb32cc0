// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* elfw.c - test-only ELF64 EM_BPF object writer (see elfw.h). */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "elfw.h"

void elfw_init(struct elfw *w)
{
	memset(w, 0, sizeof(*w));
	w->nsecs = 1;	/* SHN_UNDEF */
	w->nsyms = 1;	/* null symbol */
}

void elfw_fini(struct elfw *w)
{
	for (int i = 0; i < w->nsecs; i++)
		free(w->secs[i].data);
}

int elfw_add_sec(struct elfw *w, const char *name, __u32 type, __u64 flags)
{
	struct elfw_sec *s = &w->secs[w->nsecs];

	if (w->nsecs >= ELFW_MAX_SECS - 4)
		abort();
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->type = type;
	s->flags = flags;
	return w->nsecs++;
}

size_t elfw_append(struct elfw *w, int sec, const void *data, size_t len)
{
	struct elfw_sec *s = &w->secs[sec];
	size_t off = s->len;

	s->data = realloc(s->data, s->len + len + 1);
	if (!s->data)
		abort();
	memcpy(s->data + s->len, data, len);
	s->len += len;
	return off;
}

int elfw_add_sym(struct elfw *w, const char *name, int sec, __u64 value,
		 __u64 size, int type, int bind)
{
	struct elfw_sym *y = &w->syms[w->nsyms];

	if (w->nsyms >= ELFW_MAX_SYMS)
		abort();
	snprintf(y->name, sizeof(y->name), "%s", name);
	y->sec = sec;
	y->value = value;
	y->size = size;
	y->type = (__u8)type;
	y->bind = (__u8)bind;
	return w->nsyms++;
}

void elfw_add_rel(struct elfw *w, int sec, __u64 off, __u32 type, int sym)
{
	struct elfw_sec *s = &w->secs[sec];

	if (s->nrels >= ELFW_MAX_RELS)
		abort();
	s->rels[s->nrels].off = off;
	s->rels[s->nrels].type = type;
	s->rels[s->nrels].sym = (__u32)sym;
	s->nrels++;
}

struct buf {
	__u8 *p;
	size_t len;
};

static size_t put(struct buf *b, const void *d, size_t len, size_t align)
{
	size_t off;

	while (align > 1 && b->len % align)
		b->len++, b->p = realloc(b->p, b->len), b->p[b->len - 1] = 0;
	off = b->len;
	b->p = realloc(b->p, b->len + len + 1);
	if (!b->p)
		abort();
	if (len)
		memcpy(b->p + b->len, d, len);
	b->len += len;
	return off;
}

static size_t strtab_add(struct buf *t, const char *s)
{
	return put(t, s, strlen(s) + 1, 1);
}

size_t elfw_write(struct elfw *w, __u8 **out)
{
	Elf64_Shdr sh[ELFW_MAX_SECS * 2 + 4];
	struct buf f = { 0 }, shstr = { 0 }, str = { 0 };
	Elf64_Ehdr eh;
	int nsh = w->nsecs, symtab, strtab, shstrtab, i;
	size_t symoff;

	memset(sh, 0, sizeof(sh));
	memset(&eh, 0, sizeof(eh));
	put(&f, &eh, sizeof(eh), 1);
	strtab_add(&shstr, "");
	strtab_add(&str, "");

	for (i = 1; i < w->nsecs; i++) {
		struct elfw_sec *s = &w->secs[i];

		sh[i].sh_name = (Elf64_Word)strtab_add(&shstr, s->name);
		sh[i].sh_type = s->type;
		sh[i].sh_flags = s->flags;
		sh[i].sh_addralign = 8;
		sh[i].sh_size = s->len;
		w->file_off[i] = put(&f, s->data, s->len, 8);
		sh[i].sh_offset = w->file_off[i];
	}
	symtab = nsh;
	strtab = nsh + 1;
	shstrtab = nsh + 2;
	nsh += 3;
	/* relocation sections */
	for (i = 1; i < w->nsecs; i++) {
		struct elfw_sec *s = &w->secs[i];
		char name[80];
		int r;

		if (!s->nrels)
			continue;
		r = nsh++;
		snprintf(name, sizeof(name), ".rel%s", s->name);
		sh[r].sh_name = (Elf64_Word)strtab_add(&shstr, name);
		sh[r].sh_type = SHT_REL;
		sh[r].sh_link = (Elf64_Word)symtab;
		sh[r].sh_info = (Elf64_Word)i;
		sh[r].sh_entsize = sizeof(Elf64_Rel);
		sh[r].sh_addralign = 8;
		sh[r].sh_size = sizeof(Elf64_Rel) * (size_t)s->nrels;
		sh[r].sh_offset = put(&f, NULL, 0, 8);
		for (int k = 0; k < s->nrels; k++) {
			Elf64_Rel rel = {
				.r_offset = s->rels[k].off,
				.r_info = ELF64_R_INFO(s->rels[k].sym,
						       s->rels[k].type),
			};
			put(&f, &rel, sizeof(rel), 1);
		}
	}
	/* symbols */
	symoff = put(&f, NULL, 0, 8);
	for (i = 0; i < w->nsyms; i++) {
		struct elfw_sym *y = &w->syms[i];
		Elf64_Sym es;

		memset(&es, 0, sizeof(es));
		if (i) {
			es.st_name = y->name[0] ?
				     (Elf64_Word)strtab_add(&str, y->name) : 0;
			es.st_info = ELF64_ST_INFO(y->bind, y->type);
			es.st_shndx = (Elf64_Section)y->sec;
			es.st_value = y->value;
			es.st_size = y->size;
		}
		put(&f, &es, sizeof(es), 1);
	}
	sh[symtab].sh_name = (Elf64_Word)strtab_add(&shstr, ".symtab");
	sh[symtab].sh_type = SHT_SYMTAB;
	sh[symtab].sh_link = (Elf64_Word)strtab;
	sh[symtab].sh_info = (Elf64_Word)w->nsyms;
	sh[symtab].sh_entsize = sizeof(Elf64_Sym);
	sh[symtab].sh_offset = symoff;
	sh[symtab].sh_size = sizeof(Elf64_Sym) * (size_t)w->nsyms;
	sh[symtab].sh_addralign = 8;
	sh[strtab].sh_name = (Elf64_Word)strtab_add(&shstr, ".strtab");
	sh[strtab].sh_type = SHT_STRTAB;
	sh[strtab].sh_offset = put(&f, str.p, str.len, 1);
	sh[strtab].sh_size = str.len;
	sh[shstrtab].sh_name = (Elf64_Word)strtab_add(&shstr, ".shstrtab");
	sh[shstrtab].sh_type = SHT_STRTAB;
	sh[shstrtab].sh_offset = put(&f, shstr.p, shstr.len, 1);
	sh[shstrtab].sh_size = shstr.len;

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_REL;
	eh.e_machine = 247;
	eh.e_version = EV_CURRENT;
	eh.e_ehsize = sizeof(eh);
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = (Elf64_Half)nsh;
	eh.e_shstrndx = (Elf64_Half)shstrtab;
	eh.e_shoff = put(&f, sh, sizeof(Elf64_Shdr) * (size_t)nsh, 8);
	memcpy(f.p, &eh, sizeof(eh));
	free(str.p);
	free(shstr.p);
	*out = f.p;
	return f.len;
}
