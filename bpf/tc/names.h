/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Names -w selects (--domain, --sni): matched in the kernel, by hash.
 */
#ifndef WHOFLOW_TC_NAMES_H
#define WHOFLOW_TC_NAMES_H

#define FNV64_OFFSET 0xcbf29ce484222325ull

#define FNV64_PRIME 0x100000001b3ull

/*
 * Whether a DNS name or SNI is one -w selects: one pass from the last byte to
 * the first, hashing (FNV-1a, lower case) the suffix read so far; at each dot
 * the suffix (".example.com") is looked up as a *.suffix pattern, and the whole
 * name at the end as an exact one. userspace/flow.c hashes patterns the same way.
 */
/* A name buffer as the verifier must see it: a global function's pointer argument
 * is as large as its type. */
struct wf_name {
	char s[WF_SNI_MAX];
};

__noinline int wf_name_selected(const struct wf_name *name, __u32 len)
{
	__u64 h = FNV64_OFFSET;
	__u8 *kind;

	if (!name || !len || len > WF_SNI_MAX)
		return 0;
	for (int j = 0; j < WF_SNI_MAX; j++) {
		__u32 i;
		char c;

		if (j >= len)
			break;
		i = (len - 1 - j) & (WF_SNI_MAX - 1);
		c = name->s[i];
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		h = (h ^ (__u8)c) * FNV64_PRIME;
		if (c == '.') {
			kind = bpf_map_lookup_elem(&capture_names, &h);
			if (kind && (*kind & 2))
				return 1;
		}
	}
	kind = bpf_map_lookup_elem(&capture_names, &h);
	return kind && (*kind & 1);
}

#endif
