"""A loopback stand-in for the Bot Framework token issuer: OpenID metadata, signing keys, and tokens.

kansli is pointed at it with KANSLI_TEAMS_OPENID_METADATA_URL; it signs tokens the way the Bot
Framework service does (RS256, issuer https://api.botframework.com, audience the bot's app id,
a `serviceurl` claim naming the connector), so the SDK's real validation runs on them. The SDK
fetches keys with blocking calls, so the stand-in serves from a thread of its own.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.com"
KEY_ID = "kansli-test-key"


class TokenIssuer:
    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update(kid=KEY_ID, use="sig", alg="RS256", endorsements=["msteams", "emulator"])
        self.jwks = {"keys": [jwk]}
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                if self.path.endswith("/keys"):
                    body = issuer.jwks
                else:
                    body = {"issuer": ISSUER, "jwks_uri": f"{issuer.base}/keys",
                            "id_token_signing_alg_values_supported": ["RS256"]}
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.metadata_url = f"{self.base}/v1/.well-known/openidconfiguration"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def token(self, *, audience: str, service_url: str | None, **extra: Any) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {"iss": ISSUER, "aud": audience, "nbf": now - 10, "iat": now - 10,
                                  "exp": now + 600}
        if service_url is not None:
            claims["serviceurl"] = service_url
        claims.update(extra)
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": KEY_ID})

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
