/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* where a kernel tree would carry runtime/include/bpfcancel/core.h */
#include <bpfcancel/core.h>
