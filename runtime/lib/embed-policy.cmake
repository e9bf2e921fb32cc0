# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Embed a policy file into a C source as a byte array.
#   cmake -DIN=<policy file> -DOUT=<generated .c> -P embed-policy.cmake
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" n)
math(EXPR len "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n\t" bytes "${bytes}")
file(WRITE "${OUT}.tmp"
"/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Generated from ${IN} by embed-policy.cmake: do not edit. */
#include <stddef.h>

const char bpfcancel_default_policy[] = {
\t${bytes}0x00
};
const size_t bpfcancel_default_policy_len = ${len};
")
file(RENAME "${OUT}.tmp" "${OUT}")
