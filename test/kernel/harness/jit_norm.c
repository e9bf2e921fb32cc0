// SPDX-License-Identifier: GPL-2.0
/* jit_norm.c - JIT image read-back and normalisation (see jit_norm.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <bpf/bpf.h>
#include "jit_norm.h"

int jit_image_get(int prog_fd, struct jit_image *img)
{
	struct bpf_prog_info info = {};
	__u32 info_len = sizeof(info), nf;
	int err;

	memset(img, 0, sizeof(*img));
	err = bpf_prog_get_info_by_fd(prog_fd, &info, &info_len);
	if (err)
		return err;
	if (!info.jited_prog_len)
		return -ENODATA;
	nf = info.nr_jited_ksyms;
	if (nf == 0 || nf > JIT_MAX_FUNCS || info.nr_jited_func_lens != nf)
		return -E2BIG;
	img->len = info.jited_prog_len;
	img->nfuncs = nf;
	img->insns = calloc(1, img->len);
	if (!img->insns)
		return -ENOMEM;
	memset(&info, 0, sizeof(info));
	info.jited_prog_len = img->len;
	info.jited_prog_insns = (__u64)(unsigned long)img->insns;
	info.nr_jited_ksyms = nf;
	info.jited_ksyms = (__u64)(unsigned long)img->addr;
	info.nr_jited_func_lens = nf;
	info.jited_func_lens = (__u64)(unsigned long)img->flen;
	info_len = sizeof(info);
	err = bpf_prog_get_info_by_fd(prog_fd, &info, &info_len);
	if (err) {
		jit_image_free(img);
		return err;
	}
	return 0;
}

void jit_image_free(struct jit_image *img)
{
	free(img->insns);
	img->insns = NULL;
}

void jit_norm_free(struct jit_norm *n)
{
	free(n->buf);
	n->buf = NULL;
}

/*
 * Lowest value taken for a kernel address: x86 5-level paging starts its
 * kernel half at 0xff00..., arm64 with 52-bit VAs (the tinyconfig default)
 * its linear map at 0xfff0...; a program's own 64-bit constants never differ
 * between two loads, so treating such a value as an address is safe.
 */
#define KADDR_MIN 0xff00000000000000ULL

/* kernel text range, from /proc/kallsyms; 0/0 if unknown (then: mask) */
static __u64 ktext_lo, ktext_hi;
static int ktext_loaded;

static void load_ktext(void)
{
	char line[256], name[128], t;
	unsigned long long a;
	FILE *f;

	if (ktext_loaded)
		return;
	ktext_loaded = 1;
	f = fopen("/proc/kallsyms", "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %127s", &a, &t, name) != 3)
			continue;
		if (!strcmp(name, "_stext"))
			ktext_lo = a;
		else if (!strcmp(name, "_etext"))
			ktext_hi = a;
	}
	fclose(f);
	if (ktext_lo >= ktext_hi)
		ktext_lo = ktext_hi = 0;
}

struct out {
	struct jit_norm *n;
	size_t cap;
};

static int put(struct out *o, const void *p, size_t len)
{
	if (o->n->len + len > o->cap) {
		size_t cap = (o->cap + len) * 2;
		__u8 *b = realloc(o->n->buf, cap);

		if (!b)
			return -1;
		o->n->buf = b;
		o->cap = cap;
	}
	memcpy(o->n->buf + o->n->len, p, len);
	o->n->len += len;
	return 0;
}

/* a token standing for an address: tag byte + 8-byte value */
enum { TOK_FUNC = 0xf1, TOK_KTEXT = 0xf2, TOK_MASKED = 0xf3 };

