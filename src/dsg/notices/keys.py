"""The office's notice-signing key and certificate.

Production: ``DSG_NOTICE_KEY`` and ``DSG_NOTICE_CERT`` name PEM files (the office's key and its
certificate), ``DSG_NOTICE_KEY_PASSWORD`` the key's password if it has one. A local trial without
them generates a self-signed certificate once, into ``DSG_DATA_DIR/keys/notice-signing.key`` (mode
0600) and ``notice-signing.crt``; its subject says "(trial)" so nobody mistakes it for the office's.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from dsg.core.private_files import private_dir, private_file_write

TRIAL_COMMON_NAME = "防衛装備庁 情報システム管理室 (trial)"


@dataclass(frozen=True)
class SigningMaterial:
    key_path: Path
    cert_path: Path
    password: bytes | None


def signing_material() -> SigningMaterial:
    """The configured key and certificate, or the trial pair (generated on first use)."""
    key, cert = os.environ.get("DSG_NOTICE_KEY"), os.environ.get("DSG_NOTICE_CERT")
    if key and cert:
        password = os.environ.get("DSG_NOTICE_KEY_PASSWORD")
        return SigningMaterial(Path(key), Path(cert), password.encode() if password else None)
    if key or cert:
        raise RuntimeError("Set both DSG_NOTICE_KEY and DSG_NOTICE_CERT, or neither.")
    directory = Path(settings.DATA_DIR) / "keys"
    key_path, cert_path = directory / "notice-signing.key", directory / "notice-signing.crt"
    if not (key_path.is_file() and cert_path.is_file()):
        private_dir(directory)
        lock_fd = os.open(directory / ".notice-signing.lock", os.O_WRONLY | os.O_CREAT, 0o600)
        with os.fdopen(lock_fd, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # two first runs must not write two different pairs
            if not (key_path.is_file() and cert_path.is_file()):
                trial_pair_write(
                    key_path=key_path, cert_path=cert_path, common_name=TRIAL_COMMON_NAME
                )
    return SigningMaterial(key_path, cert_path, None)


def certificate_pem() -> bytes:
    """The public certificate notices are signed with (also embedded in every signed PDF)."""
    return signing_material().cert_path.read_bytes()


def trial_pair_write(*, key_path: Path, cert_path: Path, common_name: str) -> None:
    """Write a fresh ECDSA P-256 key (0600) and a self-signed signing certificate for it.

    P-256 rather than RSA: loading an RSA key checks its primes, which made each signature ~1 s.
    cryptography's X.509 is imported here, when a trial pair is made, not at every start-up.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "防衛装備庁"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Each written under a temporary name (the key 0600 from its first byte) and renamed, so two
    # processes never read half a key.
    private_file_write(key_path, key_bytes, replace=True)
    private_file_write(cert_path, cert.public_bytes(serialization.Encoding.PEM), replace=True)
