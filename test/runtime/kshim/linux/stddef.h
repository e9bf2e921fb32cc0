/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test stand-in for the kernel's <linux/stddef.h>: offsetof */
#include_next <linux/stddef.h>
#include <stddef.h>
