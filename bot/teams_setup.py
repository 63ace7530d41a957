"""The Teams component of the service: mounts POST /api/messages with the SDK the settings choose.

It lives apart from bot/teams.py so that neither SDK module imports the other (bot/teams_agents.py builds
on bot/teams.py; this module picks between them).
"""
from __future__ import annotations

from aiohttp import web

from bot.app import Services
from bot.teams import ROUTE, TeamsComponent, log
from bot.teams_agents import AgentsTeamsComponent


def setup(app: web.Application, services: Services) -> None:
    """Mount POST /api/messages and add the Teams transport (called by bot.serve.create_app).

    Closed by default: without MicrosoftAppId the endpoint is not served at all, unless
    KANSLI_TEAMS_NO_AUTH=1 asks for the local, loopback-only mode.
    """
    settings = services.settings
    if not settings.microsoft_app_id and not getattr(settings, "teams_no_auth", False):
        log.info("Teams is off: MicrosoftAppId is empty (KANSLI_TEAMS_NO_AUTH=1 serves %s for local tools)", ROUTE)
        return
    if getattr(settings, "teams_sdk", "agents") == "agents":
        component: TeamsComponent = AgentsTeamsComponent(services)
    else:
        component = TeamsComponent(services)
    log.info("Teams runs on the %s SDK", component.sdk)
    if component.app_id is None:
        log.warning("KANSLI_TEAMS_NO_AUTH=1: %s takes unauthenticated activities from loopback service URLs only "
                    "(local testing)", ROUTE)
    services.teams = component
    services.transports.append(component.transport)
    app.router.add_post(ROUTE, component.handle)
    app.on_shutdown.append(component.stopping_now)
    app.on_cleanup.append(component.close)
