# SPDX-License-Identifier: GPL-2.0
#
# test_progs.mk - Linux 6.12's test_progs, built from the tree for the QEMU
# guest (static), from BPF objects compiled elsewhere (test/corpus/run.sh).
# Run by test/upstream/build-test-progs.sh, in two steps:
#
#   make -f test_progs.mk skels SELF=<selftests/bpf> OBJS=<dir of X.o>
#        SKEL=<out dir> BPFTOOL=<host bpftool>
#     X.bpf.o (debug info stripped), X.skel.h and X.subskel.h, the light
#     skeletons X.lskel.h and the statically linked skeletons, by the
#     selftests Makefile's own recipe: "bpftool gen object" three times,
#     the last two outputs must be equal, then "bpftool gen skeleton".
#     Which object gets which kind of skeleton is read from the tree's
#     Makefile (SKEL_BLACKLIST, LINKED_SKELS and their -deps, LSKELS,
#     LSKELS_EXTRA), so nothing of it is copied here.
#
#   make -f test_progs.mk binary SELF=... SKEL=... OUT=<out dir>
#        SRC=<kernel tree> KOBJ=<kernel build dir> LIBBPF=<libbpf install>
#        CC=... RESOLVE_BTFIDS=...
#     OUT/test_progs, static, linked with LIBBPF/libbpf.a.
#
# The tree's Makefile itself is not used: it also builds libbpf, bpftool,
# the modules and its BPF objects with its own clang, and links shared.

SHELL := /bin/bash
.DELETE_ON_ERROR:
.SUFFIXES:

# the skeleton lists of the tree's Makefile
LISTS := $(SKEL)/lists.mk
$(LISTS): $(SELF)/Makefile
	@mkdir -p $(@D)
	@sed -n '/^SKEL_BLACKLIST :=/,/^LINKED_BPF_OBJS/p' $< | grep -v '^LINKED_BPF_OBJS' > $@.tmp
	@sed -n '/^TRUNNER_EXTRA_SOURCES := test_progs.c/,/[^\\]$$/p' $< >> $@.tmp
	@grep -q '^LSKELS :=' $@.tmp && grep -q '^LINKED_SKELS :=' $@.tmp && \
	 grep -q '^TRUNNER_EXTRA_SOURCES :=' $@.tmp || \
	 { echo "test_progs.mk: skeleton lists not found in $<" >&2; exit 1; }
	@mv $@.tmp $@
include $(LISTS)
# the tree's Makefile writes $$(LSKELS) for its own $(eval)
$(eval SKEL_BLACKLIST := $(SKEL_BLACKLIST))