static int put_addr(struct out *o, const struct jit_image *img, __u64 target, bool data)
{
	__u8 tok[9];
	__u64 v = 0;
	__u32 i;

	tok[0] = TOK_MASKED;
	for (i = 0; i < img->nfuncs; i++) {
		if (target >= img->addr[i] && target < img->addr[i] + img->flen[i]) {
			tok[0] = TOK_FUNC;
			v = ((__u64)i << 32) | (target - img->addr[i]);
			goto out;
		}
	}
	load_ktext();
	if (target >= ktext_lo && target < ktext_hi) {
		tok[0] = TOK_KTEXT;
		v = target;
	} else if (!data) {
		/* a branch out of the program, not to kernel text: keep it */
		tok[0] = TOK_KTEXT;
		v = target;
	}
out:
	memcpy(tok + 1, &v, 8);
	o->n->masked++;
	return put(o, tok, sizeof(tok));
}

/* ---- x86-64 ------------------------------------------------------------ */

/* one-byte opcodes: bit0 = has ModRM; imm: 0 none, 1 imm8, 2 imm16/32 (z),
 * 3 imm32 rel, 4 imm8 rel, 5 "mov r, imm" (z or imm64 with REX.W),
 * 6 imm16 (ret n), 7 F6/F7 group (imm only for /0 /1), 0xff invalid */
#define M 1
static const __u8 op1_modrm[256] = {
	[0x00] = M, [0x01] = M, [0x02] = M, [0x03] = M, [0x08] = M, [0x09] = M, [0x0a] = M, [0x0b] = M,
	[0x10] = M, [0x11] = M, [0x12] = M, [0x13] = M, [0x18] = M, [0x19] = M, [0x1a] = M, [0x1b] = M,
	[0x20] = M, [0x21] = M, [0x22] = M, [0x23] = M, [0x28] = M, [0x29] = M, [0x2a] = M, [0x2b] = M,
	[0x30] = M, [0x31] = M, [0x32] = M, [0x33] = M, [0x38] = M, [0x39] = M, [0x3a] = M, [0x3b] = M,
	[0x63] = M, [0x69] = M, [0x6b] = M,
	[0x80] = M, [0x81] = M, [0x83] = M, [0x84] = M, [0x85] = M, [0x86] = M, [0x87] = M,
	[0x88] = M, [0x89] = M, [0x8a] = M, [0x8b] = M, [0x8c] = M, [0x8d] = M, [0x8e] = M, [0x8f] = M,
	[0xc0] = M, [0xc1] = M, [0xc6] = M, [0xc7] = M,
	[0xd0] = M, [0xd1] = M, [0xd2] = M, [0xd3] = M,
	[0xf6] = M, [0xf7] = M, [0xfe] = M, [0xff] = M,
};
#undef M

enum { I_NONE, I_8, I_Z, I_REL32, I_REL8, I_MOVR, I_16, I_GRP3, I_BAD };

static __u8 op1_imm(__u8 op)
{
	if (op < 0x40) {
		switch (op & 7) {
		case 0: case 1: case 2: case 3: return I_NONE;
		case 4: return I_8;
		case 5: return I_Z;
		default: return I_BAD;
		}
	}
	if (op >= 0x50 && op <= 0x5f) return I_NONE;
	if (op >= 0x70 && op <= 0x7f) return I_REL8;
	if (op >= 0x90 && op <= 0x99) return I_NONE;
	if (op >= 0xb0 && op <= 0xb7) return I_8;
	if (op >= 0xb8 && op <= 0xbf) return I_MOVR;
	switch (op) {
	case 0x63: case 0x84: case 0x85: case 0x86: case 0x87: case 0x88: case 0x89:
	case 0x8a: case 0x8b: case 0x8c: case 0x8d: case 0x8e: case 0x8f:
	case 0xd0: case 0xd1: case 0xd2: case 0xd3: case 0xfe: case 0xff:
	case 0x9c: case 0x9d: case 0xc3: case 0xc9: case 0xcc: case 0xf4:
		return I_NONE;
	case 0x68: case 0x69: case 0x81: case 0xa9: case 0xc7: return I_Z;
	case 0x6a: case 0x6b: case 0x80: case 0x83: case 0xa8:
	case 0xc0: case 0xc1: case 0xc6: case 0xcd: return I_8;
	case 0xc2: return I_16;
	case 0xe8: case 0xe9: return I_REL32;
	case 0xeb: return I_REL8;
	case 0xf6: case 0xf7: return I_GRP3;
	}
	return I_BAD;
}

