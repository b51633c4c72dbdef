"""Rendering and signing many PDFs at once, on every CPU, with the timestamp requests of
one process overlapping the work of the others.

Issuing a whole intake is bound by the CPU (WeasyPrint lays out each page, pyHanko builds
each signature) and by the round trips to the time-stamping authority. One Python process
uses one CPU and waits idle for each timestamp; `RenderPool` hands each document's
rendering and signing to worker processes, forked from the issuing process so that they
start at once with its settings and loaded key. The workers never touch the database: the
issuing transaction (numbers, rows, files) stays in the process that owns it, which waits
for the whole batch and saves it, or rolls all of it back when one document cannot be
signed.
"""

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

from django.conf import settings

from institute.signing import pades


def pool_size() -> int:
    """The number of worker processes: ISSUE_PROCESSES, or one more than the CPUs (so a
    process waiting for its timestamp leaves no CPU idle)."""
    configured = settings.ISSUE_PROCESSES
    if configured is not None:
        return configured
    return (os.cpu_count() or 1) + 1


def _worker_start() -> None:
    # A forked worker must not share the parent's HTTP connections to the TSA and the OCSP
    # responder: it makes a signer of its own on first use.
    pades.signer_forget()


def _render_and_sign(render: Callable[[str], bytes]) -> tuple:
    try:
        return ("signed", pades.pdf_signed(render))
    except pades.SigningFailed as error:
        # An exception with keyword-only arguments does not survive pickling: told as data.
        return ("failed", " ".join(error.messages), error.transient)


class RenderPool:
    """A pool of forked worker processes that render and sign PDFs; a context manager."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._executor: ProcessPoolExecutor | None = None

    def __enter__(self) -> "RenderPool":
        self._executor = ProcessPoolExecutor(
            max_workers=self.processes,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_worker_start,
        )
        return self

    def __exit__(self, *exc_info) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def sign_all(self, renders: Sequence[Callable[[str], bytes]]) -> list[pades.SignedPdf]:
        """Each of `renders` (a picklable `render(stamp_html) -> PDF bytes`, as for
        pades.pdf_signed) rendered and signed, in order. SigningFailed when any could not
        be signed, once all have finished: the caller then saves none of them."""
        futures = [self._executor.submit(_render_and_sign, render) for render in renders]
        results = [future.result() for future in futures]
        for result in results:
            if result[0] == "failed":
                raise pades.SigningFailed(result[1], transient=result[2])
        return [result[1] for result in results]
