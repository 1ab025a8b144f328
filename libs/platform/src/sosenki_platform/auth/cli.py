"""``sosenki-token``: make a signing key and mint tokens for local use and tests.

uv run sosenki-token keygen
uv run sosenki-token mint --sub 1 --community 1
uv run sosenki-token mint --sub service:recurring --role service
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sosenki_platform.auth.tokens import generate_keypair, mint_token

DEFAULT_DIR = Path(".local/keys")
PRIVATE_NAME = "jwt-ed25519.pem"
PUBLIC_NAME = "jwt-ed25519.pub.pem"


def ensure_keypair(directory: Path = DEFAULT_DIR) -> tuple[Path, Path]:
    """Create the local signing key pair unless it exists; returns (private, public) paths."""
    private, public = directory / PRIVATE_NAME, directory / PUBLIC_NAME
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
    mint = sub.add_parser("mint", help="print a signed token")
    mint.add_argument("--sub", required=True, help="user id, or service:<name>")
    mint.add_argument("--role", action="append", default=[], help="admin, service or user")
    mint.add_argument("--community", action="append", type=int, default=[])
    mint.add_argument("--group", action="append", type=int, default=[])
    mint.add_argument("--ttl", type=int, default=3600, help="seconds")
    mint.add_argument("--key-file", type=Path, default=DEFAULT_DIR / PRIVATE_NAME)
    args = parser.parse_args(argv)

    if args.command == "keygen":
        private, public = ensure_keypair(args.dir)
        print(f"private key: {private}\npublic key:  {public}")
        return 0
    if not args.key_file.is_file():
        print(f"no key at {args.key_file}: run `sosenki-token keygen` first", file=sys.stderr)
        return 2
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
