#!/usr/bin/env python3
"""Write var/local.env with freshly generated keys, unless it exists.

The hub reads every secret from the environment and keeps none in the repository. On a
developer's machine this file stands in for that environment (real variables still win).
Standard library only: it runs before anything is installed.
"""

import base64
import os
import secrets
import sys
from pathlib import Path


def b64(length: int) -> str:
    return base64.urlsafe_b64encode(os.urandom(length)).rstrip(b"=").decode()


def main() -> int:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "var/local.env")
    if path.exists():
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        "# Generated for this machine by scripts/local_env.py. Never commit it.",
        f"SECRET_KEY={secrets.token_urlsafe(50)}",
        f"HUB_ENCRYPTION_KEYS=k1:{b64(32)}",
        f"HUB_BLIND_INDEX_KEY={b64(32)}",
        f"HUB_SIGNING_KEYS=s1:{b64(32)}",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
    print(f"wrote {path} with new keys")
    return 0


if __name__ == "__main__":
    sys.exit(main())
