"""Headless Chromium from the system's packages (Debian's chromium, installed by the Makefile),
driven by Playwright for Python, against a real server; every page watched for requests off the
machine and for console errors. Screenshots and PDFs go to tests/artifacts/ (git-ignored)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Route

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def launch(playwright) -> Browser:  # noqa: ANN001
    if not CHROMIUM.exists():
        raise RuntimeError(f"{CHROMIUM} 不存在：请运行 make test（它安装 Debian 的 chromium）/ missing: run make test, "
                           "which installs Debian's chromium")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)


@dataclass
class Watched:
    """A page whose requests off the machine are refused and recorded, with its console errors."""

    page: Page
    base: str
    off_machine: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=False)
        return path

    def check_clean(self) -> None:
        assert not self.off_machine, f"pages requested something off the machine: {self.off_machine}"
        assert not self.console_errors, f"console errors: {self.console_errors}"


def watched_page(browser: Browser, base: str) -> tuple[Watched, object]:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    watched = Watched(page, base)

    def route(route: Route, request: Request) -> None:
        if request.url.startswith((base + "/", "data:", "blob:")):
            route.continue_()
        else:
            watched.off_machine.append(request.url)
            route.abort()

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            watched.console_errors.append(f"{message.text} ({message.location.get('url')})")

    context.route("**/*", route)
    page.on("console", console)
    page.on("pageerror", lambda error: watched.console_errors.append(f"uncaught: {error}"))
    return watched, context
