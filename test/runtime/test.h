/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test.h - a minimal test harness and BPF instruction builders. */
#ifndef __BPFCANCEL_TEST_H
#define __BPFCANCEL_TEST_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <linux/bpf.h>

static int t_pass, t_fail;

#define CHECK(cond, ...)						\
	do {								\
		if (cond) {						\
			t_pass++;					\
		} else {						\
			t_fail++;					\
			fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__,	\
				__LINE__, #cond);			\
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
		}							\
	} while (0)

static inline bool t_has(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle);
}

#define CHECK_STR(hay, needle)						\
	CHECK(t_has((hay), (needle)), "expected '%s' in '%s'", (needle), \
	      t_has((hay), "") ? (const char *)(hay) : "(null)")

static inline int t_summary(void)
{
	printf("%d passed, %d failed\n", t_pass, t_fail);
	return t_fail ? 1 : 0;
}

#define INSN(CODE, DST, SRC, OFF, IMM)					\
	((struct bpf_insn){ .code = (CODE), .dst_reg = (DST),		\
			    .src_reg = (SRC), .off = (OFF), .imm = (IMM) })
#define MOV64_IMM(d, i)	INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV32_IMM(d, i)	INSN(BPF_ALU | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV64_REG(d, s)	INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADD64_IMM(d, i)	INSN(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define MUL64_IMM(d, i)	INSN(BPF_ALU64 | BPF_MUL | BPF_K, d, 0, 0, i)
#define LDX_W(d, s, o)	INSN(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define CALL_HELPER(id)	INSN(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define CALL_KFUNC()	INSN(BPF_JMP | BPF_CALL, 0, 2, 0, -1)
#define CALL_PC(imm)	INSN(BPF_JMP | BPF_CALL, 0, 1, 0, imm)
#define JA(o)		INSN(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define JEQ_IMM(d, i, o) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define JNE_IMM(d, i, o) INSN(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, i)
#define JEQ32_IMM(d, i, o) INSN(BPF_JMP32 | BPF_JEQ | BPF_K, d, 0, o, i)
#define JLT_REG(d, s, o) INSN(BPF_JMP | BPF_JLT | BPF_X, d, s, o, 0)
#define JSGT_IMM(d, i, o) INSN(BPF_JMP | BPF_JSGT | BPF_K, d, 0, o, i)
#define MAY_GOTO(o)	INSN(BPF_JMP | 0xe0, 0, 0, o, 0)
#define EXIT_INSN()	INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define LD_IMM64_LO(d)	INSN(BPF_LD | BPF_DW | BPF_IMM, d, 0, 0, 0)
#define LD_IMM64_HI()	INSN(0, 0, 0, 0, 0)

#endif
