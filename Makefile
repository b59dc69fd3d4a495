# SPDX-License-Identifier: GPL-2.0-only
# whoflow build: %.bpf.c -> build/%.bpf.o -> build/%.linked.o (bpftool gen object) -> build/%.skel.h -> build/whoflow

SHELL     := /bin/bash
CC        ?= gcc
CLANG     ?= clang
BPFTOOL   ?= bpftool
PYTHON    ?= /usr/bin/python3
PREFIX    ?= /usr/local
WIRESHARK_PLUGINS ?= /usr/lib/$(shell gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)/wireshark/plugins
DESTDIR   ?=
BUILD     := build
VMLINUX_BTF ?= /sys/kernel/btf/vmlinux
# Point VMLINUX_H at a pinned copy to build without this kernel's BTF.
VMLINUX_H ?=

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

PKGS := libbpf libcrypto libpcap libnl-3.0 libnl-route-3.0 libxdp sqlite3 yaml-0.1 libpcre2-8 json-c
# libmicrohttpd, libfixbuf, libnats and libcurl: their headers at build time; each library
# is loaded when its output starts (userspace/api/mhd.c, out/sink_ipfix.c, out/sink_nats.c,
# meta/ctr_api.c), so a monitor without --api, --ipfix, --nats or a container runtime's
# socket does not map them (GnuTLS, GLib, libssl, libcurl's protocols).
PKGS_CFLAGS_ONLY := libmicrohttpd libfixbuf libnats libcurl
CFLAGS   ?= -O2 -g
CFLAGS   += -Wall -Wextra -Werror -Wno-unused-parameter -std=gnu11 -MMD -MP
# Userspace is one folder per stage (see docs/architecture.md); sources are picked by folder.
STAGES   := cli api core proc sock net file proto join select detect meta out lib
CPPFLAGS += -I$(BUILD) -Ibpf/include $(addprefix -Iuserspace/,$(STAGES)) $(shell pkg-config --cflags $(PKGS) $(PKGS_CFLAGS_ONLY))
LDLIBS   += $(shell pkg-config --libs $(PKGS)) -lelf -lz -lpthread

BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror -MMD -MP \
	-I$(BUILD) -Ibpf/include

