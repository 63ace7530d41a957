"""kansli does not patch the connector's retry policy: importing it leaves the SDK's class as shipped, the
codes it retries stay exactly the SDK's, and the cost of building a policy is paid once per reused client
(bot.teams._ReusedConnectors) rather than by changing the library."""
from __future__ import annotations

import asyncio

from msrest.universal_http.requests import ClientRetryPolicy

import bot.teams


def test_importing_kansli_leaves_the_sdk_retry_policy_as_shipped() -> None:
    assert isinstance(ClientRetryPolicy.safe_codes, list)  # no frozenset swapped in at import
    assert ClientRetryPolicy.safe_codes == [i for i in range(500) if i != 408] + [501, 505]


def test_the_connector_still_retries_timeouts_and_server_errors_but_not_client_errors() -> None:
    codes = set(ClientRetryPolicy().policy.status_forcelist)
    expected = {i for i in range(999) if i == 408 or (i >= 500 and i not in (501, 505))}
    assert codes == expected
    assert 400 not in codes and 404 not in codes and 502 in codes and 504 in codes


def test_a_connector_client_is_built_once_per_service_url_and_audience() -> None:
    built: list[tuple[str, str | None]] = []

    class Inner:
        async def create(self, service_url: str, audience: str | None = None) -> object:
            built.append((service_url, audience))
            return object()

    cache: dict = {}
    factory = bot.teams._ReusedConnectors(Inner(), cache)  # type: ignore[arg-type]

    async def go() -> list[object]:
        return [await factory.create("https://smba.example/", "aud"), await factory.create("https://smba.example/", "aud"),
                await factory.create("https://other.example/", "aud")]

    first, again, other = asyncio.run(go())
    assert first is again and other is not first
    assert built == [("https://smba.example/", "aud"), ("https://other.example/", "aud")]
