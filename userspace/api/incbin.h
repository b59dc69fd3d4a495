/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef WHOFLOW_INCBIN_H
#define WHOFLOW_INCBIN_H

/*
 * A file of the source tree built into the program as a NUL-terminated char
 * array named sym, in section sect ("a": allocated, read only). The path is
 * relative to where make runs (the top of the tree); the Makefile makes the
 * object depend on the file.
 */
#define INCBIN(sym, path, sect)                        \
	__asm__(".section " sect ", \"a\"\n"           \
		".global " #sym "\n"                   \
		".type " #sym ", @object\n" #sym ":\n" \
		".incbin \"" path "\"\n"               \
		".byte 0\n"                            \
		".size " #sym ", . - " #sym "\n"       \
		".previous\n")

#endif
