"""``sosenki-token``: make a signing key and mint tokens for local use and tests.

uv run sosenki-token keygen
uv run sosenki-token mint --sub 1 --community 1
uv run sosenki-token mint --sub service:recurring --role service
uv run sosenki-token kid --key-file .local/keys/jwt-ed25519.pub.pem

Every minted token names its key in the header (``kid``, a fingerprint of the public key).
Rotating: ``keygen --name jwt-2027`` makes a second pair; give services both public keys
(``SOSENKI_AUTH_PUBLIC_KEY_FILE=old.pub.pem,new.pub.pem``), switch the issuer to the new private
key, and drop the old public key once its last token has expired.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sosenki_platform.auth.tokens import generate_keypair, key_id, mint_token

DEFAULT_DIR = Path(".local/keys")
KEY_NAME = "jwt-ed25519"
PRIVATE_NAME = f"{KEY_NAME}.pem"
PUBLIC_NAME = f"{KEY_NAME}.pub.pem"


def ensure_keypair(directory: Path = DEFAULT_DIR, name: str = KEY_NAME) -> tuple[Path, Path]:
    """Create the local signing key pair unless it exists; returns (private, public) paths."""
    private, public = directory / f"{name}.pem", directory / f"{name}.pub.pem"
    if not private.is_file() or not public.is_file():
        directory.mkdir(parents=True, exist_ok=True)
        private_pem, public_pem = generate_keypair()
        private.write_text(private_pem)
        private.chmod(0o600)
        public.write_text(public_pem)
    return private, public


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sosenki-token", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    keygen = sub.add_parser("keygen", help="create the local key pair if missing")
    keygen.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    keygen.add_argument("--name", default=KEY_NAME, help="file name stem of the pair")
    kid = sub.add_parser("kid", help="print the key id (kid) of a private or public key file")
    kid.add_argument("--key-file", type=Path, default=DEFAULT_DIR / PUBLIC_NAME)
    mint = sub.add_parser("mint", help="print a signed token")
    mint.add_argument("--sub", required=True, help="user id, or service:<name>")
    mint.add_argument("--role", action="append", default=[], help="admin, service or user")
    mint.add_argument("--community", action="append", type=int, default=[])
    mint.add_argument("--group", action="append", type=int, default=[])
    mint.add_argument("--ttl", type=int, default=3600, help="seconds")
    mint.add_argument("--key-file", type=Path, default=DEFAULT_DIR / PRIVATE_NAME)
    args = parser.parse_args(argv)

    if args.command == "keygen":
        private, public = ensure_keypair(args.dir, args.name)
        kid_text = key_id(public.read_text())
        print(f"private key: {private}\npublic key:  {public}\nkid:         {kid_text}")
        return 0
    if not args.key_file.is_file():
        hint = "a key file" if args.command == "kid" else "the key"
        print(f"no {hint} at {args.key_file}: run `sosenki-token keygen` first", file=sys.stderr)
        return 2
    if args.command == "kid":
        print(key_id(args.key_file.read_text()))
        return 0
    print(
        mint_token(
            args.key_file.read_text(),
            args.sub,
            roles=args.role or None,
            communities=args.community,
            groups=args.group,
            ttl_seconds=args.ttl,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
