#!/usr/bin/python3
"""Writes original-cryptfile.cfg: a keyring in the format of the Python
package keyrings.cryptfile (CryptFileKeyring, default AES mode GCM), as
the original eventum writes it, for secrets/cryptfile_test.go.

keyrings.cryptfile is not packaged by Debian; this script repeats its
steps with the same libraries it uses (Debian packages python3-argon2 and
python3-pycryptodome): Argon2id (time 15, 64 MiB, 2 lanes, 16 bytes) over
a random 16-byte salt per value, AES-128-GCM with pycryptodome's default
16-byte nonce, associated data escape(service) NUL escape(name), the JSON
{salt, data, mac, nonce} of base64 members, base64 of that JSON as the
option value, written by configparser.RawConfigParser.

    /usr/bin/python3 secrets/testdata/make_cryptfile.py > secrets/testdata/original-cryptfile.cfg

The passphrase is "orig-pass".
"""
import base64
import configparser
import io
import json
import os
import string
import sys

from argon2.low_level import Type, hash_secret_raw
from Cryptodome.Cipher import AES

PASSPHRASE = "orig-pass"
LEGAL = string.ascii_letters + string.digits


def escape(value):
    return "".join(chr(c) if chr(c) in LEGAL else "_%02X" % c for c in value.encode("utf-8"))


def seal(service, name, value):
    salt = os.urandom(16)
    key = hash_secret_raw(secret=PASSPHRASE.encode(), salt=salt, time_cost=15,
                          memory_cost=2 ** 16, parallelism=2, hash_len=16, type=Type.ID)
    cipher = AES.new(key, AES.MODE_GCM)
    cipher.update((escape(service) + "\0" + escape(name)).encode())
    data, mac = cipher.encrypt_and_digest(value.encode("utf-8"))
    box = dict(salt=salt, data=data, mac=mac, nonce=cipher.nonce)
    box = {k: base64.encodebytes(v).decode()[:-1] for k, v in box.items()}
    return "\n" + base64.encodebytes(json.dumps(box).encode()).decode()


config = configparser.RawConfigParser()
config.add_section(escape("keyring-setting"))
config.set(escape("keyring-setting"), escape("password reference"),
           seal("keyring-setting", "password reference", "password reference value"))
config.set(escape("keyring-setting"), escape("scheme"), "[Argon2] AES128.GCM")
config.set(escape("keyring-setting"), escape("version"), "1.3.9")
config.add_section("eventum")
for name, value in [
    ("db_password", "s3cret: #not-yaml"),
    ("api.token", "tok-" + "x" * 80),  # long enough for wrapped base64 lines
    ("greeting", "grüße ☃"),
]:
    config.set("eventum", escape(name), seal("eventum", name, value))
out = io.StringIO()
config.write(out)
sys.stdout.write(out.getvalue())
