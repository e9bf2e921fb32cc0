/* SPDX-License-Identifier: GPL-2.0 */
/*
 * bench.h - the bpfcancel kernel bench's test harness (a small
 * test_progs-like runner written for this project).
 *
 * A test is a function "void test_<name>(void)" in prog_tests/<file>.c; the
 * build collects them. Inside, test__start_subtest("name") opens a subtest
 * (returns false when filtered out) and the ASSERT_* macros check values:
 * each returns true when the check holds and otherwise prints what differed
 * and marks the current (sub)test failed. Results go to the console as
 *
 *   BENCH-RESULT: <test>[/<subtest>] PASS
 *   BENCH-RESULT: <test>[/<subtest>] FAIL <first failure>
 *   BENCH-DONE passed=N failed=M
 *
 * which the host script (test/kernel/scripts/run-qemu.sh) parses.
 */
#ifndef BENCH_H
#define BENCH_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

bool test__start_subtest(const char *name);
void test__fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void test__skip(const char *why);
/* directory of the BPF objects (progs/<name>.bpf.o), "/bpf" in the guest */
const char *bench_obj_dir(void);
/* open progs/<name>.bpf.o from bench_obj_dir() */
struct bpf_object *bench_open(const char *name);
/* read the whole kernel log (klogctl); returns malloc'ed NUL-terminated text */
char *bench_read_klog(void);
/* write a line to the kernel log (/dev/kmsg) */
void bench_kmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* pin the calling thread to one CPU; 0, or -1 with errno */
int bench_pin_cpu(int cpu);
/* address of global variable "name" of a loaded object (mmap'ed, live) */
void *bench_var(struct bpf_object *obj, const char *name);
#define BENCH_VAR(obj, type, name) ((type *)bench_var(obj, name))

#define _CHECK(cond, name, fmt, ...) ({					\
	bool ___ok = (cond);						\
	if (!___ok)							\
		test__fail("%s:%d: %s: " fmt, __FILE__, __LINE__,	\
			   (name), ##__VA_ARGS__);			\
	___ok;								\
})

#define ASSERT_TRUE(a, name)  _CHECK((a), name, "unexpected false")
#define ASSERT_FALSE(a, name) _CHECK(!(a), name, "unexpected true")

#define _ASSERT_CMP(a, b, op, name) ({					\
	long long ___a = (long long)(a), ___b = (long long)(b);	\
	_CHECK(___a op ___b, name,					\
	       "unexpected: actual %lld (0x%llx) " #op " expected %lld (0x%llx) is false", \
	       ___a, (unsigned long long)___a, ___b, (unsigned long long)___b); \
})
#define ASSERT_EQ(a, b, name) _ASSERT_CMP(a, b, ==, name)
#define ASSERT_NEQ(a, b, name) _ASSERT_CMP(a, b, !=, name)
#define ASSERT_LT(a, b, name) _ASSERT_CMP(a, b, <, name)
#define ASSERT_LE(a, b, name) _ASSERT_CMP(a, b, <=, name)
#define ASSERT_GT(a, b, name) _ASSERT_CMP(a, b, >, name)
#define ASSERT_GE(a, b, name) _ASSERT_CMP(a, b, >=, name)

/* 0 expected; negative errno (or -1 with errno) on failure */
#define ASSERT_OK(res, name) ({						\
	long long ___r = (long long)(res);				\
	_CHECK(___r == 0, name, "unexpected error: %lld (errno %d: %s)", \
	       ___r, errno, strerror(errno));				\
})
#define ASSERT_ERR(res, name) _CHECK((long long)(res) < 0, name, "unexpected success: %lld", (long long)(res))
/* file descriptor: >= 0 expected */
#define ASSERT_FD(fd, name) ({						\
	long long ___f = (long long)(fd);				\
	_CHECK(___f >= 0, name, "bad fd %lld (errno %d: %s)", ___f, errno, strerror(errno)); \
})
/* pointer from libbpf: non-NULL and not an error pointer */
#define ASSERT_OK_PTR(p, name) ({					\
	const void *___p = (p);						\
	long ___e = libbpf_get_error(___p);				\
	_CHECK(___p && !___e, name, "unexpected pointer error %ld (%s)", \
	       ___e ? ___e : -(long)errno, strerror(___e ? -___e : errno)); \
})
#define ASSERT_STREQ(a, b, name) ({					\
	const char *___a = (a), *___b = (b);				\
	_CHECK(!strcmp(___a, ___b), name, "actual '%s' != expected '%s'", ___a, ___b); \
})

#endif
