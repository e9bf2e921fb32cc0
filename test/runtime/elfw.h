/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * elfw.h - a test-only writer of ELF64 little-endian EM_BPF relocatable
 * objects, so the runtime tests can build valid and corrupted objects
 * from instruction arrays without the compiler plugin.
 */
#ifndef __BPFCANCEL_ELFW_H
#define __BPFCANCEL_ELFW_H

#include <stddef.h>
#include <linux/types.h>

#define ELFW_MAX_SECS	24
#define ELFW_MAX_SYMS	64
#define ELFW_MAX_RELS	64

struct elfw_rel {
	__u64 off;
	__u32 type;
	__u32 sym;
};

struct elfw_sec {
	char name[64];
	__u32 type;
	__u64 flags;
	__u8 *data;
	size_t len;
	struct elfw_rel rels[ELFW_MAX_RELS];
	int nrels;
};

struct elfw_sym {
	char name[64];
	int sec;
	__u64 value;
	__u64 size;
	__u8 type;
	__u8 bind;
};

struct elfw {
	struct elfw_sec secs[ELFW_MAX_SECS];
	int nsecs;
	struct elfw_sym syms[ELFW_MAX_SYMS];
	int nsyms;
	/* after elfw_write(): file offset of each section's data */
	__u64 file_off[ELFW_MAX_SECS];
};

void elfw_init(struct elfw *w);
void elfw_fini(struct elfw *w);
int elfw_add_sec(struct elfw *w, const char *name, __u32 type, __u64 flags);
/* append bytes to a section, return the offset they were put at */
size_t elfw_append(struct elfw *w, int sec, const void *data, size_t len);
int elfw_add_sym(struct elfw *w, const char *name, int sec, __u64 value,
		 __u64 size, int type, int bind);
void elfw_add_rel(struct elfw *w, int sec, __u64 off, __u32 type, int sym);
/* serialise; *out is malloc()ed */
size_t elfw_write(struct elfw *w, __u8 **out);

#endif
