"""Loopback stand-ins for the Bot Framework token issuer (OpenID metadata, signing keys, tokens) and for
Entra ID's token service (the tokens kansli itself gets for its answers).

kansli is pointed at the issuer with KANSLI_TEAMS_OPENID_METADATA_URL; it signs tokens the way the Bot
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


class EntraStandIn:
    """A loopback stand-in for Entra ID's token service, over TLS as MSAL demands (https only).

    kansli is pointed at it with KANSLI_TEAMS_LOGIN_URL; MSAL trusts its self-signed certificate
    through REQUESTS_CA_BUNDLE (`ca_file`). It serves the tenant's OpenID configuration and answers
    every client-credentials request with a fresh access token, recording the request's form.
    """

    def __init__(self, tmp_dir: str) -> None:
        import datetime
        import ipaddress
        import ssl
        from pathlib import Path
        from urllib.parse import parse_qs

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.x509.oid import NameOID

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
                .not_valid_after(now + datetime.timedelta(hours=1))
                .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                               critical=False)
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(key, hashes.SHA256()))
        self.ca_file = str(Path(tmp_dir) / "entra-standin.pem")
        key_file = Path(tmp_dir) / "entra-standin.key"
        Path(self.ca_file).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        self.requests: list[dict[str, str]] = []
        self.issued: list[str] = []
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def _json(self, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                tenant = self.path.strip("/").split("/")[0]
                base = f"{standin.url}/{tenant}"
                self._json({"issuer": f"{base}/v2.0", "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                            "token_endpoint": f"{base}/oauth2/v2.0/token"})

            def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
                form = parse_qs(self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode())
                standin.requests.append({"path": self.path, **{k: v[0] for k, v in form.items()}})
                token = f"kansli-outgoing-{len(standin.issued) + 1}"
                standin.issued.append(token)
                self._json({"token_type": "Bearer", "expires_in": 3600, "access_token": token})

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.ca_file, str(key_file))
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
