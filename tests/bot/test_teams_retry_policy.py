"""kansli speeds up the connector's retry policy; the codes it retries must stay exactly the SDK's."""
from __future__ import annotations

import bot.teams  # noqa: F401 - applies the faster lookup
from msrest.universal_http.requests import ClientRetryPolicy


def test_the_connector_still_retries_timeouts_and_server_errors_but_not_client_errors() -> None:
    codes = set(ClientRetryPolicy().policy.status_forcelist)
    expected = {i for i in range(999) if i == 408 or (i >= 500 and i not in (501, 505))}
    assert codes == expected
    assert 400 not in codes and 404 not in codes and 502 in codes and 504 in codes
