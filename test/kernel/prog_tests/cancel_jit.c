// SPDX-License-Identifier: GPL-2.0
/*
 * Cancellation leaves the hot code alone: the same object (built with
 * -fbpf-cancellable) loaded twice, once with bpf_program__set_cancellable()
 * and once without, gives for every program the same verifier work
 * (verified_insns), the same xlated length and the same JITed image once the
 * immediates that differ between any two loads are normalised
 * (harness/jit_norm.c, as jit_image.c and stock_compat.c use it). Only the
 * cancellable load has cold code (cancel_cold_jited_len > 0), and only for
 * the programs that have twins.
 */
#include <stdlib.h>
#include "cancel_util.h"
#include "jit_norm.h"

/* programs of progs/cancel_*.c that have cold twins (loops) */
static const char *const with_twins[] = {
	"spin_iter", "spin_may_goto", "spin_bpf_loop", "cancelled_flag", "cancel_self", "short_tc",
	"task_ref", "ringbuf", "spin_lock", "rcu", "obj_new", "subprogs", "callback",
	"tail_call",
};

static bool has_twin(const char *name)
{
	unsigned int i;

	for (i = 0; i < sizeof(with_twins) / sizeof(with_twins[0]); i++)
		if (!strcmp(with_twins[i], name))
			return true;
	return false;
}

static void compare(const char *objname)
{
	struct bpf_object *c = cancel_open_load(objname, true, 0);
	struct bpf_object *p = c ? cancel_open_load(objname, false, 0) : NULL;
	struct bpf_program *pc;
	int n = 0, twins = 0;

	if (!c || !p)
		goto out;
	bpf_object__for_each_program(pc, c) {
		const char *name = bpf_program__name(pc);
		struct bpf_program *pp = bpf_object__find_program_by_name(p, name);
		struct jit_image a = {}, b = {};
		struct jit_norm na = {}, nb = {};
		struct bpf_prog_info ic, ip;
		char why[512], s[256];
		long d;

		if (!ASSERT_OK_PTR(pp, name) || !cancel_info(bpf_program__fd(pc), &ic) ||
		    !cancel_info(bpf_program__fd(pp), &ip))
			break;
		n++;
		cancel_info_str(&ic, s, sizeof(s));
		printf("  %s/%s: verified_insns %u/%u xlated %u/%u jited %u/%u; cancellable: %s\n",
		       objname, name, ic.verified_insns, ip.verified_insns, ic.xlated_prog_len,
		       ip.xlated_prog_len, ic.jited_prog_len, ip.jited_prog_len, s);
		if (ic.verified_insns != ip.verified_insns)
			test__fail("%s: verified_insns %u (cancellable) != %u", name,
				   ic.verified_insns, ip.verified_insns);
		if (ic.xlated_prog_len != ip.xlated_prog_len)
			test__fail("%s: xlated_prog_len %u (cancellable) != %u", name,
				   ic.xlated_prog_len, ip.xlated_prog_len);
		if (ic.jited_prog_len != ip.jited_prog_len || ic.nr_jited_ksyms != ip.nr_jited_ksyms)
			test__fail("%s: JIT length %u in %u functions (cancellable) != %u in %u", name,
				   ic.jited_prog_len, ic.nr_jited_ksyms, ip.jited_prog_len,
				   ip.nr_jited_ksyms);
		ASSERT_EQ(ic.cancel_status, BPF_CANCEL_STATUS_ON, "cancellable load: status ON");
		ASSERT_EQ(ip.cancel_status, BPF_CANCEL_STATUS_OFF, "plain load: status OFF");
		ASSERT_EQ(ip.cancel_cold_jited_len, 0, "plain load: no cold code");
		if (has_twin(name)) {
			twins++;
			if (ic.cancel_cold_jited_len == 0)
				test__fail("%s: no cold code in the cancellable load", name);
		}
		if (ASSERT_OK(jit_image_get(bpf_program__fd(pc), &a), "image cancellable") &&
		    ASSERT_OK(jit_image_get(bpf_program__fd(pp), &b), "image plain")) {
			if (jit_normalise(JIT_HOST_ARCH, &a, &na) || jit_normalise(JIT_HOST_ARCH, &b, &nb)) {
				test__fail("%s: normalise: %s%s", name, na.err, nb.err);
			} else {
				d = jit_norm_cmp(&na, &nb);
				if (d >= 0) {
					jit_norm_describe(&na, &nb, d, why, sizeof(why));
					test__fail("%s: hot JIT image differs from the plain load: %s",
						   name, why);
				}
			}
		}
		jit_norm_free(&na); jit_norm_free(&nb);
		jit_image_free(&a); jit_image_free(&b);
	}
	ASSERT_GE(n, 5, "programs compared");
	ASSERT_GE(twins, 5, "programs with cold code compared");
out:
	bpf_object__close(p);
	bpf_object__close(c);
}

void test_cancel_jit(void)
{
	if (test__start_subtest("basic_progs"))
		compare("cancel_basic");
	if (test__start_subtest("resource_progs"))
		compare("cancel_resources");
}
