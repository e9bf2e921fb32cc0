// SPDX-License-Identifier: GPL-2.0
/*
 * bench.c - main() of the kernel bench test runner (see bench.h).
 *
 * Every test runs in a child process with a time limit, so a crash or a
 * hang of one test is reported as that test's failure and the others still
 * run. (A hang inside the kernel stops the whole guest; the host script's
 * timeout reports that one.)
 *
 * usage: bench_runner [-a] [-l] [-t test[/subtest][,...]] [-d objdir] [-T secs]
 *   -a  run the denylisted tests too
 */
#define _GNU_SOURCE
#include <fnmatch.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>
#include <fcntl.h>
#include <signal.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sys/klog.h>
#include "bench.h"

struct test_def { const char *name; void (*fn)(void); };
#define DEFINE_TEST(n) void test_##n(void);
#include "tests.h"
#undef DEFINE_TEST
#define DEFINE_TEST(n) { #n, test_##n },
static const struct test_def tests[] = {
#include "tests.h"
};
#undef DEFINE_TEST

struct shared {
	int passed, failed, skipped;
	char current[256];
};

static struct shared *sh;
static const char *filter;
static const char *obj_dir = "/bpf";

/* state of the test running in this (child) process */
static const char *cur_test;
static char cur_sub[128];
static bool in_sub, had_sub, sub_failed, test_failed, sub_skipped;
static char sub_reason[512], test_reason[512];

static bool match(const char *test, const char *sub)
{
	char buf[512], *save = NULL, *tok;

	if (!filter || !*filter)
		return true;
	snprintf(buf, sizeof(buf), "%s", filter);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *slash = strchr(tok, '/');

		if (slash)
			*slash = 0;
		if (strcmp(tok, test))
			continue;
		if (!slash || !sub || !strcmp(slash + 1, sub))
			return true;
	}
	return false;
}

/*
 * Tests that cannot apply (yet) on an arch, like the selftests'
 * DENYLIST.<arch>: reported as SKIP with the reason, never run. Patterns
 * are fnmatch()ed against "test" and "test/subtest"; the list ends with
 * a NULL arch.
 */
static const struct {
	const char *arch, *pattern, *why;
} denylist[] = {
	{ "x86_64", "cancel_stuck", "QEMU's x86 CPU has no PMU: no perf NMI, which is the only rescue when every CPU is stuck (it runs on arm64)" },
	{ NULL, NULL, NULL },
};

/* -a: run the denylisted tests too (to work on them) */
static bool no_denylist;

static const char *denied(const char *test, const char *sub)
{
	char name[512];
	int i;

	if (no_denylist)
		return NULL;

	snprintf(name, sizeof(name), sub ? "%s/%s" : "%s", test, sub);
	for (i = 0; denylist[i].arch; i++) {
#if defined(__aarch64__)
		if (strcmp(denylist[i].arch, "aarch64"))
			continue;
#else
		if (strcmp(denylist[i].arch, "x86_64"))
			continue;
#endif
		if (!fnmatch(denylist[i].pattern, name, 0))
			return denylist[i].why;
	}
	return NULL;
}

static void report(const char *name, bool failed, bool skipped, const char *reason)
{
	if (skipped) {
		printf("BENCH-RESULT: %s SKIP %s\n", name, reason);
		sh->skipped++;
	} else if (failed) {
		printf("BENCH-RESULT: %s FAIL %s\n", name, reason[0] ? reason : "(no reason)");
		sh->failed++;
	} else {
		printf("BENCH-RESULT: %s PASS\n", name);
		sh->passed++;
	}
	fflush(stdout);
}

static void end_subtest(void)
{
	char name[512];

	if (!in_sub)
		return;
	snprintf(name, sizeof(name), "%s/%s", cur_test, cur_sub);
	report(name, sub_failed, sub_skipped, sub_reason);
	in_sub = false;
	snprintf(sh->current, sizeof(sh->current), "%s", cur_test);
}

bool test__start_subtest(const char *name)
{
	end_subtest();
	if (!match(cur_test, name))
		return false;
	if (denied(cur_test, name)) {
		char full[512];

		snprintf(full, sizeof(full), "%s/%s", cur_test, name);
		report(full, false, true, denied(cur_test, name));
		return false;
	}
	had_sub = in_sub = true;
	sub_failed = sub_skipped = false;
	sub_reason[0] = 0;
	snprintf(cur_sub, sizeof(cur_sub), "%s", name);
	snprintf(sh->current, sizeof(sh->current), "%s/%s", cur_test, name);
	printf("bench: running %s\n", sh->current);
	fflush(stdout);
	return true;
}

void test__fail(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("  FAIL %s: %s\n", sh->current, msg);
	fflush(stdout);
	if (in_sub) {
		if (!sub_failed)
			snprintf(sub_reason, sizeof(sub_reason), "%s", msg);
		sub_failed = true;
	} else {
		if (!test_failed)
			snprintf(test_reason, sizeof(test_reason), "%s", msg);
		test_failed = true;
	}
}

