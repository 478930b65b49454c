"""What handlers and jobs share: settings, the pipeline and delivery, in `application.bot_data`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from telegram.ext import Application, CallbackContext, JobQueue

from bot.delivery import Delivery
from bot.pipeline import Pipeline
from bot.settings import Settings
from bot.storage.db import Database


@dataclass
class Services:
    """What handlers and jobs share, kept in `application.bot_data`."""

    settings: Settings
    pipeline: Pipeline
    delivery: Delivery
    watchlist_stamp: float | None = None
    polling: set[int] = field(default_factory=set)  # sources whose refresh is running right now
    stopping: asyncio.Event = field(default_factory=asyncio.Event)  # set by `stop_polling`
    delivery_failures: int = 0  # outbox passes that failed in a row (back-off)

    @property
    def db(self) -> Database:
        return self.pipeline.db


def services(context: CallbackContext) -> Services:
    return context.application.bot_data["services"]


def app_services(application: Application) -> Services:
    return application.bot_data["services"]


def drop_jobs(job_queue: JobQueue, name: str) -> None:
    """Remove the scheduled jobs called `name` (before scheduling a replacement)."""
    for job in job_queue.get_jobs_by_name(name):
        job.schedule_removal()
