"""axe-core in the browser tests: every page a test opens is checked for WCAG 2.1 AA (issue 19).

axe-core's script comes from a dev dependency, axe-playwright-python: only the file it ships,
axe_playwright_python/axe.min.js, is read (through importlib.resources) and handed to the
page, none of that package's Python. Nothing is fetched from outside at run time.

A page is checked after each load (a listener on its "load" event, which Playwright runs in a
greenlet of its own, beside the test), and once more when the test ends or closes it, on the
DOM as htmx has left it. A check that a navigation interrupts does not fail the test: the new
document gets its own check on its load, and the page that was left is opened again at the end
(by GET, in the same context) so that it is not lost. The test fails on any violation of impact
"serious" or "critical", unless the test marks the page as deliberately broken with
@pytest.mark.axe_exempt("/path/glob/", reason=...).
"""

from __future__ import annotations

import fnmatch
import importlib.resources
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlsplit

# WCAG 2.0 and 2.1, levels A and AA: the product's promise.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = {"serious", "critical"}
NODES_SHOWN = 3

# Runs axe on the document, one run at a time. A run already made or under way for this
# document is shared (the load's check and a test's explicit check make one run), unless
# `fresh` asks for a new one and the DOM has changed since (a MutationObserver says so).
RUN = """
async ([tags, fresh]) => {
    if (typeof window.axe === "undefined") return null;
    if (!window.__axeRun || (fresh && window.__axeChanged !== false)) {
        window.__axeChanged = undefined;
        const previous = window.__axeRun || Promise.resolve();
        window.__axeRun = previous.catch(() => null).then(() => window.axe.run(document, {
            runOnly: {type: "tag", values: tags},
            resultTypes: ["violations"],
        })).then((results) => ({
            url: location.href,
            violations: results.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                targets: v.nodes.map((n) => n.target.join(" ")),
            })),
        })).finally(() => {
            if (window.__axeChanged === undefined) window.__axeChanged = false;
            if (!window.__axeObserver) {
                window.__axeObserver = new MutationObserver(() => { window.__axeChanged = true; });
                window.__axeObserver.observe(document, {
                    subtree: true, childList: true, attributes: true, characterData: true,
                });
            }
        });
    }
    return await window.__axeRun;
}
"""
# A blank page (a new tab, before its first navigation) has nothing to check.
BLANK = "() => location.href === 'about:blank' && !document.body?.childElementCount"


@cache
def axe_source() -> str:
    return (
        importlib.resources.files("axe_playwright_python").joinpath("axe.min.js").read_text("utf-8")
    )


@dataclass(frozen=True)
class Finding:
    url: str
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        shown = ", ".join(self.targets[:NODES_SHOWN])
        more = len(self.targets) - NODES_SHOWN
        if more > 0:
            shown += f" (and {more} more)"
        return f"{self.url}\n    {self.rule} ({self.impact}): {self.help}\n    at {shown}"


class Interrupted(Exception):
    """The page navigated (or its frame went) while axe was reading it."""


def _interrupted(error: Exception) -> bool:
    text = str(error)
    return any(
        words in text
        for words in ("Execution context was destroyed", "navigat", "Frame was detached")
    )


