/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * core.h - the freestanding core's API for the rest of the runtime.
 *
 * The core lives in runtime/core/bpf_cancel_core.[ch], byte-identical to
 * the kernel tree's tools/lib/bpf/bpf_cancel_core.[ch]; this header only
 * forwards to it. Its includer needs runtime/include/uapi on the include
 * path (for <linux/bpf_cancel.h>): the bpfcancel_runtime target exports
 * it.
 */
#ifndef __BPFCANCEL_CORE_H
#define __BPFCANCEL_CORE_H

#include "../../core/bpf_cancel_core.h"

#endif /* __BPFCANCEL_CORE_H */