void test__skip(const char *why)
{
	if (in_sub) {
		sub_skipped = true;
		snprintf(sub_reason, sizeof(sub_reason), "%s", why);
	}
}

const char *bench_obj_dir(void) { return obj_dir; }

struct bpf_object *bench_open(const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s.bpf.o", obj_dir, name);
	return bpf_object__open_file(path, NULL);
}

char *bench_read_klog(void)
{
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	char *buf;

	if (len <= 0)
		len = 1 << 20;
	buf = calloc(1, len + 1);
	if (!buf)
		return NULL;
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, len);
	if (len < 0) {
		free(buf);
		return NULL;
	}
	buf[len] = 0;
	return buf;
}

void bench_kmsg(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int fd;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fd = open("/dev/kmsg", O_WRONLY);
	if (fd >= 0) {
		if (write(fd, msg, strlen(msg)) < 0)
			perror("write /dev/kmsg");
		close(fd);
	}
}

int bench_pin_cpu(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	return sched_setaffinity(0, sizeof(s), &s);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stdout, fmt, ap);
}

static void run_child(const struct test_def *t)
{
	cur_test = t->name;
	snprintf(sh->current, sizeof(sh->current), "%s", t->name);
	printf("bench: running %s\n", t->name);
	fflush(stdout);
	t->fn();
	end_subtest();
	if (!had_sub || test_failed)
		report(t->name, test_failed, false, test_reason);
	fflush(stdout);
	_exit(0);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	int timeout = 120, opt, i;
	bool list = false;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "alt:d:T:")) != -1) {
		switch (opt) {
		case 'a': no_denylist = true; break;
		case 'l': list = true; break;
		case 't': filter = optarg; break;
		case 'd': obj_dir = optarg; break;
		case 'T': timeout = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-a] [-l] [-t test[/sub][,...]] [-d objdir] [-T secs]\n", argv[0]);
			return 2;
		}
	}
	if (list) {
		for (i = 0; i < (int)(sizeof(tests) / sizeof(tests[0])); i++)
			printf("%s\n", tests[i].name);
		return 0;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	libbpf_set_print(libbpf_print);

	for (i = 0; i < (int)(sizeof(tests) / sizeof(tests[0])); i++) {
		const struct test_def *t = &tests[i];
		int before = sh->passed + sh->failed + sh->skipped, status;
		double t0 = now();
		pid_t pid, w;

		if (!match(t->name, NULL))
			continue;
		if (denied(t->name, NULL)) {
			report(t->name, false, true, denied(t->name, NULL));
			continue;
		}
		fflush(stdout);
		pid = fork();
		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0)
			run_child(t);
		for (;;) {
			w = waitpid(pid, &status, WNOHANG);
			if (w == pid)
				break;
			if (now() - t0 > timeout) {
				kill(pid, SIGKILL);
				waitpid(pid, &status, 0);
				printf("BENCH-RESULT: %s FAIL timeout after %ds\n", sh->current, timeout);
				sh->failed++;
				status = 0;
				break;
			}
			usleep(50000);
		}
		if (WIFSIGNALED(status)) {
			printf("BENCH-RESULT: %s FAIL crashed with signal %d\n",
			       sh->current, WTERMSIG(status));
			sh->failed++;
		} else if (sh->passed + sh->failed + sh->skipped == before) {
			printf("BENCH-RESULT: %s FAIL no result reported\n", t->name);
			sh->failed++;
		}
		printf("bench: %s took %.2fs\n", t->name, now() - t0);
	}
	printf("BENCH-DONE passed=%d failed=%d skipped=%d\n", sh->passed, sh->failed, sh->skipped);
	return sh->failed ? 1 : 0;
}

/* Address of global variable 'name' of a loaded object, in the mmap'ed
 * .bss/.data/.rodata map (found through the object's BTF datasecs). */
void *bench_var(struct bpf_object *obj, const char *name)
{
	struct btf *btf = bpf_object__btf(obj);
	int n, i;

	if (!btf)
		return NULL;
	n = btf__type_cnt(btf);
	for (i = 1; i < n; i++) {
		const struct btf_type *t = btf__type_by_id(btf, i);
		const struct btf_var_secinfo *vs;
		struct bpf_map *map;
		size_t sz;
		char *base;
		int j;

		if (!btf_is_datasec(t))
			continue;
		map = bpf_object__find_map_by_name(obj, btf__name_by_offset(btf, t->name_off));
		if (!map)
			continue;
		vs = btf_var_secinfos(t);
		for (j = 0; j < btf_vlen(t); j++, vs++) {
			const struct btf_type *v = btf__type_by_id(btf, vs->type);

			if (strcmp(btf__name_by_offset(btf, v->name_off), name))
				continue;
			base = bpf_map__initial_value(map, &sz);
			return base ? base + vs->offset : NULL;
		}
	}
	return NULL;
}
