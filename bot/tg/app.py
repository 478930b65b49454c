"""`ladderwatch run`: the Telegram bot (python-telegram-bot 22).

The Application talks to `TELEGRAM_API_BASE_URL`, uses HTML parse mode by default and
`TelegramLimiter` (`bot.ratelimit`: under 30 messages/s overall, 1/s per chat, 20/min per
group). At start-up it registers the command menu (`setMyCommands`, per language) and
rebuilds every job from the database. Polling keeps updates that arrived while the bot was down
(`drop_pending_updates=False`); `--webhook URL` instead has Telegram post updates to
URL, checked with a secret token, served on `LADDERWATCH_HTTP_PORT` with /healthz and
/metrics.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import os
import signal
from urllib.parse import urlsplit

from telegram import BotCommandScopeChat, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder, Defaults

from bot.delivery import Delivery
from bot.health import HealthServer, Webhook
from bot.i18n import REFERENCE, languages
from bot.pipeline import Pipeline
from bot.ratelimit import TelegramLimiter
from bot.settings import Settings, SettingsError
from bot.storage.db import bot_lock
from bot.tg.handlers import add_handlers, command_menu
from bot.tg.jobs import rebuild_jobs, stop_polling
from bot.tg.request import BotApiRequest
from bot.tg.services import Services, app_services
from bot.tg.updates import UpdatesRequest, readable_updates

log = logging.getLogger(__name__)

STARTUP_ATTEMPTS = 5
UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY, Update.MY_CHAT_MEMBER]  # all the bot handles


def webhook_secret(token: str) -> str:
    """A stable secret derived from the token (never the token itself): survives restarts."""
    return hmac.new(b"ladderwatch-webhook", token.encode(), hashlib.sha256).hexdigest()


def api_base_url(configured: str) -> str:
    """PTB appends the token to the base URL; a bare server URL gets Telegram's `/bot` prefix."""
    if "{token}" in configured or urlsplit(configured).path not in ("", "/"):
        return configured
    return configured.rstrip("/") + "/bot"


def api_file_url(base_url: str) -> str:
    """Files are served beside the API: `…/bot` → `…/file/bot`, as on api.telegram.org."""
    head, _, tail = base_url.rstrip("/").rpartition("/")
    return f"{head}/file/{tail}"


def build_application(settings: Settings, pipeline: Pipeline, polling: bool = True) -> Application:
    updates_request = UpdatesRequest()
    builder = (
        ApplicationBuilder()
        .token(settings.require_token())
        .base_url(api_base_url(settings.telegram_api_base_url))
        .base_file_url(api_file_url(api_base_url(settings.telegram_api_base_url)))
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .rate_limiter(TelegramLimiter())
        .request(BotApiRequest())
        .get_updates_request(updates_request)
        .post_init(on_startup)
    )
    if not polling:
        builder = builder.updater(None)
    application = builder.build()
    keep_late_jobs(application)
    delivery = Delivery(application.bot, pipeline.db, pipeline.translator)
    application.bot_data["services"] = Services(settings, pipeline, delivery)
    application.bot_data["token_refused"] = updates_request.token_refused
    add_handlers(application)
    return application


def keep_late_jobs(application: Application) -> None:
    """Late jobs run. APScheduler skips a job that starts more than a second after its time
    (its default grace), and each poll and delivery pass schedules the next one itself: on a
    busy machine one late start would end a source's polling or the delivery passes. Missed
    runs of a repeating job run once (coalesce); the daily digest keeps its own grace."""
    job_queue = application.job_queue
    assert job_queue is not None  # the job-queue extra is a dependency
    job_queue.scheduler.configure(
        job_defaults={"misfire_grace_time": None, "coalesce": True}, **job_queue.scheduler_configuration
    )


async def register_commands(application: Application) -> None:
    """The command menu in each language; administrators also see /watch and /status."""
    bot, settings = application.bot, app_services(application).settings
    await bot.set_my_commands(command_menu(REFERENCE))
    for lang in languages():
        if lang != REFERENCE:
            await bot.set_my_commands(command_menu(lang), language_code=lang)
    for admin in settings.admins:
        try:
            await bot.set_my_commands(command_menu(REFERENCE, admin=True), scope=BotCommandScopeChat(admin))
        except TelegramError as error:  # the admin has not talked to the bot yet
            log.info("admin command menu not set for %s: %s", admin, error.message)


async def on_startup(application: Application) -> None:
    """post_init: command menu, then every job from the database."""
    try:
        await register_commands(application)
    except TelegramError as error:
        log.warning("could not register the command menu: %s", error.message)
    await rebuild_jobs(application)


