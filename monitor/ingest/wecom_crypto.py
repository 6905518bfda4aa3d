"""企业微信 callback encryption (the WXBizMsgCrypt scheme of the WeChat Work documentation).

- signature: SHA1 of the sorted, concatenated (Token, timestamp, nonce, encrypted text);
- key: base64 of EncodingAESKey + "=" (32 bytes, AES-256); IV: its first 16 bytes;
- plaintext: 16 random bytes, the message length (4 bytes, big-endian), the message, the
  receiver id (the CorpID), PKCS#7-padded to 32-byte blocks; AES-256-CBC; base64.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from monitor.ingest.common import Unauthorized, same

BLOCK = 32


class WecomCrypto:
    def __init__(self, token: str, encoding_aes_key: str, corp_id: str) -> None:
        try:
            self.key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except binascii.Error:
            raise ValueError("the EncodingAESKey is not base64") from None
        if len(self.key) != 32:
            raise ValueError("the EncodingAESKey must be 43 characters (32 bytes)")
        self.token, self.corp_id = token, corp_id

    def signature(self, timestamp: str, nonce: str, encrypted: str) -> str:
        return hashlib.sha1("".join(sorted([self.token, timestamp, nonce, encrypted])).encode()).hexdigest()

    def check(self, signature: str, timestamp: str, nonce: str, encrypted: str) -> None:
        if not signature or not same(signature, self.signature(timestamp, nonce, encrypted)):
            raise Unauthorized("bad msg_signature")

    def decrypt(self, encrypted: str) -> bytes:
        """The message; refuses padding, length or a receiver that is not this corp."""
        try:
            data = base64.b64decode(encrypted, validate=True)
        except binascii.Error:
            raise Unauthorized("not base64") from None
        if not data or len(data) % 16:
            raise Unauthorized("not a whole number of AES blocks")
        decryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).decryptor()
        plain = decryptor.update(data) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise Unauthorized("bad padding")
        content = plain[16:-pad]
        if len(content) < 4:
            raise Unauthorized("too short")
        (length,) = struct.unpack(">I", content[:4])
        message, receiver = content[4:4 + length], content[4 + length:]
        if len(message) != length or not same(receiver.decode("utf-8", "replace"), self.corp_id):
            raise Unauthorized("not for this corp")
        return message

    def encrypt(self, message: bytes, random16: bytes | None = None) -> str:
        """What WeChat Work sends (used by the tests' stand-in, and to answer in kind)."""
        header = (random16 or os.urandom(16)) + struct.pack(">I", len(message))
        plain = header + message + self.corp_id.encode()
        pad = BLOCK - len(plain) % BLOCK
        plain += bytes([pad]) * pad
        encryptor = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()
