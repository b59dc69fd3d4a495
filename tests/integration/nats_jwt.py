# SPDX-License-Identifier: GPL-2.0-only
"""NATS decentralized auth for tests: an operator, an account with JetStream and a user, as nsc
makes them (NKeys: ed25519 keys in base32 with a type prefix and a CRC-16; JWTs signed with
ed25519, alg "ed25519-nkey"), and the user's .creds file. Written from the NKeys and JWT
formats (nats-io/nkeys, nats-io/jwt v2) for tests only: nsc is not in Debian."""
import base64
import hashlib
import json
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

PREFIX_SEED = 18 << 3
PREFIX = {"operator": 14 << 3, "account": 0, "user": 20 << 3}


def _crc16(data):
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def _b32(raw):
    return base64.b32encode(raw + _crc16(raw).to_bytes(2, "little")).decode().rstrip("=")


def _b64url(raw):
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class NKey:
    def __init__(self, kind):
        self.kind = kind
        self.key = Ed25519PrivateKey.generate()
        raw_seed = self.key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                          serialization.NoEncryption())
        raw_pub = self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        p = PREFIX[kind]
        self.public = _b32(bytes([p]) + raw_pub)
        self.seed = _b32(bytes([PREFIX_SEED | (p >> 5), (p & 31) << 3]) + raw_seed)

    def sign(self, data):
        return self.key.sign(data)


def jwt(issuer, subject_public, name, nats):
    claims = {"iat": int(time.time()), "iss": issuer.public, "name": name, "sub": subject_public, "nats": nats}
    claims["jti"] = base64.b32encode(hashlib.sha256(json.dumps(claims, sort_keys=True).encode()).digest()
                                     ).decode().rstrip("=")
    head = _b64url(json.dumps({"typ": "JWT", "alg": "ed25519-nkey"}).encode())
    body = _b64url(json.dumps(claims).encode())
    sig = _b64url(issuer.sign((head + "." + body).encode()))
    return head + "." + body + "." + sig


def setup():
    """(server config text, user JWT, user NKey): an operator, a system account, an account with
    JetStream, and a user in it."""
    op, sysacc, acc, user = NKey("operator"), NKey("account"), NKey("account"), NKey("user")
    op_jwt = jwt(op, op.public, "wf-operator", {"type": "operator", "version": 2, "system_account": sysacc.public})
    unlimited = {"subs": -1, "data": -1, "payload": -1, "imports": -1, "exports": -1, "wildcards": True,
                 "conn": -1, "leaf": -1}
    sys_jwt = jwt(op, sysacc.public, "SYS", {"type": "account", "version": 2, "limits": unlimited})
    acc_jwt = jwt(op, acc.public, "wf-account", {"type": "account", "version": 2, "limits": dict(
        unlimited, mem_storage=-1, disk_storage=-1, streams=-1, consumer=-1)})
    user_jwt = jwt(acc, user.public, "wf-user", {"type": "user", "version": 2, "pub": {}, "sub": {},
                                                 "subs": -1, "data": -1, "payload": -1})
    conf = ('operator: "%s"\nsystem_account: "%s"\nresolver: MEMORY\nresolver_preload: {\n  %s: "%s"\n  %s: "%s"\n}\n'
            % (op_jwt, sysacc.public, sysacc.public, sys_jwt, acc.public, acc_jwt))
    return conf, user_jwt, user


def creds(user_jwt, user):
    return ("-----BEGIN NATS USER JWT-----\n%s\n------END NATS USER JWT------\n\n"
            "************************* IMPORTANT *************************\n"
            "NKEY Seed printed below can be used to sign and prove identity.\n"
            "NKEYs are sensitive and should be treated as secrets.\n\n"
            "-----BEGIN USER NKEY SEED-----\n%s\n------END USER NKEY SEED------\n\n"
            "*************************************************************\n" % (user_jwt, user.seed))