async def initialize(application: Application, base_url: str) -> None:
    """getMe and friends, waiting a little for a Bot API that is still starting (a local server)."""
    for attempt in range(1, STARTUP_ATTEMPTS + 1):
        try:
            await application.initialize()
            return
        except NetworkError as error:
            if isinstance(error, BadRequest) or attempt == STARTUP_ATTEMPTS:
                raise
            log.warning("the Bot API at %s is not reachable yet (%s); trying again", base_url, error.message)
            await asyncio.sleep(2 * attempt)


def webhook_route(application: Application, settings: Settings, webhook_url: str) -> Webhook:
    async def enqueue(data: dict[str, object]) -> None:
        for readable in readable_updates([data]):  # an unreadable post is logged and dropped
            await application.update_queue.put(Update.de_json(readable, application.bot))

    return Webhook(urlsplit(webhook_url).path or "/", webhook_secret(settings.require_token()), enqueue)


async def receive_updates(application: Application, webhook: Webhook | None, webhook_url: str | None) -> None:
    """Webhook: tell Telegram where to post. Polling: keep what arrived while we were down."""
    if webhook is not None and webhook_url:
        await application.bot.set_webhook(
            webhook_url, secret_token=webhook.secret, allowed_updates=UPDATES, drop_pending_updates=False
        )
    elif application.updater is not None:
        await application.updater.start_polling(
            drop_pending_updates=False, allowed_updates=UPDATES, error_callback=polling_failed
        )


def polling_failed(error: TelegramError) -> None:
    """getUpdates failed (network, 5xx, an unreadable answer): PTB retries with back-off; one line."""
    log.warning("getUpdates failed, retrying with back-off: %s: %s", type(error).__name__, error.message)


async def serve(settings: Settings, webhook_url: str | None, stop: asyncio.Event) -> int:
    """Run until `stop` is set, as the one Telegram-facing process of this database."""
    pipeline = await Pipeline.open(settings)
    try:
        with bot_lock(pipeline.db):  # on PostgreSQL a second `run` stops here with advice
            return await _serve(settings, pipeline, webhook_url, stop)
    finally:
        await pipeline.close()


async def until_stopped(stop: asyncio.Event, token_refused: asyncio.Event) -> bool:
    """Wait for `stop` (True) or for Telegram to refuse the token while polling (False)."""
    waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(token_refused.wait())]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
    return stop.is_set() or not token_refused.is_set()


async def _serve(settings: Settings, pipeline: Pipeline, webhook_url: str | None, stop: asyncio.Event) -> int:
    """In the order of PTB's run_polling (post_init before updates)."""
    application = build_application(settings, pipeline, polling=webhook_url is None)
    webhook = webhook_route(application, settings, webhook_url) if webhook_url else None
    http = HealthServer(pipeline.db, settings, webhook) if settings.http_port else None
    try:
        await initialize(application, settings.telegram_api_base_url)
        try:
            if application.post_init is not None:
                await application.post_init(application)
            if http is not None:
                await http.start()
            await receive_updates(application, webhook, webhook_url)
            await application.start()
            log.info("Ladderwatch is running (%s)", "webhook" if webhook else "polling")
            if not await until_stopped(stop, application.bot_data["token_refused"]):
                log.error("Telegram no longer accepts TELEGRAM_BOT_TOKEN (revoked?); stopping: set the current token")
                return 1
            log.info("stopping")
        finally:
            if application.updater is not None and application.updater.running:
                with contextlib.suppress(InvalidToken):  # the polling that ended on a refused token
                    await application.updater.stop()
            stop_polling(application)  # running refreshes are cancelled, not awaited
            if application.running:
                await application.stop()
            await application.shutdown()
    finally:
        if http is not None:
            await http.stop()
    return 0


async def _main(settings: Settings, webhook_url: str | None) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    try:
        return await serve(settings, webhook_url, stop)
    except InvalidToken:
        log.error(
            "TELEGRAM_BOT_TOKEN was rejected by %s: copy the token from @BotFather again",
            settings.telegram_api_base_url,
        )
        return 1
    except TelegramError as error:
        unreachable = isinstance(error, NetworkError) and not isinstance(error, BadRequest)
        hint = "check TELEGRAM_API_BASE_URL and the network" if unreachable else "the Bot API refused a start-up call"
        log.error("the Telegram Bot API at %s failed (%s): %s", settings.telegram_api_base_url, error.message, hint)
        return 1


def run_bot(settings: Settings, webhook_url: str | None) -> int:
    """Entry point of `ladderwatch run`; returns the exit status."""
    settings.require_token()
    os.environ.setdefault("PTB_TIMEDELTA", "1")  # RetryAfter.retry_after as a timedelta, without deprecation noise
    if webhook_url and not settings.http_port:
        raise SettingsError("--webhook needs LADDERWATCH_HTTP_PORT: the port the webhook is served on")
    if webhook_url and not webhook_url.startswith(("https://", "http://")):
        raise SettingsError(f"--webhook {webhook_url!r} must be an http(s) URL")
    return asyncio.run(_main(settings, webhook_url))