/* two-byte (0F xx) opcodes: returns imm kind, sets *modrm; I_BAD if unknown */
static __u8 op2(__u8 op, int *modrm)
{
	*modrm = 1;
	if (op >= 0x80 && op <= 0x8f) { *modrm = 0; return I_REL32; }
	if (op >= 0xc8 && op <= 0xcf) { *modrm = 0; return I_NONE; }
	if (op >= 0x40 && op <= 0x4f) return I_NONE;   /* cmovcc */
	if (op >= 0x90 && op <= 0x9f) return I_NONE;   /* setcc */
	switch (op) {
	case 0x05: case 0x0b: case 0x31: case 0xa2:
		*modrm = 0; return I_NONE;                 /* syscall ud2 rdtsc cpuid */
	case 0x01: case 0x0d: case 0x18: case 0x1e: case 0x1f: case 0xa3: case 0xa5:
	case 0xab: case 0xad: case 0xae: case 0xaf: case 0xb0: case 0xb1: case 0xb3:
	case 0xb6: case 0xb7: case 0xbb: case 0xbc: case 0xbd: case 0xbe: case 0xbf:
	case 0xc0: case 0xc1: case 0xc7:
		return I_NONE;
	case 0xa4: case 0xac: case 0xba:
		return I_8;
	}
	return I_BAD;
}

int jit_x86_insn_len(const __u8 *p, size_t max, int *opc_off, int *imm_off, int *imm_size)
{
	size_t i = 0;
	int opsize16 = 0, rexw = 0, modrm = 0, kind, len;
	__u8 op;

	for (;; i++) {
		if (i >= max)
			return -1;
		switch (p[i]) {
		case 0x66: opsize16 = 1; continue;
		case 0x67: case 0xf0: case 0xf2: case 0xf3:
		case 0x2e: case 0x3e: case 0x26: case 0x64: case 0x65: case 0x36:
			continue;
		}
		break;
	}
	if ((p[i] & 0xf0) == 0x40) {
		rexw = p[i] & 8;
		if (++i >= max)
			return -1;
	}
	*opc_off = i;
	op = p[i++];
	if (op == 0x0f) {
		if (i >= max)
			return -1;
		op = p[i++];
		kind = op2(op, &modrm);
		if (kind == I_BAD)
			return -1;
	} else {
		kind = op1_imm(op);
		if (kind == I_BAD)
			return -1;
		modrm = op1_modrm[op];
	}
	if (modrm) {
		__u8 m, mod, rm;

		if (i >= max)
			return -1;
		m = p[i++];
		mod = m >> 6;
		rm = m & 7;
		if (kind == I_GRP3)
			kind = ((m >> 3) & 7) <= 1 ? (op == 0xf6 ? I_8 : I_Z) : I_NONE;
		if (mod != 3) {
			if (rm == 4) {
				__u8 sib;

				if (i >= max)
					return -1;
				sib = p[i++];
				if (mod == 0 && (sib & 7) == 5)
					i += 4;
			} else if (mod == 0 && rm == 5) {
				i += 4;        /* rip-relative */
			}
			if (mod == 1)
				i += 1;
			else if (mod == 2)
				i += 4;
		}
	} else if (kind == I_GRP3) {
		return -1;
	}
	*imm_off = i;
	switch (kind) {
	case I_NONE: len = 0; break;
	case I_8: case I_REL8: len = 1; break;
	case I_16: len = 2; break;
	case I_Z: len = opsize16 ? 2 : 4; break;
	case I_REL32: len = 4; break;
	case I_MOVR: len = rexw ? 8 : (opsize16 ? 2 : 4); break;
	default: return -1;
	}
	*imm_size = len;
	i += len;
	if (i > max)
		return -1;
	return (int)i;
}

