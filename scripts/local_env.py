#!/usr/bin/env python3
"""Write var/local.env with freshly generated keys, unless it exists (then add only the keys it lacks).

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


def generated_keys() -> dict[str, str]:
    return {
        "SECRET_KEY": secrets.token_urlsafe(50),
        "HUB_ENCRYPTION_KEYS": f"k1:{b64(32)}",
        "HUB_BLIND_INDEX_KEY": b64(32),
        "HUB_SIGNING_KEYS": f"s1:{b64(32)}",
        "HUB_AUDIT_KEYS": f"a1:{b64(32)}",
    }


def main() -> int:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "var/local.env")
    keys = generated_keys()
    if path.exists():
        # A file from an older checkout: add the keys introduced since, keep the others (the
        # encryption keys in it are what the local database was written with).
        present = {line.split("=", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines()}
        missing = [f"{name}={value}" for name, value in keys.items() if name not in present]
        if missing:
            with path.open("a", encoding="utf-8") as file:
                file.write("\n".join(missing) + "\n")
            print(f"added {', '.join(line.split('=', 1)[0] for line in missing)} to {path}")
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["# Generated for this machine by scripts/local_env.py. Never commit it."]
    lines += [f"{name}={value}" for name, value in keys.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
    print(f"wrote {path} with new keys")
    return 0


if __name__ == "__main__":
    sys.exit(main())