NAMES := $(basename $(notdir $(wildcard $(SELF)/progs/*.c)))
LINKED_SRCS := $(foreach s,$(LINKED_SKELS),$($(s)-deps))
PLAIN_SKELS := $(filter-out $(patsubst %.c,%,$(filter %.c,$(SKEL_BLACKLIST))) \
			    $(patsubst %.bpf.o,%,$(LINKED_SRCS)) btf__%,$(NAMES))
LSKEL_NAMES := $(patsubst %.c,%,$(LSKELS) $(LSKELS_EXTRA))

ALL_SKELS := $(addprefix $(SKEL)/,$(addsuffix .skel.h,$(PLAIN_SKELS)) \
	       $(addsuffix .lskel.h,$(LSKEL_NAMES)) $(LINKED_SKELS))

.PHONY: skels binary
skels: $(SKEL)/skels.stamp

$(SKEL)/%.bpf.o: $(OBJS)/%.o
	@mkdir -p $(@D)
	@llvm-strip-22 --strip-debug -o $@ $<

# gen_link <out.o> <objects...>: the selftests' link-three-times check
define gen_link
	$(BPFTOOL) gen object $(1:.o=.l1.o) $(2) && \
	$(BPFTOOL) gen object $(1:.o=.l2.o) $(1:.o=.l1.o) && \
	$(BPFTOOL) gen object $(1) $(1:.o=.l2.o) && \
	cmp -s $(1:.o=.l2.o) $(1) || \
	{ echo "test_progs.mk: linking $(notdir $(2)) is not stable" >&2; exit 1; }; \
	rm -f $(1:.o=.l1.o) $(1:.o=.l2.o)
endef

$(SKEL)/%.skel.h: $(SKEL)/%.bpf.o $(BPFTOOL)
	@$(call gen_link,$(SKEL)/$*.linked.o,$<)
	@$(BPFTOOL) gen skeleton $(SKEL)/$*.linked.o name $* > $@
	@$(BPFTOOL) gen subskeleton $(SKEL)/$*.linked.o name $* > $(@:.skel.h=.subskel.h)
	@rm -f $(SKEL)/$*.linked.o

$(SKEL)/%.lskel.h: $(SKEL)/%.bpf.o $(BPFTOOL)
	@$(call gen_link,$(SKEL)/$*.llinked.o,$<)
	@$(BPFTOOL) gen skeleton -L $(SKEL)/$*.llinked.o name $*_lskel > $@
	@rm -f $(SKEL)/$*.llinked.o

.SECONDEXPANSION:
$(addprefix $(SKEL)/,$(LINKED_SKELS)): $(SKEL)/%.skel.h: \
		$$(addprefix $(SKEL)/,$$($$*.skel.h-deps)) $(BPFTOOL)
	@$(call gen_link,$(SKEL)/$*.linked.o,$(filter %.bpf.o,$^))
	@$(BPFTOOL) gen skeleton $(SKEL)/$*.linked.o name $* > $@
	@$(BPFTOOL) gen subskeleton $(SKEL)/$*.linked.o name $* > $(@:.skel.h=.subskel.h)
	@rm -f $(SKEL)/$*.linked.o

# every object is in the guest (tests open some by file name)
$(SKEL)/skels.stamp: $(ALL_SKELS) $(addprefix $(SKEL)/,$(addsuffix .bpf.o,$(NAMES)))
	@touch $@

# --- the binary ---------------------------------------------------------
# EXCLUDE_TESTS: prog_tests/ files that do not build from the tree (named,
# with the reason, by build-test-progs.sh)
TESTS := $(filter-out $(EXCLUDE_TESTS),\
	   $(basename $(notdir $(wildcard $(SELF)/prog_tests/*.c))))
EXTRA_SRCS := $(filter %.c,$(TRUNNER_EXTRA_SOURCES))
# as the tree's Makefile and ../lib.mk set them (-O0 -g, _GNU_SOURCE)
CFLAGS := -g -O0 -Wall -fno-omit-frame-pointer -DHAVE_GENHDR -D_GNU_SOURCE= \
	  -I$(SELF) -I$(LIBBPF)/include -I$(KOBJ)/include/generated \
	  -I$(SRC)/tools/lib -I$(SRC)/tools/include \
	  -I$(SRC)/tools/arch/$(SRCARCH)/include -I$(SRC)/tools/include/uapi \
	  -I$(SKEL) -I$(OUT)

binary: $(OUT)/test_progs

$(OUT)/prog_tests/tests.h: $(addprefix $(SELF)/prog_tests/,$(addsuffix .c,$(TESTS)))
	@mkdir -p $(@D)
	@{ echo '/* Generated header, do not edit */'; \
	   sed -n -E 's/^void (serial_)?test_([a-zA-Z0-9_]+)\((void)?\).*/DEFINE_TEST(\2)/p' \
		$^ | LC_ALL=C sort; } > $@.tmp
	@cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@

$(OUT)/%.test.o: $(SELF)/prog_tests/%.c $(SKEL)/skels.stamp
	@mkdir -p $(@D)
	@$(CC) $(CFLAGS) -c $< -o $@ 2> $(@:.o=.log) || \
	 { grep -m5 -B2 error $(@:.o=.log) >&2; \
	   echo "test_progs.mk: prog_tests/$*.c does not build" >&2; exit 1; }

$(OUT)/disasm.o: $(SRC)/kernel/bpf/disasm.c
	@mkdir -p $(@D)
	@$(CC) $(CFLAGS) -c $< -o $@

$(OUT)/%.o: $(SELF)/%.c $(OUT)/prog_tests/tests.h $(SKEL)/skels.stamp
	@mkdir -p $(@D)
	@$(CC) $(CFLAGS) -c $< -o $@ 2> $(@:.o=.log) || \
	 { grep -m5 -B2 error $(@:.o=.log) >&2; \
	   echo "test_progs.mk: $*.c does not build" >&2; exit 1; }

$(OUT)/test_progs: $(addprefix $(OUT)/,$(addsuffix .test.o,$(TESTS)) \
		   $(EXTRA_SRCS:.c=.o)) $(LIBBPF)/libbpf.a
	@$(CC) -static -o $@.tmp $(filter %.o,$^) $(LIBBPF)/libbpf.a \
		-lelf -lz -lrt -lpthread > $(OUT)/link.log 2>&1 || \
	 { grep -v 'warning:' $(OUT)/link.log | head -20 >&2; \
	   echo "test_progs.mk: test_progs does not link" >&2; exit 1; }
	@$(RESOLVE_BTFIDS) --btf $(SKEL)/btf_data.bpf.o $@.tmp
	@mv $@.tmp $@
