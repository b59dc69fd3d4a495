/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_TEXTESC_H
#define WHOFLOW_TEXTESC_H

#include <stddef.h>
#include <stdint.h>

/*
 * Copies wire bytes (SNI, ALPN, HTTP fields) as text: printable ASCII as is,
 * everything else (and the backslash) as \xNN, so no control byte reaches an
 * event raw. Cut to fit outsz, always NUL-terminated.
 */
void textesc__ascii(char *out, size_t outsz, const uint8_t *s, size_t n);

#endif
