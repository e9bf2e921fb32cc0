/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test stand-in for the kernel's <linux/string.h>: memcpy/memset/memcmp */
#include <string.h>