static int norm_x86(const struct jit_image *img, struct out *o)
{
	__u32 f, base = 0;

	for (f = 0; f < img->nfuncs; base += img->flen[f], f++) {
		const __u8 *fp = img->insns + base;
		__u32 off = 0, flen = img->flen[f];

		if (base + flen > img->len) {
			snprintf(o->n->err, sizeof(o->n->err), "function %u exceeds the image", f);
			return -1;
		}
		while (off < flen) {
			int opc, immo, imms, l = jit_x86_insn_len(fp + off, flen - off, &opc, &immo, &imms);
			__u8 op;

			if (l < 0) {
				char hex[64] = "";
				unsigned int k;

				for (k = 0; k < 8 && off + k < flen; k++)
					sprintf(hex + 3 * k, "%02x ", fp[off + k]);
				snprintf(o->n->err, sizeof(o->n->err),
					 "x86: unknown instruction in function %u at +0x%x: %s", f, off, hex);
				return -1;
			}
			op = fp[off + opc];
			bool two = op == 0x0f;
			__u8 op2b = two ? fp[off + opc + 1] : 0;
			bool rel = (!two && (op == 0xe8 || op == 0xe9 || op == 0xeb || (op >= 0x70 && op <= 0x7f))) ||
				   (two && op2b >= 0x80 && op2b <= 0x8f);
			if (rel) {
				__s64 d = imms == 1 ? (__s8)fp[off + immo] : (__s32)(fp[off + immo] |
					  fp[off + immo + 1] << 8 | fp[off + immo + 2] << 16 |
					  (__u32)fp[off + immo + 3] << 24);
				__s64 tgt_off = (__s64)off + l + d;

				if (tgt_off >= 0 && tgt_off <= flen) {
					/* inside this function: position independent */
					if (put(o, fp + off, l))
						return -1;
				} else {
					if (put(o, fp + off, immo) ||
					    put_addr(o, img, img->addr[f] + off + l + d, false))
						return -1;
				}
			} else if (!two && op >= 0xb8 && op <= 0xbf && imms == 8) {
				__u64 v;

				memcpy(&v, fp + off + immo, 8);
				if (v >= KADDR_MIN) {
					if (put(o, fp + off, immo) || put_addr(o, img, v, true))
						return -1;
				} else if (put(o, fp + off, l)) {
					return -1;
				}
			} else if (!two && op == 0xc7 && imms == 4 && opc > 0 &&
				   (fp[off + opc - 1] & 0xf8) == 0x48 && (fp[off + opc + 1] & 0xf8) == 0xc0) {
				/* mov r64, simm32: a kernel address that fits 32 bits
				 * sign-extended (module/BPF area: callback addresses) */
				__s32 v32;
				__u64 v;

				memcpy(&v32, fp + off + immo, 4);
				v = (__u64)(__s64)v32;
				if (v >= KADDR_MIN) {
					if (put(o, fp + off, immo) || put_addr(o, img, v, true))
						return -1;
				} else if (put(o, fp + off, l)) {
					return -1;
				}
			} else if (put(o, fp + off, l)) {
				return -1;
			}
			off += l;
		}
	}
	return 0;
}

/* ---- arm64 ------------------------------------------------------------- */

#define A64_NOP 0xd503201f

