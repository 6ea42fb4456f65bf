"""Local development signing keys: made on first use, kept in .localdev/ (git-ignored) across restarts."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from localdev.template import ROOT

KEYS_DIR = Path(os.environ.get("LOCALDEV_HOME", ROOT / ".localdev"))
LOCAL_ISSUER = "urn:course-api:localdev"
LOCAL_AUDIENCE = "course-api-local"


class LocalKeys:
    def __init__(self, directory: Path | None = None):
        self.directory = directory or KEYS_DIR  # read now, so tests can point it elsewhere
        self._private_path = self.directory / "signing-key.pem"
        self._jwks_path = self.directory / "jwks.json"

    def ensure(self) -> LocalKeys:
        if not self._private_path.exists():
            self.directory.mkdir(parents=True, exist_ok=True)
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            self._private_path.write_bytes(pem)
            self._private_path.chmod(0o600)
            public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
            public.update(kid=_thumbprint(public), alg="RS256", use="sig")
            self._jwks_path.write_text(json.dumps({"keys": [public]}, indent=2))
        return self

    @property
    def jwks(self) -> dict[str, Any]:
        return json.loads(self.ensure()._jwks_path.read_text())

    @property
    def kid(self) -> str:
        return str(self.jwks["keys"][0]["kid"])

    def mint(
        self,
        *,
        sub: str,
        groups: list[str],
        roles_claim: str,
        expires_in: int = 3600,
        audience: str = LOCAL_AUDIENCE,
        issuer: str = LOCAL_ISSUER,
        extra_claims: dict[str, Any] | None = None,
        scopes: list[str] | None = None,
    ) -> str:
        """A token signed with the local key; `scopes` go in its `scope` claim, as in a Cognito access token."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "sub": sub,
            "iss": issuer,
            "iat": now,
            "nbf": now - 5 if expires_in > 0 else now + expires_in - 60,
            "exp": now + expires_in,
            roles_claim: groups,
            **(extra_claims or {}),
        }
        if scopes:
            claims["scope"] = " ".join(scopes)
        if audience:  # an empty audience mints a token without aud, like a Cognito access token
            claims["aud"] = audience
        private_key = self.ensure()._private_path.read_bytes()
        return jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": self.kid})


def _thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint, the usual key id."""
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()
