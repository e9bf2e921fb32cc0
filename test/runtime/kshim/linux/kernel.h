/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* test stand-in for the kernel's <linux/kernel.h>: snprintf, bool, and
 * __printf (compiler_attributes.h, which every kernel file sees)
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#define __printf(a, b)	__attribute__((format(printf, a, b)))
