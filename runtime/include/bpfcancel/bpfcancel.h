/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * bpfcancel.h - user-space object layer of the bpfcancel runtime.
 *
 * Reads a BPF ELF object (ELF64, little-endian, EM_BPF) from untrusted
 * bytes, exposes its functions, relocations and BTF.ext line info, parses
 * the substitution policy, classifies cancellation sites, analyses loops
 * and checks the ".BPF.cancel" section and every hot/cold pair in it.
 *
 * Conventions (libbpf style):
 *   - objects are opaque; public functions are named <object>__<verb>();
 *   - functions returning int return 0 (or a count) on success and a
 *     negative errno on failure, with errno set to the positive value;
 *   - functions returning a pointer return NULL on failure with errno set;
 *   - option structs start with "size_t sz" (use BPFCANCEL_OPTS());
 *   - no global state, no exit()/abort(): all functions are thread-safe
 *     as long as one object is not freed while another thread uses it.
 *     Objects and policies are immutable after creation and may be shared
 *     between threads.
 *   - messages have the form
 *     "bpfcancel: <file>: section '<sec>', function '<func>', insn <n>: ..."
 *
 * Instruction indexes are in 8-byte BPF instruction slots (an ld_imm64
 * counts 2). Unless stated otherwise, an "insn_idx" is relative to the
 * first instruction of the function it is passed with.
 */
#ifndef __BPFCANCEL_BPFCANCEL_H
#define __BPFCANCEL_BPFCANCEL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include <linux/bpf.h>
#include "../uapi/linux/bpf_cancel.h"

