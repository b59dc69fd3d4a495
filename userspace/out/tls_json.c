// SPDX-License-Identifier: GPL-2.0-only
/*
 * TLS events in JSON (ECS tls.* and whoflow.tls.*), for the JSON sink.
 */
#include <stdio.h>
#include <string.h>
#include <linux/types.h>
#include "flow_events.h"
#include "owner_fmt.h"
#include "tls.h"
#include "tls_json.h"

static void json__u16_list(struct json *j, const char *key, const struct tls_u16_list *l)
{
	json__arr_open(j, key);
	for (size_t i = 0; i < l->n; i++)
		json__u64(j, NULL, l->v[i]);
	json__arr_close(j);
}

static void json__hex16(struct json *j, const char *key, uint16_t v)
{
	char b[8];

	snprintf(b, sizeof(b), "0x%04x", v);
	json__str(j, key, b);
}

/* ECS tls.version: "1.3" of TLS 1.3; only once the server said which it chose. */
void tls_json__ecs(struct json *j, const struct tls_view *tv)
{
	const struct tls_client_hello *ch = &tv->ch;
	char vb[16], cb[24];

	json__obj_open(j, "tls");
	if (tv->has_sh && !tv->sh.malformed && !tv->sh.hello_retry) {
		uint16_t v =
			tv->sh.selected_version ? tv->sh.selected_version : tv->sh.legacy_version;
		const char *name = tls__version_name(v, vb, sizeof(vb));

		json__str(j, "version",
			  strncmp(name, "TLS ", 4) && strncmp(name, "SSL ", 4) ? name : name + 4);
		json__str(j, "version_protocol", strncmp(name, "SSL ", 4) ? "tls" : "ssl");
		json__str(j, "cipher", tls__cipher_name(tv->sh.cipher, cb, sizeof(cb)));
		if (tv->sh.alpn[0])
			json__str(j, "next_protocol", tv->sh.alpn);
	}
	json__obj_open(j, "client");
	if (ch->has_sni)
		json__str(j, "server_name", ch->sni);
	json__arr_open(j, "supported_ciphers");
	for (size_t i = 0; i < ch->ciphers.n; i++)
		json__str(j, NULL, tls__cipher_name(ch->ciphers.v[i], cb, sizeof(cb)));
	json__arr_close(j);
	/* No fingerprint where the references give none (see ja.h). */
	if (tv->ja3_md5[0])
		json__str(j, "ja3", tv->ja3_md5);
	if (tv->ja4[0] && tv->ja4_r) {
		json__str(j, "ja4", tv->ja4);
		json__str(j, "ja4_r", tv->ja4_r);
	}
	json__obj_close(j);
	json__obj_close(j);
}

/* SSLv2 cipher specs as sent (3 bytes each), and any list whoflow could not keep whole. */
static void tls_json__limits(struct json *j, const struct tls_client_hello *ch)
{
	const struct {
		const char *name;
		bool cut;
	} lists[] = {
		{ "ciphers", ch->ciphers.cut },
		{ "extensions", ch->extensions.cut },
		{ "supported_groups", ch->groups.cut },
		{ "signature_algorithms", ch->sig_algs.cut },
		{ "supported_versions", ch->versions.cut },
		{ "key_share_groups", ch->key_shares.cut },
		{ "alpn", ch->alpn_cut },
	};
	bool any = false;

	if (ch->sslv2) {
		json__arr_open(j, "sslv2_cipher_specs");
		for (size_t i = 0; i < ch->nsslv2_specs; i++) {
			char b[12];

			snprintf(b, sizeof(b), "0x%06x", ch->sslv2_specs[i]);
			json__str(j, NULL, b);
		}
		json__arr_close(j);
	}
	if (ch->has_overrun_ext)
		json__u64(j, "overrun_extension", ch->overrun_ext);
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		if (!lists[i].cut)
			continue;
		if (!any)
			json__arr_open(j, "truncated_lists");
		any = true;
		json__str(j, NULL, lists[i].name);
	}
	if (any)
		json__arr_close(j);
}

