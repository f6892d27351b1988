"""The Content Authenticity Initiative's own reader (PyPI c2pa-python) checks what Wan Studio
writes: a sandbox result's manifest is valid (only signingCredential.untrusted is reported: the
per-install identity is on no trust list), and one changed byte of pixel data (the chunk's CRC
fixed, so the PNG stays valid) is reported as assertion.dataHash.mismatch.

Usage: python3 tests/python/check_credentials.py path/to/wan-studio
"""

import json
import os
import struct
import subprocess
import sys
import tempfile
import zlib

import c2pa


def codes(path):
    with c2pa.Reader(path) as reader:
        store = json.loads(reader.json())
    status = store.get("validation_status") or []
    return store, [s["code"] for s in status]


def tamper(src, dst):
    """One byte of one pixel changed, the pixel data deflated again into one IDAT; every other
    chunk (text, XMP, manifest) kept: a valid PNG whose only tell is its credentials."""
    data = open(src, "rb").read()
    chunks, at = [], 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        chunks.append((data[at + 4 : at + 8], data[at : at + 12 + length]))
        at += 12 + length
    raw = bytearray(zlib.decompress(b"".join(c[8:-4] for k, c in chunks if k == b"IDAT")))
    raw[1] ^= 0x01  # the first pixel's first byte (after the first row's filter byte)
    body = zlib.compress(bytes(raw))
    idat = struct.pack(">I", len(body)) + b"IDAT" + body
    idat += struct.pack(">I", zlib.crc32(b"IDAT" + body) & 0xFFFFFFFF)
    out, written = bytearray(data[:8]), False
    for kind, chunk in chunks:
        if kind == b"IDAT":
            if not written:
                out += idat
                written = True
        else:
            out += chunk
    open(dst, "wb").write(bytes(out))


def main():
    binary = sys.argv[1]
    home = tempfile.mkdtemp()
    env = dict(os.environ, WAN_STUDIO_HOME=home, WAN_STUDIO_POLL_MS="50")
    env.pop("REAPI_API_KEY", None)
    out = subprocess.run(
        [binary, "generate", "--sandbox", "--prompt", "花店 a flower shop", "--json"],
        env=env, capture_output=True, check=True, timeout=120,
    )
    path = json.loads(out.stdout)["files"][0]

    store, found = codes(path)
    assert found == ["signingCredential.untrusted"], f"expected only untrusted, got {found}"
    manifest = store["manifests"][store["active_manifest"]]
    actions = [a for a in manifest["assertions"] if a["label"].startswith("c2pa.actions")]
    first = actions[0]["data"]["actions"][0]
    assert first["action"] == "c2pa.created", first
    assert first["digitalSourceType"].endswith("/trainedAlgorithmicMedia"), first
    print(f"c2pa-python {c2pa.sdk_version() if hasattr(c2pa, 'sdk_version') else ''}: {path} is valid (untrusted signer only)")

    changed = os.path.join(home, "changed.png")
    tamper(path, changed)
    _, found = codes(changed)
    assert "assertion.dataHash.mismatch" in found, f"the change was not caught: {found}"
    print(f"one changed pixel byte: {found}")


if __name__ == "__main__":
    main()
