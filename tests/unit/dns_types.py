# SPDX-License-Identifier: GPL-2.0-only
"""Writes dns_types.h: every RR type dnspython names (an independent reading of IANA's registry),
for test_dns.c to compare dns__type_name with. usage: /usr/bin/python3 dns_types.py > dns_types.h"""
import dns.rdatatype
import dns.version

print("/* SPDX-License-Identifier: GPL-2.0-only */")
print("/* Made by tests/unit/dns_types.py with dnspython %s: do not edit. */" % dns.version.version)
print("static const struct { unsigned v; const char *name; } dnspython_types[] = {")
for v in range(65536):
    name = dns.rdatatype.to_text(v)
    if name != "TYPE%d" % v:
        print('\t{ %d, "%s" },' % (v, name))
print("};")