static int norm_arm64(const struct jit_image *img, struct out *o)
{
	/* ldr x10, #8; br x10 (little endian) */
	static const __u8 plt[8] = { 0x4a, 0x00, 0x00, 0x58, 0x40, 0x01, 0x1f, 0xd6 };
	__u32 f, base = 0;

	for (f = 0; f < img->nfuncs; base += img->flen[f], f++) {
		const __u8 *fp = img->insns + base;
		__u32 n = img->flen[f] / 4, i = 0;

		if (base + img->flen[f] > img->len || img->flen[f] % 4) {
			snprintf(o->n->err, sizeof(o->n->err), "function %u: bad length", f);
			return -1;
		}
		while (i < n) {
			__u32 w;

			memcpy(&w, fp + 4 * i, 4);
			/* 64-bit MOVN (0x92800000) or MOVZ (0xd2800000) */
			if ((w & 0xff800000) == 0x92800000 || (w & 0xff800000) == 0xd2800000) {
				__u32 rd = w & 31, j = i + 1, hw = (w >> 21) & 3;
				__u64 imm = (__u64)((w >> 5) & 0xffff) << (16 * hw), v;

				v = (w & 0xff800000) == 0x92800000 ? ~imm : imm;
				while (j < n) {
					__u32 k;

					memcpy(&k, fp + 4 * j, 4);
					if ((k & 0xff800000) != 0xf2800000 || (k & 31) != rd)
						break;
					hw = (k >> 21) & 3;
					v &= ~(0xffffULL << (16 * hw));
					v |= (__u64)((k >> 5) & 0xffff) << (16 * hw);
					j++;
				}
				if (v >= KADDR_MIN) {
					__u8 r = rd;

					if (put(o, &r, 1) || put_addr(o, img, v, true))
						return -1;
				} else if (put(o, fp + 4 * i, 4 * (j - i))) {
					return -1;
				}
				i = j;
				continue;
			}
			/* the NOP build_plt() puts before the PLT (ldr x10, #8;
			 * br x10; .quad target) when the PLT would not be 8-byte
			 * aligned: it comes and goes with the length of the mov
			 * sequences above, which depends on their values
			 */
			if (w == A64_NOP && i + 2 < n && !memcmp(fp + 4 * (i + 1), plt, sizeof(plt))) {
				i++;
				continue;
			}
			/* B (0x14000000) / BL (0x94000000), imm26 */
			if ((w & 0x7c000000) == 0x14000000) {
				__s64 d = (__s32)((w & 0x03ffffff) << 6) >> 6;
				__s64 t = (__s64)i + d;

				if (t >= 0 && t <= (__s64)n) {
					if (put(o, &w, 4))
						return -1;
				} else {
					__u32 opc = w & 0xfc000000;

					if (put(o, &opc, 4) ||
					    put_addr(o, img, img->addr[f] + 4 * i + 4 * d, false))
						return -1;
				}
				i++;
				continue;
			}
			if (put(o, &w, 4))
				return -1;
			i++;
		}
	}
	return 0;
}

int jit_normalise(enum jit_arch arch, const struct jit_image *img, struct jit_norm *n)
{
	struct out o = { .n = n };
	int err;

	memset(n, 0, sizeof(*n));
	err = arch == JIT_X86_64 ? norm_x86(img, &o) : norm_arm64(img, &o);
	if (err && !n->err[0])
		snprintf(n->err, sizeof(n->err), "out of memory");
	return err;
}

long jit_norm_cmp(const struct jit_norm *a, const struct jit_norm *b)
{
	size_t i, m = a->len < b->len ? a->len : b->len;

	for (i = 0; i < m; i++)
		if (a->buf[i] != b->buf[i])
			return (long)i;
	return a->len == b->len ? -1 : (long)m;
}

void jit_norm_describe(const struct jit_norm *a, const struct jit_norm *b, long off,
		       char *out, size_t outlen)
{
	size_t pos = 0, i;
	const struct jit_norm *s[2] = { a, b };
	int k;

	pos += snprintf(out + pos, outlen - pos, "len %zu vs %zu, first difference at +%ld:",
			a->len, b->len, off);
	for (k = 0; k < 2 && pos < outlen; k++) {
		pos += snprintf(out + pos, outlen - pos, " %s", k ? "| b:" : "a:");
		for (i = off > 4 ? off - 4 : 0; i < (size_t)off + 8 && i < s[k]->len && pos < outlen; i++)
			pos += snprintf(out + pos, outlen - pos, "%s%02x", i == (size_t)off ? " [" : " ",
					s[k]->buf[i]);
	}
}