BPF_SRCS := bpf/trace/proc.bpf.c bpf/trace/drop.bpf.c bpf/trace/fileopen.bpf.c bpf/tc/flow.bpf.c bpf/cgroup/sock.bpf.c
BPF_OBJS := $(patsubst %.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS    := $(patsubst %.bpf.c,$(BUILD)/%.skel.h,$(notdir $(BPF_SRCS)))

# Pure modules (decoders and helpers): no BPF, no globals beyond their own; the
# unit tests link them directly.
LIB_SRCS := $(wildcard userspace/proto/*.c userspace/lib/*.c)
AGENT_SRCS := userspace/main.c $(foreach d,cli api core proc sock net file join select detect meta out,$(wildcard userspace/$(d)/*.c))
LIB_OBJS   := $(patsubst %.c,$(BUILD)/%.o,$(LIB_SRCS))
AGENT_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(AGENT_SRCS))

UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))

DEB_PKGS := make gcc libc6-dev linux-libc-dev clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev libssl-dev libpcap-dev libnl-3-dev libnl-route-3-dev libxdp-dev pkg-config \
	libcmocka-dev iproute2 procps util-linux python3 python3-pytest python3-dnspython \
	dnsmasq-base bind9-dnsutils xdp-tools tcpdump tshark openssl nginx-light curl libclang-rt-14-dev \
	python3-scapy python3-dpkt rsyslog libsqlite3-dev sqlite3 libmicrohttpd-dev python3-jsonschema chromium \
	libyaml-dev libpcre2-dev libjson-c-dev prometheus libfixbuf-dev libfixbuf-tools nfdump libnats-dev nats-server python3-cryptography \
	ngtcp2-client ngtcp2-server libcurl4-openssl-dev docker.io busybox-static podman clang-format

.PHONY: all clean deps run test test-style test-unit test-bpf test-integration fuzz bench soak install uninstall FORCE

all: $(BUILD)/whoflow

# Installs only what is missing, so repeated `make test` stays fast. Services the
# packages bring (rsyslog, nginx) are not started: tests start their own
# (policy-rc.d refuses, for the install only, where the machine has none).
deps:
	@missing=$$(for p in $(DEB_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
		| grep -q '^install ok installed$$' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		own_policy=; if [ ! -e /usr/sbin/policy-rc.d ]; then own_policy=1; \
			printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; fi; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
		rc=$$?; [ -z "$$own_policy" ] || rm -f /usr/sbin/policy-rc.d; exit $$rc; \
	fi
	@command -v npm >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm; }
	@cmp -s tests/npm/package.json $(BUILD)/npm/package.json && [ -d $(BUILD)/npm/node_modules ] || \
		{ mkdir -p $(BUILD)/npm && cp tests/npm/package.json $(BUILD)/npm/ && \
		  cd $(BUILD)/npm && npm install --no-audit --no-fund --loglevel=error; }

$(BUILD)/.dir:
	@mkdir -p $(BUILD)/bpf/trace $(BUILD)/bpf/tc $(BUILD)/bpf/cgroup $(BUILD)/tests $(addprefix $(BUILD)/userspace/,$(STAGES))
	@touch $@

# vmlinux.h is regenerated every build but replaced only when its content changes,
# so BPF objects rebuild only when the kernel's types really differ.
$(BUILD)/vmlinux.h: FORCE | $(BUILD)/.dir
ifeq ($(VMLINUX_H),)
	@$(BPFTOOL) btf dump file $(VMLINUX_BTF) format c > $@.tmp || \
		{ echo "error: cannot read $(VMLINUX_BTF): build needs a kernel with BTF or VMLINUX_H=path" >&2; rm -f $@.tmp; exit 1; }
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
else
	@cmp -s $(VMLINUX_H) $@ || cp $(VMLINUX_H) $@
endif

$(BUILD)/%.bpf.o: %.bpf.c $(BUILD)/vmlinux.h | $(BUILD)/.dir
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# A skeleton embeds its object as bpftool links it (as libbpf-bootstrap and the
# kernel's selftests do): BTF and line info kept, the compiler's DWARF left out.
# The DWARF was four fifths of the objects, 3.3 MB of every monitor's binary,
# half of it resident after libbpf read the objects (docs/performance.md).
$(BUILD)/%.linked.o: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen object $@ $<

$(BUILD)/proc.skel.h: $(BUILD)/bpf/trace/proc.linked.o
	$(BPFTOOL) gen skeleton $< name proc_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/drop.skel.h: $(BUILD)/bpf/trace/drop.linked.o
	$(BPFTOOL) gen skeleton $< name drop_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/fileopen.skel.h: $(BUILD)/bpf/trace/fileopen.linked.o
	$(BPFTOOL) gen skeleton $< name fileopen_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/flow.skel.h: $(BUILD)/bpf/tc/flow.linked.o
	$(BPFTOOL) gen skeleton $< name flow_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/sock.skel.h: $(BUILD)/bpf/cgroup/sock.linked.o
	$(BPFTOOL) gen skeleton $< name sock_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/userspace/%.o: userspace/%.c | $(BUILD)/.dir $(SKELS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/whoflow: $(AGENT_OBJS) $(LIB_OBJS)
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $< $(LIB_OBJS) -o $@ -lcmocka -lcrypto -lpcap -lz -ljson-c

# The owner sweep works on a real BPF map (root): its own link line.
$(BUILD)/tests/test_owner_sweep: tests/unit/test_owner_sweep.c $(BUILD)/userspace/sock/owner_sweep.o
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $< $(BUILD)/userspace/sock/owner_sweep.o -o $@ -lcmocka $(LDLIBS)

# Long flows' periods, on a real BPF map (root) as well.
$(BUILD)/tests/test_flow_base: tests/unit/test_flow_base.c $(BUILD)/userspace/net/flow_base.o
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $< $(BUILD)/userspace/net/flow_base.o -o $@ -lcmocka $(LDLIBS)

# The container metadata cache (the pipeline's side of the meta stage).
$(BUILD)/tests/test_ctr_cache: tests/unit/test_ctr_cache.c $(BUILD)/userspace/core/ctr_cache.o $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $< $(BUILD)/userspace/core/ctr_cache.o $(LIB_OBJS) -o $@ -lcmocka \
		-lcrypto -lpcap -lz -ljson-c

# The store's checkpoints, on a real SQLite file.
$(BUILD)/tests/test_db_store: tests/unit/test_db_store.c $(BUILD)/userspace/out/db_store.o
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $< $(BUILD)/userspace/out/db_store.o -o $@ -lcmocka -lsqlite3

$(BUILD)/tests/test_ksyms: tests/unit/test_ksyms.c $(BUILD)/userspace/net/ksyms.o
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $< $(BUILD)/userspace/net/ksyms.o -o $@ -lcmocka

# The QUIC sessions with the decoders they use.
$(BUILD)/tests/test_quic_session: tests/unit/test_quic_session.c $(BUILD)/userspace/net/quic_session.o $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $< $(BUILD)/userspace/net/quic_session.o $(LIB_OBJS) -o $@ -lcmocka -lcrypto -lpcap -lz -ljson-c

# The TLS sessions (reassembly from chunk records) with the decoders they use.
$(BUILD)/tests/test_tls_session: tests/unit/test_tls_session.c $(BUILD)/userspace/net/tls_session.o $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $< $(BUILD)/userspace/net/tls_session.o $(LIB_OBJS) -o $@ -lcmocka -lcrypto -lpcap -lz -ljson-c

# What every stage derives from a process, and the containers processes share:
# built from source with AddressSanitizer, so that a shared container freed
# while a process still names it fails the test.
$(BUILD)/tests/test_proc_info: tests/unit/test_proc_info.c userspace/core/proc_info.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -fsanitize=address $< userspace/core/proc_info.c $(LIB_OBJS) -o $@ \
		-lcmocka -lcrypto -lpcap -lz -ljson-c

# The select stage with the decoders it reads and the process matcher.
$(BUILD)/tests/test_select: tests/unit/test_select.c $(BUILD)/userspace/select/select.o \
		$(BUILD)/userspace/select/filter.o $(BUILD)/userspace/core/ctr_cache.o $(BUILD)/userspace/core/proc_info.o $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $< $(BUILD)/userspace/select/select.o \
		$(BUILD)/userspace/select/filter.o $(BUILD)/userspace/core/ctr_cache.o $(BUILD)/userspace/core/proc_info.o $(LIB_OBJS) -o $@ -lcmocka -lcrypto -lpcap -lz -ljson-c

# The Sigma matcher: the rules' reader and compiler, without the pipeline's events.
SIGMA_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(filter-out userspace/detect/sigma_bag.c userspace/detect/detect.c userspace/detect/rule_admin.c,\
	$(wildcard userspace/detect/*.c)))
$(BUILD)/tests/test_sigma: tests/unit/test_sigma.c $(SIGMA_OBJS) $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $< $(SIGMA_OBJS) $(LIB_OBJS) -o $@ -lcmocka -lcrypto -lpcap -lz \
		-lyaml -lpcre2-8 -ljson-c

# The log files' lines, with the formatters they share with the other sinks.
$(BUILD)/tests/test_log_rows: tests/unit/test_log_rows.c $(BUILD)/userspace/out/log_rows.o \
		$(BUILD)/userspace/out/log_cols.o $(BUILD)/userspace/out/net_fmt.o \
		$(BUILD)/userspace/core/ctr_cache.o $(BUILD)/userspace/core/proc_info.o $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $< $(BUILD)/userspace/out/log_rows.o \
		$(BUILD)/userspace/out/log_cols.o $(BUILD)/userspace/out/net_fmt.o \
		$(BUILD)/userspace/core/ctr_cache.o $(BUILD)/userspace/core/proc_info.o $(LIB_OBJS) -o $@ -lcmocka -lcrypto -lpcap -lz -ljson-c

# The OpenAPI document is assembled into the program (.incbin): rebuilt when it changes.
$(BUILD)/userspace/api/openapi.o: userspace/api/openapi.json
$(BUILD)/userspace/api/ui.o: $(wildcard userspace/api/ui/*)
# /docs: swagger-ui-dist from npm (make deps), when it is there.
SWAGGER_DIR := $(BUILD)/npm/node_modules/swagger-ui-dist
ifneq ($(wildcard $(SWAGGER_DIR)/swagger-ui-bundle.js),)
$(BUILD)/userspace/api/docs.o: CPPFLAGS += -DWHOFLOW_SWAGGER_DIR=\"$(SWAGGER_DIR)\"
$(BUILD)/userspace/api/docs.o: $(SWAGGER_DIR)/swagger-ui-bundle.js $(SWAGGER_DIR)/swagger-ui.css
endif

BPF_TESTS := $(BUILD)/tests/test_flow_bpf $(BUILD)/tests/test_iface_counts $(BUILD)/tests/test_expr_diff
# Helpers of the integration tests: a stand-in for someone else's XDP program;
# a classifier that makes offloaded VLAN tags (no 8021q module needed).
TEST_BPF_OBJS := $(BUILD)/tests/xdp_pass.bpf.o $(BUILD)/tests/vlan_push.bpf.o $(BUILD)/tests/drop_nth.bpf.o

$(BUILD)/tests/%.bpf.o: tests/bpf/%.bpf.c $(BUILD)/vmlinux.h
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/tests/test_flow_bpf: tests/bpf/test_flow_bpf.c $(BUILD)/flow.skel.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/bpf $(CFLAGS) $< -o $@ $(LDLIBS) -lcmocka

$(BUILD)/tests/test_iface_counts: tests/bpf/test_iface_counts.c userspace/net/iface_slot.c $(BUILD)/flow.skel.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/bpf $(CFLAGS) $< userspace/net/iface_slot.c -o $@ $(LDLIBS) -lcmocka

$(BUILD)/tests/test_expr_diff: tests/bpf/test_expr_diff.c userspace/net/expr.c userspace/lib/log.c $(BUILD)/flow.skel.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/bpf $(CFLAGS) $< userspace/net/expr.c userspace/lib/log.c -o $@ $(LDLIBS)

# Generated (scapy, seeded): the packets of the filter-expression differential test.
$(BUILD)/tests/diff_packets.pcap: tests/bpf/make_diff_packets.py
	@mkdir -p $(dir $@)
	$(PYTHON) $< $@ 2>/dev/null

# Loads programs into the kernel: needs root.
test-bpf: $(BPF_TESTS) $(BUILD)/tests/diff_packets.pcap
	@set -e; echo "== $(BUILD)/tests/test_flow_bpf"; $(BUILD)/tests/test_flow_bpf; \
	echo "== $(BUILD)/tests/test_iface_counts"; $(BUILD)/tests/test_iface_counts; \
	echo "== $(BUILD)/tests/test_expr_diff"; $(BUILD)/tests/test_expr_diff $(BUILD)/tests/diff_packets.pcap

# The kernel code's style (.clang-format, Debian 12's clang-format 14): checked, never rewritten here.
STYLE_SRCS := $(wildcard bpf/*/*.c bpf/*/*.h bench/*.bpf.c tests/bpf/*.bpf.c)

test-style:
	@clang-format --dry-run --Werror $(STYLE_SRCS) || \
		{ echo "kernel code not in clang-format's style: run clang-format -i on the files above"; exit 1; }

test-unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; $$t; done

test-integration: $(BUILD)/whoflow $(TEST_BPF_OBJS) $(BUILD)/tests/test_expr_diff
	$(PYTHON) -m pytest -v tests/integration

test: deps
	$(MAKE) test-style
	$(MAKE) all $(UNIT_TESTS) $(BPF_TESTS) $(TEST_BPF_OBJS)
	$(MAKE) test-unit
	$(MAKE) test-bpf
	$(MAKE) test-integration

# Benchmarks (not part of make test): figures beside references measured in the same run.
BENCH_PKGS := iperf3 dnsperf

$(BUILD)/bench/floor.bpf.o: bench/floor.bpf.c $(BUILD)/vmlinux.h
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bench/minflow.bpf.o: bench/minflow.bpf.c $(BUILD)/vmlinux.h
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bench/minflow: bench/minflow.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $< -o $@ $(LDLIBS)

$(BUILD)/bench/procs: bench/procs.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< -o $@

$(BUILD)/bench/filestorm: bench/filestorm.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $< -o $@

$(BUILD)/bench/tpfloor.bpf.o: bench/tpfloor.bpf.c $(BUILD)/vmlinux.h
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bench/minown.bpf.o: bench/minown.bpf.c $(BUILD)/vmlinux.h
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bench/tpfloor: bench/tpfloor.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $< -o $@ $(LDLIBS)

$(BUILD)/bench/mapcount: bench/mapcount.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $< -o $@ $(LDLIBS)

$(BUILD)/bench/client_hello.h: bench/make_hello.py
	@mkdir -p $(dir $@)
	$(PYTHON) $< $@

$(BUILD)/bench/pktcost: bench/pktcost.c $(BUILD)/flow.skel.h $(BUILD)/bench/client_hello.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -I$(BUILD)/bench -Itests/bpf $(CFLAGS) $< -o $@ $(LDLIBS)

bench: deps
	@missing=$$(for p in $(BENCH_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
		| grep -q '^install ok installed$$' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	$(MAKE) all $(BUILD)/bench/floor.bpf.o $(BUILD)/bench/minflow.bpf.o $(BUILD)/bench/minflow $(BUILD)/bench/procs $(BUILD)/bench/filestorm $(BUILD)/bench/pktcost \
		$(BUILD)/bench/tpfloor.bpf.o $(BUILD)/bench/tpfloor $(BUILD)/bench/minown.bpf.o
	$(PYTHON) bench/bench.py

# One long run under every kind of load (not part of make test): RSS, fds, map
# entries and loss sampled; writes docs/reliability.md's results and docs/soak.svg.
SOAK_SECONDS ?= 1800
SOAK_PKGS := $(BENCH_PKGS) gnuplot-nox
soak: deps
	@missing=$$(for p in $(SOAK_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null \
		| grep -q '^install ok installed$$' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	$(MAKE) all $(BUILD)/bench/procs $(BUILD)/bench/mapcount
	SOAK_SECONDS=$(SOAK_SECONDS) $(PYTHON) bench/soak.py

# libFuzzer + ASan on each userspace decoder, FUZZ_SECONDS each, from seeds made
# by real encoders. Crashes are left in build/fuzz/ as crash-* files.
FUZZ_SECONDS ?= 60
FUZZ_SRCS := userspace/proto/dns.c userspace/proto/tls.c userspace/proto/ja.c userspace/proto/http.c \
	userspace/proto/quic.c userspace/proto/ctr_json.c userspace/proto/fsnote.c userspace/lib/textesc.c \
	userspace/lib/digest.c
FUZZ_TARGETS := $(BUILD)/fuzz/fuzz_dns $(BUILD)/fuzz/fuzz_tls $(BUILD)/fuzz/fuzz_http \
	$(BUILD)/fuzz/fuzz_quic $(BUILD)/fuzz/fuzz_sigma $(BUILD)/fuzz/fuzz_ctr $(BUILD)/fuzz/fuzz_fsnote
# The Sigma rule reader and matcher, with the libraries they use.
FUZZ_SIGMA_SRCS := $(filter-out userspace/detect/sigma_bag.c userspace/detect/detect.c \
	userspace/detect/sigma_jsonl.c userspace/detect/rule_admin.c,$(wildcard userspace/detect/*.c))

$(BUILD)/fuzz/fuzz_sigma: tests/fuzz/fuzz_sigma.c $(FUZZ_SIGMA_SRCS)
	@mkdir -p $(dir $@)
	$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined $(addprefix -Iuserspace/,$(STAGES)) $< \
		$(FUZZ_SIGMA_SRCS) -o $@ -lyaml -lpcre2-8

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_SRCS)
	@mkdir -p $(dir $@)
	$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined $(addprefix -Iuserspace/,$(STAGES)) \
		$(shell pkg-config --cflags json-c) $< $(FUZZ_SRCS) -o $@ -lcrypto -ljson-c

fuzz: deps $(FUZZ_TARGETS)
	@rm -rf $(BUILD)/fuzz/seeds && $(PYTHON) tests/fuzz/make_seeds.py $(BUILD)/fuzz/seeds
	@set -e; cd $(BUILD)/fuzz; for t in dns tls http quic sigma ctr fsnote; do \
		mkdir -p corpus-$$t; echo "== fuzz_$$t for $(FUZZ_SECONDS)s"; \
		./fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -max_len=20000 -print_final_stats=1 \
			corpus-$$t seeds/$$t 2>&1 | grep -E "^(stat::|==|SUMMARY|INFO: (Running|Done))" ; \
		test "$${PIPESTATUS[0]}" = 0 || { echo "fuzz_$$t found a crash"; exit 1; }; done

# Starts the monitor with human output; Ctrl-C stops it and removes every hook.
run: deps
	$(MAKE) all
	$(BUILD)/whoflow monitor $(ARGS)

install: $(BUILD)/whoflow
	install -D -m 0755 $(BUILD)/whoflow $(DESTDIR)$(PREFIX)/sbin/whoflow
	install -D -m 0644 docs/whoflow.8 $(DESTDIR)$(PREFIX)/share/man/man8/whoflow.8
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/share/doc/whoflow docs/usage.md docs/events.md \
		docs/architecture.md docs/performance.md
	# Wireshark's global Lua plugin directory (`tshark -G folders`), like the unit
	# under /etc: whoflow.* fields from the packet comments.
	install -D -m 0644 contrib/wireshark/whoflow.lua $(DESTDIR)$(WIRESHARK_PLUGINS)/whoflow.lua
	install -D -m 0644 contrib/wireshark/whoflow_ipfix.lua \
		$(DESTDIR)$(WIRESHARK_PLUGINS)/whoflow_ipfix.lua
	install -D -m 0644 contrib/whoflow.service $(DESTDIR)/etc/systemd/system/whoflow.service
	sed -i 's|@SBINDIR@|$(PREFIX)/sbin|' $(DESTDIR)/etc/systemd/system/whoflow.service

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/whoflow $(DESTDIR)$(PREFIX)/share/man/man8/whoflow.8 \
		$(DESTDIR)/etc/systemd/system/whoflow.service \
		$(DESTDIR)$(WIRESHARK_PLUGINS)/whoflow.lua $(DESTDIR)$(WIRESHARK_PLUGINS)/whoflow_ipfix.lua
	rm -rf $(DESTDIR)$(PREFIX)/share/doc/whoflow

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
