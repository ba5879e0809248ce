"""Write the sample messages of ``examples/messages/``.

Run ``python -m tests.support.example_messages`` from the repository root.

They are signed with the test key ``examples/keys/receipts-20261101pm.pem``, whose public half
is the receipts lane's ``dkimPublicKey`` in the bundled stack (``Pulumi.prod.yaml``), so
``sendlanes headers`` verifies them against the zone ``examples/serve-zone.sh`` serves. The key
signs nothing but these samples.
"""

from __future__ import annotations

from pathlib import Path

import dkim

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
KEY = EXAMPLES / "keys" / "receipts-20261101pm.pem"
SELECTOR = b"20261101pm"
DOMAIN = b"receipts.acme.example"
SIGNED = [b"from", b"to", b"subject", b"date", b"message-id", b"x-sendlanes-category"]

RECEIPT = (
    b"Return-Path: <bounce@pm-bounces.receipts.acme.example>\r\n"
    b"From: Acme Orders <orders@receipts.acme.example>\r\n"
    b"To: customer@example.com\r\n"
    b"Subject: Your order A-1042 is confirmed\r\n"
    b"Date: Tue, 01 Dec 2026 09:30:00 +0000\r\n"
    b"Message-ID: <a-1042@receipts.acme.example>\r\n"
    b"X-Sendlanes-Category: order_confirmation\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"\r\n"
    b"Thank you for your order A-1042.\r\n"
    b"It ships within two days.\r\n"
)


def signed(message: bytes) -> bytes:
    signature: bytes = dkim.sign(
        message, SELECTOR, DOMAIN, KEY.read_bytes(), include_headers=SIGNED, linesep=b"\r\n"
    )
    return signature + message


def main() -> None:
    receipt = signed(RECEIPT)
    (EXAMPLES / "messages" / "receipt.eml").write_bytes(receipt)
    # The same message with its body changed after signing: DKIM fails (body hash).
    tampered = receipt.replace(b"two days", b"two weeks")
    (EXAMPLES / "messages" / "receipt-tampered.eml").write_bytes(tampered)


if __name__ == "__main__":
    main()
