"""Slack: the Bolt app mounted at POST /slack/events, Socket Mode, and the Slack delivery transport.

`setup(app, services)` is called by `kansli serve` (bot.serve). It does
nothing unless SLACK_BOT_TOKEN is set. With SLACK_SIGNING_SECRET it answers
HTTP requests at /slack/events; with SLACK_APP_TOKEN it also connects over
Socket Mode. Either way it adds the Slack transport to the services, so
notifications and reminders reach people by DM and forums in their channel.
"""
from __future__ import annotations

from aiohttp import web

from bot.app import Services
from bot.slack.text import SLASH_ALIASES, SLASH_COMMANDS

__all__ = ["SLASH_ALIASES", "SLASH_COMMANDS", "setup"]


def setup(app: web.Application, services: Services) -> None:
    settings = services.settings
    if not settings.slack_bot_token:
        return
    from bot.slack.app import EVENTS_PATH, SlackBot

    bot = SlackBot(services)
    services.transports.append(bot.transport)
    services.slack = bot
    if settings.slack_signing_secret:
        app.router.add_post(EVENTS_PATH, bot.handle_http)
    app.on_startup.append(bot.open_http)
    app.on_shutdown.append(bot.drain_on_shutdown)
    app.on_cleanup.append(bot.close)
    if settings.slack_app_token:
        app.on_startup.append(bot.start_socket_mode)
        app.on_cleanup.append(bot.stop_socket_mode)
    app.on_cleanup.append(bot.close_http)  # after the deliveries and Socket Mode that use it
