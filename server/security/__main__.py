"""``python -m server.security``: mint a caller's token, or make local TLS certificates.

python -m server.security mint-token --credentials FILE --name NAME --role ROLE
python -m server.security certificates --out DIR [--client NAME ...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from server.security.credentials import CredentialsError, mint_token
from server.security.roles import Role


def main(argv: list[str] | None = None) -> int:
    """0 on success, 2 on bad arguments or an unusable credentials file."""
    args = _parser().parse_args(argv)
    if args.command == "mint-token":
        try:
            token = mint_token(args.credentials, args.name, Role(args.role))
        except (CredentialsError, OSError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(
            f"token of {args.name!r} (role {args.role}), shown once; its SHA-256 is in "
            f"{args.credentials}:",
            file=sys.stderr,
        )
        print(token)
        return 0
    # Imported here: minting a token does not need the cryptography package.
    from server.security.certificates import write_certificates

    try:
        written = write_certificates(args.out, args.client)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m server.security", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    mint = commands.add_parser(
        "mint-token",
        help="add or update a caller in a credentials file; print its new token once",
    )
    mint.add_argument("--credentials", type=Path, required=True, help="credentials file (JSON)")
    mint.add_argument("--name", required=True, help="caller name, e.g. loan-service")
    mint.add_argument("--role", required=True, choices=[r.value for r in Role])
    certificates = commands.add_parser(
        "certificates",
        help="a local CA, a server certificate (localhost, 127.0.0.1, ::1) and client ones",
    )
    certificates.add_argument("--out", type=Path, required=True, help="output directory")
    certificates.add_argument(
        "--client", action="append", default=[], metavar="NAME", help="a client certificate"
    )
    return parser


if __name__ == "__main__":
    sys.exit(main())