static void tls_json__client(struct json *j, const struct tls_client_hello *ch, const char *ja3)
{
	json__obj_open(j, "client");
	json__hex16(j, "legacy_version", ch->legacy_version);
	json__bool(j, "sslv2", ch->sslv2);
	json__arr_open(j, "supported_versions");
	for (size_t i = 0; i < ch->versions.n; i++) {
		char b[8];

		snprintf(b, sizeof(b), "0x%04x", ch->versions.v[i]);
		json__str(j, NULL, b);
	}
	json__arr_close(j);
	json__arr_open(j, "alpn");
	for (size_t i = 0; i < ch->nalpn; i++)
		json__str(j, NULL, ch->alpn[i]);
	json__arr_close(j);
	json__u16_list(j, "ciphers", &ch->ciphers);
	json__u16_list(j, "extensions", &ch->extensions);
	json__u16_list(j, "supported_groups", &ch->groups);
	json__u16_list(j, "signature_algorithms", &ch->sig_algs);
	json__u16_list(j, "key_share_groups", &ch->key_shares);
	json__arr_open(j, "ec_point_formats");
	for (size_t i = 0; i < ch->npoint_formats; i++)
		json__u64(j, NULL, ch->point_formats[i]);
	json__arr_close(j);
	json__arr_open(j, "compression_methods");
	for (size_t i = 0; i < ch->ncompression; i++)
		json__u64(j, NULL, ch->compression[i]);
	json__arr_close(j);
	if (ja3)
		json__str(j, "ja3_string", ja3);
	tls_json__limits(j, ch);
	json__obj_close(j);
}

static void json__cid(struct json *j, const char *key, const uint8_t *id, size_t n)
{
	char hex[2 * 20 + 1];

	for (size_t i = 0; i < n && i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
	hex[2 * (n < 20 ? n : 20)] = '\0';
	json__str(j, key, hex);
}

/* whoflow.quic: the Initial packets the hello came in. */
static void tls_json__quic(struct json *j, const struct tls_view *tv)
{
	char v[12];

	snprintf(v, sizeof(v), "0x%08x", tv->quic_version);
	json__obj_open(j, "quic");
	json__str(j, "version", v);
	json__cid(j, "dcid", tv->quic_dcid, tv->quic_dcid_len);
	json__cid(j, "scid", tv->quic_scid, tv->quic_scid_len);
	json__u64(j, "initial_packets", tv->quic_packets);
	json__obj_close(j);
}

void tls_json__whoflow(struct json *j, const struct tls_view *tv,
			      const struct owner_view *ov)
{
	json__obj_open(j, "whoflow");
	owner__json_whoflow(j, ov);
	json__obj_open(j, "flow");
	json__str(j, "id", tv->flow_id);
	json__obj_close(j);
	json__obj_open(j, "tls");
	tls_json__client(j, &tv->ch, tv->ja3);
	if (tv->has_sh) {
		json__obj_open(j, "server");
		json__hex16(j, "legacy_version", tv->sh.legacy_version);
		if (tv->sh.selected_version)
			json__hex16(j, "selected_version", tv->sh.selected_version);
		json__hex16(j, "cipher", tv->sh.cipher);
		if (tv->sh.alpn[0])
			json__str(j, "alpn", tv->sh.alpn);
		json__bool(j, "hello_retry", tv->sh.hello_retry);
		json__obj_close(j);
	}
	if (tv->ch.malformed) {
		json__bool(j, "malformed", true);
		json__str(j, "malformed_reason", tv->ch.malformed_reason);
	}
	if (tv->kernel_sni[0])
		json__str(j, "kernel_sni", tv->kernel_sni);
	if (tv->incomplete) {
		json__u64(j, "captured_bytes", tv->captured);
		json__u64(j, "wanted_bytes", tv->wanted);
	}
	json__obj_close(j);
	if (tv->quic)
		tls_json__quic(j, tv);
	json__obj_open(j, "netns");
	json__u64(j, "cookie", tv->e->h.netns);
	json__obj_close(j);
	json__obj_close(j);
}