#ifdef __cplusplus
extern "C" {
#endif

#define BPFCANCEL_VERSION_STR	"0.1.0"

/* Declare an option struct with its sz field set, other fields zero. */
#define BPFCANCEL_OPTS(TYPE, NAME, ...)					\
	struct TYPE NAME = { .sz = sizeof(struct TYPE), __VA_ARGS__ }

struct bpfcancel_obj;
struct bpfcancel_func;
struct bpfcancel_policy;

/* ------------------------------------------------------------------ */
/* Objects                                                            */
/* ------------------------------------------------------------------ */

struct bpfcancel_open_opts {
	size_t sz;		/* sizeof(struct bpfcancel_open_opts) */
	/* name used in messages; default: the path, or "<memory>" */
	const char *name;
	/* if non-NULL, receives a one-line message when opening fails */
	char *errbuf;
	size_t errbuf_sz;
};
#define bpfcancel_open_opts__last_field errbuf_sz

/*
 * Parse an ELF object held in memory. The bytes are COPIED: the caller may
 * free or reuse buf as soon as this returns. Only the ELF container must be
 * sound for this to succeed (header, section table, symbol table, string
 * tables, relocation sections of executable sections); problems in
 * ".BPF.cancel", ".BTF" or ".BTF.ext" do not fail the open: they are
 * reported by bpfcancel_obj__check() (and missing line info by -ENOENT).
 * On failure returns NULL, sets errno and writes a message to opts->errbuf.
 */
struct bpfcancel_obj *
bpfcancel_obj__open_mem(const void *buf, size_t sz,
			const struct bpfcancel_open_opts *opts);
/* Same, reading the whole file at path. */
struct bpfcancel_obj *
bpfcancel_obj__open_file(const char *path,
			 const struct bpfcancel_open_opts *opts);
void bpfcancel_obj__free(struct bpfcancel_obj *obj);

const char *bpfcancel_obj__name(const struct bpfcancel_obj *obj);

/* Sections, by ELF section index (0 .. sec_cnt-1; index 0 is the null
 * section). sec_name returns NULL for an out-of-range index.
 */
int bpfcancel_obj__sec_cnt(const struct bpfcancel_obj *obj);
const char *bpfcancel_obj__sec_name(const struct bpfcancel_obj *obj,
				    int sec_idx);
/* Raw contents of a section (NULL for SHT_NOBITS/out of range). */
const void *bpfcancel_obj__sec_data(const struct bpfcancel_obj *obj,
				    int sec_idx, size_t *size);
/* Index of the first section with that name, or -ENOENT. */
int bpfcancel_obj__find_sec(const struct bpfcancel_obj *obj, const char *name);

/*
 * Functions: STT_FUNC symbols defined in SHF_EXECINSTR sections, in symbol
 * table order. Pointers stay valid until bpfcancel_obj__free().
 */
int bpfcancel_obj__func_cnt(const struct bpfcancel_obj *obj);
const struct bpfcancel_func *
bpfcancel_obj__func(const struct bpfcancel_obj *obj, int idx);
/* First function with that name, NULL (errno ENOENT) if none. */
const struct bpfcancel_func *
bpfcancel_obj__find_func(const struct bpfcancel_obj *obj, const char *name);
/* The function that starts at insn_idx of section sec_idx, or NULL. */
const struct bpfcancel_func *
bpfcancel_obj__func_at(const struct bpfcancel_obj *obj, int sec_idx,
		       __u32 sec_insn_idx);

const char *bpfcancel_func__name(const struct bpfcancel_func *func);
int bpfcancel_func__idx(const struct bpfcancel_func *func);
int bpfcancel_func__sec_idx(const struct bpfcancel_func *func);
const char *bpfcancel_func__sec_name(const struct bpfcancel_func *func);
/* first instruction, as an index into the section */
__u32 bpfcancel_func__insn_off(const struct bpfcancel_func *func);
/* st_size / 8 */
__u32 bpfcancel_func__insn_cnt(const struct bpfcancel_func *func);
/* STB_GLOBAL or STB_WEAK */
bool bpfcancel_func__is_global(const struct bpfcancel_func *func);
/* The instructions (little-endian, as in the object), in an 8-byte
 * aligned copy owned by the object; may be NULL when insn_cnt is 0.
 */
const struct bpf_insn *bpfcancel_func__insns(const struct bpfcancel_func *func);

/* One relocation (SHT_REL entry) applying to an instruction. */
struct bpfcancel_reloc {
	__u32 type;		/* R_BPF_* (ELF64_R_TYPE) */
	__u32 sym_idx;		/* symbol table index */
	const char *sym_name;	/* "" for unnamed symbols */
	int sym_type;		/* STT_* */
	int sym_bind;		/* STB_* */
	int sym_sec_idx;	/* st_shndx: 0 (SHN_UNDEF) for externs */
	const char *sym_sec_name; /* NULL if undefined/special */
	__u64 sym_value;	/* st_value */
	__u64 r_offset;		/* byte offset in the section */
};

/*
 * The relocation whose r_offset is the first byte of instruction
 * sec_insn_idx of section sec_idx (an index into the SECTION, not the
 * function). Returns 0 and fills *reloc, -ENOENT if there is none.
 */
int bpfcancel_obj__insn_reloc(const struct bpfcancel_obj *obj, int sec_idx,
			      __u32 sec_insn_idx,
			      struct bpfcancel_reloc *reloc);
/* Same, with an index relative to the function. */
int bpfcancel_func__insn_reloc(const struct bpfcancel_obj *obj,
			       const struct bpfcancel_func *func,
			       __u32 insn_idx, struct bpfcancel_reloc *reloc);

/*
 * Source position of instruction insn_idx of func from .BTF.ext line info
 * (the last line record at or before the instruction, within the
 * function). *file points into the object's BTF string table.
 * Returns -ENOENT without line info (no -g) or before the first record.
 */
int bpfcancel_obj__line(const struct bpfcancel_obj *obj,
			const struct bpfcancel_func *func, __u32 insn_idx,
			const char **file, __u32 *line, __u32 *col);

/* ------------------------------------------------------------------ */
/* Substitution policy                                                */
/* ------------------------------------------------------------------ */

/*
 * Policy files (grammar in docs/format.md):
 *
 *   bpfcancel-policy 1
 *   kernel <free text>
 *   helper <id> <name> <ret-null|callback|tail-call> <imm>
 *   kfunc <name> <ret-null|iter-next> <imm>
 *   deny helper <id> <name> <reason-word>
 *   deny kfunc <name> <reason-word>
 *
 * name is used in messages ("<name>:<line>: ..."); errbuf (may be NULL)
 * receives the first error. The text is copied.
 */
struct bpfcancel_policy *
bpfcancel_policy__parse(const char *text, size_t len, const char *name,
			char *errbuf, size_t errbuf_sz);
struct bpfcancel_policy *
bpfcancel_policy__load_file(const char *path, char *errbuf, size_t errbuf_sz);
/* The built-in policy (runtime/policy/linux-6.12.policy, embedded at
 * build time). Each call returns a new policy to be freed by the caller.
 */
struct bpfcancel_policy *bpfcancel_policy__default(void);
void bpfcancel_policy__free(struct bpfcancel_policy *policy);

/* the "kernel" line's text ("" if absent) */
const char *bpfcancel_policy__kernel(const struct bpfcancel_policy *policy);

struct bpfcancel_policy_entry {
	const char *name;	/* helper or kfunc name */
	__u32 helper_id;	/* helpers only */
	bool denied;		/* a "deny" line */
	int kind;		/* enum bpf_cancel_site_kind; 0 if denied */
	__s32 imm;		/* fast value; 0 for tail-call */
	const char *reason;	/* deny reason word, NULL if not denied */
};

/* 0 and *entry filled, or -ENOENT when the policy does not list it. */
int bpfcancel_policy__helper(const struct bpfcancel_policy *policy,
			     __u32 helper_id,
			     struct bpfcancel_policy_entry *entry);
int bpfcancel_policy__kfunc(const struct bpfcancel_policy *policy,
			    const char *name,
			    struct bpfcancel_policy_entry *entry);

/* ------------------------------------------------------------------ */
/* Site classification and per-function analysis                       */
/* ------------------------------------------------------------------ */

enum bpfcancel_class {
	BPFCANCEL_CLASS_NONE = 0,	/* not a call / may_goto */
	BPFCANCEL_CLASS_SITE,		/* a site: kind and imm filled */
	BPFCANCEL_CLASS_DENIED,		/* the policy denies the callee */
	BPFCANCEL_CLASS_UNLISTED,	/* call the policy does not list */
	BPFCANCEL_CLASS_BPF2BPF,	/* call to a BPF function */
};

struct bpfcancel_site_class {
	int cls;		/* enum bpfcancel_class */
	int kind;		/* enum bpf_cancel_site_kind, CLASS_SITE only */
	__s32 imm;		/* fast value, CLASS_SITE only */
	/* callee helper/kfunc name ("" if unknown), NULL for may_goto/none */
	const char *callee;
	__u32 helper_id;	/* helper calls */
	const char *reason;	/* CLASS_DENIED: the policy's reason word */
};

/*
 * Whether hot instruction insn_idx of func is a cancellation-site
 * candidate under policy:
 *   helper call (src_reg 0): the policy's helper entry for imm
 *     (call 12, bpf_tail_call, is TAIL_CALL even if the policy omits it);
 *   kfunc call (src_reg BPF_PSEUDO_KFUNC_CALL): the policy's kfunc entry
 *     for the callee named by the instruction's relocation;
 *   may_goto (BPF_JMP|BPF_JCOND, src_reg 0): MAY_GOTO, imm 0.
 * Returns the class (>= 0) and fills *out, or a negative errno (-EINVAL
 * for a bad index).
 */
int bpfcancel_func__classify(const struct bpfcancel_obj *obj,
			     const struct bpfcancel_func *func, __u32 insn_idx,
			     const struct bpfcancel_policy *policy,
			     struct bpfcancel_site_class *out);

enum bpfcancel_long {
	BPFCANCEL_LONG_NONE = 0,
	BPFCANCEL_LONG_LOOP,		/* a cycle: the jump that closes it */
	BPFCANCEL_LONG_MAY_GOTO,	/* a may_goto */
	BPFCANCEL_LONG_ITER_NEXT,	/* a call to a KF_ITER_NEXT kfunc */
	BPFCANCEL_LONG_CALLBACK,	/* a call to a callback-running helper */
};

/*
 * Whether func can run long by itself (not counting its callees).
 * Returns an enum bpfcancel_long (the first reason in instruction order)
 * and, if insn_idx is non-NULL, the instruction that shows it; or a
 * negative errno.
 */
int bpfcancel_func__long_reason(const struct bpfcancel_obj *obj,
				const struct bpfcancel_func *func,
				const struct bpfcancel_policy *policy,
				__u32 *insn_idx);

/*
 * Functions func refers to: bpf2bpf call targets (call src_reg
 * BPF_PSEUDO_CALL) and function pointers (ld_imm64 src_reg
 * BPF_PSEUDO_FUNC, e.g. bpf_loop callbacks, which run inside the same
 * invocation), resolved through relocations or the pc-relative imm as
 * libbpf does. Each callee is listed once. Writes up to cap pointers and
 * returns the total number (which may exceed cap), or a negative errno
 * (-ENOENT: a target that is not the start of a function).
 */
int bpfcancel_func__callees(const struct bpfcancel_obj *obj,
			    const struct bpfcancel_func *func,
			    const struct bpfcancel_func **callees, size_t cap);

/* A natural loop: a retreating edge back_edge -> header of the hot CFG. */
struct bpfcancel_loop {
	__u32 header;		/* insn index of the loop header */
	__u32 back_edge;	/* insn index of the jump closing the loop */
	bool cut;		/* the twin's folded CFG leaves the loop */
};

/*
 * Loop analysis of raw instructions (any function, or a hand-assembled
 * array): finds natural loops (one per header), then builds the twin (every
 * site applied with bpf_cancel_cold_insn()), folds conditional jumps whose
 * operands are known constants in straight-line code of a basic block
 * (rX = imm, site results r0 = imm, rY = rX copies; 32/64-bit compares),
 * and marks a loop "cut" when its header can no longer reach itself.
 * Sites must be valid (see bpf_cancel_check_sites()). Writes up to cap
 * loops, returns the total count or a negative errno.
 */
int bpfcancel_insns__loops(const struct bpf_insn *insns, __u32 insn_cnt,
			   const struct bpf_cancel_site *sites, __u32 site_cnt,
			   struct bpfcancel_loop *loops, size_t cap);
/* Number of loops a twin cannot cut short (the uncut_loops field). */
int bpfcancel_insns__uncut_loops(const struct bpf_insn *insns,
				 __u32 insn_cnt,
				 const struct bpf_cancel_site *sites,
				 __u32 site_cnt);

/*
 * The sites a twin of func would have under policy: every instruction
 * classified BPFCANCEL_CLASS_SITE, in order. Writes up to cap records and
 * returns the total count, or a negative errno.
 */
int bpfcancel_func__sites(const struct bpfcancel_obj *obj,
			  const struct bpfcancel_func *func,
			  const struct bpfcancel_policy *policy,
			  struct bpf_cancel_site *sites, size_t cap);

/* ------------------------------------------------------------------ */
/* .BPF.cancel pairs, whole-object check, hot comparison                */
/* ------------------------------------------------------------------ */

/* A func record of .BPF.cancel whose references resolved to functions. */
struct bpfcancel_pair {
	const struct bpfcancel_func *hot;
	const struct bpfcancel_func *cold;
	__u32 block;		/* block index in the section */
	__u32 rec;		/* record index in the block */
	__u32 insn_cnt;
	__u32 uncut_loops;
	__u32 site_cnt;
	/* site records, converted to this reader's layout */
	const struct bpf_cancel_site *sites;
};

/* Pairs found when the object was opened (records whose hot and cold
 * references resolve; bpfcancel_obj__check() says what is wrong with
 * the others).
 */
int bpfcancel_obj__pair_cnt(const struct bpfcancel_obj *obj);
int bpfcancel_obj__pair(const struct bpfcancel_obj *obj, int idx,
			struct bpfcancel_pair *pair);
/* The pair whose hot (or cold) function is func, or -ENOENT. */
int bpfcancel_obj__func_pair(const struct bpfcancel_obj *obj,
			     const struct bpfcancel_func *func,
			     struct bpfcancel_pair *pair);

struct bpfcancel_problem {
	int code;		/* enum bpf_cancel_err (bpfcancel/core.h) */
	const char *sec;	/* section name, NULL if none */
	const char *func;	/* function name, NULL if none */
	__s64 insn;		/* insn index in func, -1 if none */
	const char *msg;	/* complete message, "bpfcancel: <file>: ..." */
};

typedef void (*bpfcancel_report_fn)(void *ctx,
				    const struct bpfcancel_problem *problem);

/*
 * Check the whole object (see docs/format.md, "What a reader checks"):
 * every block and record of .BPF.cancel, the relocations of the records,
 * each hot/cold pair with bpf_cancel_check_pair() under policy (NULL: the
 * default policy), relocation equality of hot and twin, and uncut_loops.
 * Calls report (may be NULL) once per problem and keeps going.
 * Returns the number of problems (0: valid), or a negative errno when the
 * check itself could not run (-ENOMEM).
 */
int bpfcancel_obj__check(const struct bpfcancel_obj *obj,
			 const struct bpfcancel_policy *policy,
			 bpfcancel_report_fn report, void *ctx);

struct bpfcancel_check_opts {
	size_t sz;		/* sizeof(struct bpfcancel_check_opts) */
	/*
	 * Strict twin calls (off by default; the compiler's self-check turns
	 * it on): a twin's bpf2bpf call whose hot target has a twin must go
	 * to that twin; going to the hot target is a twin-calls-hot problem.
	 * Callback addresses (ld_imm64 BPF_PSEUDO_FUNC) stay hot by design
	 * and are never flagged. The default accepts both call targets.
	 */
	bool strict_twin_calls;
};
#define bpfcancel_check_opts__last_field strict_twin_calls

/* bpfcancel_obj__check() with options; opts may be NULL (defaults). */
int bpfcancel_obj__check_opts(const struct bpfcancel_obj *obj,
			      const struct bpfcancel_policy *policy,
			      bpfcancel_report_fn report, void *ctx,
			      const struct bpfcancel_check_opts *opts);

/*
 * Check that every function of plain exists in flagged with byte-identical
 * instructions and identical relocations (symbol name, type and offset
 * relative to the function). Returns the number of problems.
 */
int bpfcancel_obj__cmp_hot(const struct bpfcancel_obj *plain,
			   const struct bpfcancel_obj *flagged,
			   bpfcancel_report_fn report, void *ctx);

/* Human-readable names */
const char *bpfcancel_site_kind_str(int kind);	/* "ret-null", ... */
const char *bpfcancel_long_str(int reason);	/* "loop", ... */

#ifdef __cplusplus
}
#endif

#endif /* __BPFCANCEL_BPFCANCEL_H */
