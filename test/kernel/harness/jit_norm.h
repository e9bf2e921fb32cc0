/* SPDX-License-Identifier: GPL-2.0 */
/*
 * jit_norm.h - read a JITed BPF image back and normalise the immediates that
 * differ between two loads of the same program, so that two images can be
 * compared byte for byte (the kernel patch uses it to prove that hot images
 * are untouched by cancellation support).
 *
 * What differs between loads, and how it is rewritten:
 *   x86-64: call/jmp/jcc rel32 and rel8 whose target lies outside the
 *           function: replaced by the absolute target, or by "function k +
 *           offset" when the target is in another function of the program;
 *           movabs imm64 holding a kernel address: kept when it is kernel
 *           text (_stext.._etext from /proc/kallsyms: same in every load),
 *           "function k + offset" when inside the program, else masked
 *           (maps, progs, arena: different objects in each load).
 *   arm64:  movz/movn + movk sequences building a kernel address (>= 0xff00..., maps,
 *           helpers, subprog entries): collapsed to one marker holding
 *           "function k + offset" when the address is inside the program,
 *           the address itself when it is kernel text (helpers: same in
 *           every load) and 0 otherwise (maps, data: masked);
 *           b/bl with imm26: absolute target or "function k + offset";
 *           the NOP that aligns the PLT (its presence follows the length
 *           of the mov sequences before it): dropped.
 * Instruction lengths are decoded (x86: a length decoder for the one- and
 * two-byte opcodes the JIT emits); an opcode the decoder does not know makes
 * normalisation fail with the offset, rather than guess.
 */
#ifndef JIT_NORM_H
#define JIT_NORM_H

#include <stddef.h>
#include <linux/types.h>

enum jit_arch { JIT_X86_64, JIT_ARM64 };

#ifdef __x86_64__
#define JIT_HOST_ARCH JIT_X86_64
#elif defined(__aarch64__)
#define JIT_HOST_ARCH JIT_ARM64
#endif

#define JIT_MAX_FUNCS 64

struct jit_image {
	__u8 *insns;            /* all functions, concatenated */
	__u32 len;
	__u32 nfuncs;
	__u64 addr[JIT_MAX_FUNCS]; /* kernel address of each function */
	__u32 flen[JIT_MAX_FUNCS]; /* its length in insns[] */
};

struct jit_norm {
	__u8 *buf;              /* normalised stream */
	size_t len;
	unsigned int masked;    /* immediates rewritten */
	char err[256];          /* why normalisation failed */
};

/* Fetch the JITed image of prog_fd (BPF_OBJ_GET_INFO_BY_FD twice). 0 or -errno. */
int jit_image_get(int prog_fd, struct jit_image *img);
void jit_image_free(struct jit_image *img);

/* Normalise img for arch. 0 on success, -1 with n->err set otherwise. */
int jit_normalise(enum jit_arch arch, const struct jit_image *img, struct jit_norm *n);
void jit_norm_free(struct jit_norm *n);

/*
 * Compare two normalised images. Returns -1 when equal, else the first
 * differing offset in the normalised streams; describe() writes a short
 * hex context of both around it.
 */
long jit_norm_cmp(const struct jit_norm *a, const struct jit_norm *b);
void jit_norm_describe(const struct jit_norm *a, const struct jit_norm *b, long off,
		       char *out, size_t outlen);

/* x86-64 instruction length at p (max bytes left), or -1 if unknown. */
int jit_x86_insn_len(const __u8 *p, size_t max, int *opc_off, int *imm_off, int *imm_size);

#endif
