/* SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception */
/*
 * bpf_test.h - minimal BPF declarations for the bpfcancel compiler tests.
 *
 * The test programs in this directory must compile with nothing but
 * clang-22: no vmlinux.h, no libbpf headers. This header declares exactly
 * what they use, in the shape libbpf's bpf_helpers.h gives it:
 *   - helpers as pointers to function with the helper id as their value
 *     ("call imm" in BPF, ids from include/uapi/linux/bpf.h of Linux 6.12);
 *   - kfuncs as extern __ksym functions ("call -1" + R_BPF_64_32);
 *   - BTF-style map definitions in ".maps".
 */
#ifndef BPFCANCEL_TEST_BPF_TEST_H
#define BPFCANCEL_TEST_BPF_TEST_H

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef int __s32;
typedef long long __s64;

#define SEC(name) __attribute__((section(name), used))
#define __ksym __attribute__((section(".ksyms")))
#define __weak __attribute__((weak))
#define __always_inline inline __attribute__((always_inline))
#define __noinline __attribute__((noinline))

#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define __array(name, val) typeof(val) *name[]

/* enum bpf_map_type values used below (include/uapi/linux/bpf.h) */
#define BPF_MAP_TYPE_HASH 1
#define BPF_MAP_TYPE_ARRAY 2
#define BPF_MAP_TYPE_PROG_ARRAY 3
#define BPF_MAP_TYPE_RINGBUF 27

/* Helpers (enum bpf_func_id). */
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*bpf_map_update_elem)(void *map, const void *key,
                                   const void *value, __u64 flags) = (void *)2;
static long (*bpf_trace_printk)(const char *fmt, __u32 fmt_size,
                                ...) = (void *)6;
static long (*bpf_tail_call)(void *ctx, void *prog_array_map,
                             __u32 index) = (void *)12;
static __u64 (*bpf_get_current_pid_tgid)(void) = (void *)14;
static long (*bpf_for_each_map_elem)(void *map, void *callback_fn,
                                     void *callback_ctx,
                                     __u64 flags) = (void *)164;
static long (*bpf_loop)(__u32 nr_loops, void *callback_fn, void *callback_ctx,
                        __u64 flags) = (void *)181;
static void *(*bpf_ringbuf_reserve)(void *ringbuf, __u64 size,
                                    __u64 flags) = (void *)131;
static void (*bpf_ringbuf_submit)(void *data, __u64 flags) = (void *)132;
static void (*bpf_ringbuf_discard)(void *data, __u64 flags) = (void *)133;

#define bpf_printk(fmt, ...)                                                   \
  ({                                                                           \
    static const char ____fmt[] = fmt;                                         \
    bpf_trace_printk(____fmt, sizeof(____fmt), ##__VA_ARGS__);                 \
  })

/* Open-coded numeric iterator (kernel/bpf/bpf_iter.c, KF_ITER_*). */
struct bpf_iter_num {
  __u64 __opaque[1];
} __attribute__((aligned(8)));
extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __ksym;

/* Task references (kernel/bpf/helpers.c: KF_ACQUIRE | KF_RET_NULL). */
struct task_struct;
extern struct task_struct *bpf_task_from_pid(__s32 pid) __ksym;
extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;

/*
 * may_goto loop budget (the kernel's bpf_experimental.h can_loop): the
 * verifier bounds the loop; the branch is taken when the budget is spent.
 */
#define can_loop                                                               \
  ({                                                                           \
    __label__ l_break, l_continue;                                             \
    int ret = 1;                                                               \
    asm volatile goto("may_goto %l[l_break]" :::: l_break);                    \
    goto l_continue;                                                           \
  l_break:                                                                     \
    ret = 0;                                                                   \
  l_continue:;                                                                 \
    ret;                                                                       \
  })

/* Tail call through inline asm, like libbpf's bpf_tail_call_static(). */
static __always_inline void tail_call_static(void *ctx, const void *map,
                                             const __u32 slot) {
  asm volatile("r1 = %[ctx]\n\t"
               "r2 = %[map]\n\t"
               "r3 = %[slot]\n\t"
               "call 12"
               :
               : [ctx] "r"(ctx), [map] "r"(map), [slot] "i"(slot)
               : "r0", "r1", "r2", "r3", "r4", "r5");
}

#endif /* BPFCANCEL_TEST_BPF_TEST_H */
