/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test stand-in for the kernel's <linux/kernel.h>: snprintf, bool */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
