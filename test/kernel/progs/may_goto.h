/* SPDX-License-Identifier: GPL-2.0 */
/*
 * may_goto.h - the loop condition of the bench's cancellation programs:
 * true while the verifier's may_goto budget lasts (8M iterations per
 * invocation on 6.12), false once it is spent, and false at once in a cold
 * twin (the kernel makes every may_goto a cancellation site).
 */
#ifndef BENCH_MAY_GOTO_H
#define BENCH_MAY_GOTO_H

#define budget_left() ({						\
	__label__ __spent, __more;					\
	bool __ok = true;						\
	asm volatile goto("may_goto %l[__spent]" :::: __spent);		\
	goto __more;							\
__spent:								\
	__ok = false;							\
__more:									\
	__ok;								\
})

#endif
