// SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
/*
 * clang-shim.c - "clang" with -fbpf-cancellable.
 *
 * A clang pass plugin cannot add driver flags or -W groups of its own, so
 * this small driver maps the bpfcancel flags onto the plugin and then
 * execs the real clang with every other argument unchanged:
 *
 *   -fbpf-cancellable[=auto|all]  -fpass-plugin=<BPFCancel.so>
 *                                 -mllvm -bpf-cancel-mode=auto|all
 *   -fno-bpf-cancellable          (the last of the two wins)
 *   -fbpf-cancellable-policy=F    -mllvm -bpf-cancel-policy=F
 *   (none of the -W flags)        -mllvm -bpf-cancel-warn=default: a
 *                                 twin dropped is a warning, a loop no
 *                                 site cuts short a remark
 *   -Wbpf-cancel                  -mllvm -bpf-cancel-warn=warn
 *   -Werror=bpf-cancel            -mllvm -bpf-cancel-warn=error
 *   -Wno-bpf-cancel               -mllvm -bpf-cancel-warn=none
 *   -Wno-error=bpf-cancel         back to warn (if -Wbpf-cancel was given)
 *
 * Without -fbpf-cancellable the real clang runs exactly as if called
 * directly (no plugin), so CC=build/bin/clang is safe in any Makefile.
 * Warnings: -fbpf-cancellable-policy without -fbpf-cancellable has no
 * effect; -emit-llvm and -flto with -fbpf-cancellable give bitcode without
 * twins (they are made at code generation). A non-BPF target is refused by
 * the plugin.
 *
 * Usage: build/bin/clang --target=bpf -O2 -g -c -fbpf-cancellable x.bpf.c
 *
 * Environment:
 *   BPFCANCEL_CLANG   the real clang (default: baked in at build time)
 *   BPFCANCEL_PLUGIN  the plugin (default: ../lib/BPFCancel.so next to
 *                     this executable)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef BPFCANCEL_CLANG
#define BPFCANCEL_CLANG "/usr/lib/llvm-22/bin/clang"
#endif

#define PREFIX "clang (bpfcancel): error: "
#define WPREFIX "clang (bpfcancel): warning: "

static int starts_with(const char *s, const char *p) {
  return strncmp(s, p, strlen(p)) == 0;
}

static char *plugin_path(void) {
  static char buf[PATH_MAX + 32];
  const char *env = getenv("BPFCANCEL_PLUGIN");
  char *slash;
  ssize_t n;

  if (env && *env)
    return (char *)env;
  n = readlink("/proc/self/exe", buf, PATH_MAX);
  if (n < 0) {
    fprintf(stderr,
            PREFIX "cannot find my own path: %s; set BPFCANCEL_PLUGIN\n",
            strerror(errno));
    exit(1);
  }
  buf[n] = '\0';
  slash = strrchr(buf, '/');
  if (slash)
    *slash = '\0';
  strcat(buf, "/../lib/BPFCancel.so");
  return buf;
}

int main(int argc, char **argv) {
  const char *clang = getenv("BPFCANCEL_CLANG");
  const char *mode = NULL, *policy = NULL, *warn = "default";
  int want_warn = -1, warn_error = 0, preprocess_only = 0;
  const char *bitcode_flag = NULL;
  char **out;
  int i, n = 0;

  if (!clang || !*clang)
    clang = BPFCANCEL_CLANG;
  if (getenv("BPFCANCEL_SHIM_ACTIVE")) {
    fprintf(stderr,
            PREFIX "BPFCANCEL_CLANG (%s) runs the shim again; "
                   "point it at the real clang\n",
            clang);
    return 1;
  }
  /* argv + 8 plugin arguments + NULL */
  out = calloc(argc + 10, sizeof(*out));
  if (!out) {
    fprintf(stderr, PREFIX "out of memory\n");
    return 1;
  }
  out[n++] = (char *)clang;
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];

    if (!strcmp(a, "-fbpf-cancellable")) {
      mode = "auto";
    } else if (starts_with(a, "-fbpf-cancellable=")) {
      mode = a + strlen("-fbpf-cancellable=");
      if (strcmp(mode, "auto") && strcmp(mode, "all")) {
        fprintf(stderr,
                PREFIX "invalid value '%s' in '%s' "
                       "(expected auto or all)\n",
                mode, a);
        return 1;
      }
    } else if (!strcmp(a, "-fno-bpf-cancellable")) {
      mode = NULL;
    } else if (starts_with(a, "-fbpf-cancellable-policy=")) {
      policy = a + strlen("-fbpf-cancellable-policy=");
      if (!*policy) {
        fprintf(stderr, PREFIX "'%s' needs a file name\n", a);
        return 1;
      }
    } else if (!strcmp(a, "-fbpf-cancellable-policy")) {
      fprintf(stderr, PREFIX "use -fbpf-cancellable-policy=FILE\n");
      return 1;
    } else if (!strcmp(a, "-Wbpf-cancel")) {
      want_warn = 1;
    } else if (!strcmp(a, "-Wno-bpf-cancel")) {
      want_warn = 0;
      warn_error = 0;
    } else if (!strcmp(a, "-Werror=bpf-cancel")) {
      want_warn = 1;
      warn_error = 1;
    } else if (!strcmp(a, "-Wno-error=bpf-cancel")) {
      warn_error = 0;
    } else {
      if (!strcmp(a, "-E"))
        preprocess_only = 1;
      else if (!strcmp(a, "-emit-llvm") || !strcmp(a, "-flto") ||
               starts_with(a, "-flto="))
        bitcode_flag = a;
      else if (!strcmp(a, "-fno-lto") && bitcode_flag &&
               starts_with(bitcode_flag, "-flto"))
        bitcode_flag = NULL;
      out[n++] = argv[i];
    }
  }
  if (want_warn > 0)
    warn = warn_error ? "error" : "warn";
  else if (!want_warn)
    warn = "none";
  if (policy && !mode)
    fprintf(stderr,
            WPREFIX "-fbpf-cancellable-policy=%s has no effect without "
                    "-fbpf-cancellable\n",
            policy);
  if (mode && bitcode_flag && !preprocess_only)
    fprintf(stderr,
            WPREFIX "-fbpf-cancellable with %s: cold twins and .BPF.cancel "
                    "are made at code generation, so this bitcode has none "
                    "(compile it to an object with -fbpf-cancellable)\n",
            bitcode_flag);

  if (mode && !preprocess_only) {
    static char plugin_arg[PATH_MAX + 64], mode_arg[64], warn_arg[64];
    char *policy_arg;
    char *plugin = plugin_path();

    if (access(plugin, R_OK)) {
      fprintf(stderr,
              PREFIX "pass plugin '%s' not found: %s "
                     "(build it, or set BPFCANCEL_PLUGIN)\n",
              plugin, strerror(errno));
      return 1;
    }
    snprintf(plugin_arg, sizeof(plugin_arg), "-fpass-plugin=%s", plugin);
    snprintf(mode_arg, sizeof(mode_arg), "-bpf-cancel-mode=%s", mode);
    snprintf(warn_arg, sizeof(warn_arg), "-bpf-cancel-warn=%s", warn);
    out[n++] = plugin_arg;
    out[n++] = "-mllvm";
    out[n++] = mode_arg;
    out[n++] = "-mllvm";
    out[n++] = warn_arg;
    if (policy) {
      if (asprintf(&policy_arg, "-bpf-cancel-policy=%s", policy) < 0) {
        fprintf(stderr, PREFIX "out of memory\n");
        return 1;
      }
      out[n++] = "-mllvm";
      out[n++] = policy_arg;
    }
  }
  out[n] = NULL;
  setenv("BPFCANCEL_SHIM_ACTIVE", "1", 1);
  execv(clang, out);
  fprintf(stderr, PREFIX "cannot run '%s': %s (set BPFCANCEL_CLANG)\n", clang,
          strerror(errno));
  return 1;
}