@dataclass
class Checker:
    """The axe checks of one test: the pages watched, what was found, what is still running."""

    exempt: list[str] = field(default_factory=list)
    findings: dict[tuple, Finding] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)
    interrupted: dict[str, Any] = field(default_factory=dict)  # url -> its context
    running: int = 0
    pages: list[Any] = field(default_factory=list)
    contexts: list[Any] = field(default_factory=list)
    done: bool = False  # the verdict is given (or the test failed first): no more checks

    # --- watching ---------------------------------------------------------------------------

    def watch_context(self, context) -> None:
        if any(known is context for known in self.contexts):
            return
        self.contexts.append(context)
        context.on("page", self.watch_page)
        new_page, close = context.new_page, context.close

        def checked_new_page(*args, **kwargs):
            page = new_page(*args, **kwargs)
            self.watch_page(page)
            return page

        def checked_close(*args, **kwargs):
            self.finish_pages([p for p in self.pages if p.context is context])
            return close(*args, **kwargs)

        context.new_page, context.close = checked_new_page, checked_close

    def watch_page(self, page) -> None:
        if any(known is page for known in self.pages):
            return
        self.pages.append(page)
        page.on("load", lambda: self.check_on_load(page))
        close = page.close

        def checked_close(*args, **kwargs):
            self.finish_pages([page])
            return close(*args, **kwargs)

        page.close = checked_close

    # --- checking ---------------------------------------------------------------------------

    def run(self, page, *, fresh: bool) -> dict | None:
        """axe's violations on the page's current document (None for a blank page). Raises
        Interrupted when a navigation takes the document away first."""
        from playwright.sync_api import Error

        try:
            if page.evaluate(BLANK):
                return None
            for _attempt in range(3):
                result = page.evaluate(RUN, [TAGS, fresh])
                if result is not None:
                    return result
                # A document without axe yet (or a new one since): give it axe.
                page.evaluate(axe_source())
        except Error as error:
            if page.is_closed() or _interrupted(error):
                raise Interrupted(str(error)) from error
            raise
        raise Interrupted("the page kept navigating")

    def record(self, result: dict) -> None:
        url = result["url"]
        self.checked.add(url)
        self.interrupted.pop(url, None)
        for violation in result["violations"]:
            if violation["impact"] not in FAILING_IMPACTS:
                continue
            finding = Finding(
                url=url,
                rule=violation["id"],
                impact=violation["impact"],
                help=violation["help"],
                targets=tuple(violation["targets"]),
            )
            self.findings.setdefault((url, finding.rule, finding.targets), finding)

    def check(self, page, *, fresh: bool = False) -> None:
        """Check the page now, in the test's own flow; a test may call it to have a page
        checked before it moves on (the load's check is then shared, not repeated)."""
        url = page.url
        try:
            result = self.run(page, fresh=fresh)
        except Interrupted:
            if not page.is_closed():
                self.interrupted.setdefault(url, page.context)
            return
        if result is not None:
            self.record(result)

    def check_on_load(self, page) -> None:
        """Run beside the test (Playwright's listener greenlet): nothing may escape from here,
        so an unexpected error is kept and reported when the test ends."""
        if self.done:
            return
        self.running += 1
        url = page.url
        try:
            result = self.run(page, fresh=False)
            if result is not None:
                self.record(result)
        except Interrupted:
            if not page.is_closed() and url not in self.checked:
                self.interrupted.setdefault(url, page.context)
        except Exception as error:  # noqa: BLE001 - reported at the end, not lost
            self.errors.append(f"{url}: axe could not run: {error}")
        finally:
            self.running -= 1

    def settle(self) -> None:
        """Wait for the checks running beside the test (they advance while the test waits in
        a Playwright call, here a short timeout on a page still open)."""
        for _ in range(600):
            if self.running <= 0:
                return
            open_pages = [p for p in self.pages if not p.is_closed()]
            if not open_pages:
                return
            open_pages[0].wait_for_timeout(25)
        self.errors.append("axe checks still running after 15 s")

    def finish_pages(self, pages) -> None:
        """Check, as they are now, the pages about to close or left open at the end."""
        if self.done:
            return
        self.settle()
        for page in pages:
            if page.is_closed():
                continue
            for _attempt in range(3):
                try:
                    result = self.run(page, fresh=True)
                except Interrupted:
                    page.wait_for_load_state()
                    continue
                if result is not None:
                    self.record(result)
                break

    def recheck_interrupted(self) -> None:
        """Open again (by GET, in their context) the pages whose check a navigation cut."""
        while self.interrupted:
            url, context = self.interrupted.popitem()
            if url in self.checked or not url.startswith("http"):
                continue
            try:
                page = context.new_page()
            except Exception:  # noqa: BLE001 - the context was closed by the test
                continue
            try:
                response = page.goto(url)
                if response is not None and response.ok:
                    self.check(page, fresh=True)
            finally:
                page.close()

    def finish(self) -> None:
        """The end of the test: the open pages checked once more, nothing lost; fails on a
        serious or critical violation."""
        self.finish_pages(self.pages)
        self.recheck_interrupted()
        problems = self.take()
        self.done = True
        if self.errors:
            errors, self.errors = self.errors, []
            raise AssertionError("axe-core could not check every page:\n" + "\n".join(errors))
        if problems:
            raise AssertionError(
                f"axe-core found {len(problems)} serious or critical accessibility "
                "violation(s) (WCAG 2.1 AA):\n" + "\n".join(str(p) for p in problems)
            )

    def take(self) -> list[Finding]:
        """The findings so far on pages not exempted, which are then forgotten."""
        self.settle()
        found = [f for f in self.findings.values() if not self.is_exempt(f.url)]
        self.findings.clear()
        return found

    def is_exempt(self, url: str) -> bool:
        path = urlsplit(url).path
        return any(fnmatch.fnmatch(path, pattern) for pattern in self.exempt)


class CheckedBrowser:
    """The session's Chromium, as a test sees it: contexts and pages it makes are watched."""

    def __init__(self, browser, checker: Checker) -> None:
        self._browser = browser
        self.axe = checker

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        self.axe.watch_context(context)
        return context

    def new_page(self, **options):
        context = self.new_context(**options)
        return context.new_page()

    def __getattr__(self, name: str):
        return getattr(self._browser, name)
