"""Headless Chromium from the system's packages (Debian: chromium, chromium-driver),
driven by Selenium; used by `invoke explore --screenshot` and the browser tests.

Selenium would otherwise try to download a driver (Selenium Manager); naming the
system's chromium and chromedriver keeps everything offline.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from harness import HarnessError

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
DRIVER_NAMES = ("chromedriver",)
INSTALL_HINT = "install it with `apt-get install -y chromium chromium-driver` (Debian)"


def _which(names: tuple[str, ...]) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def missing_reason() -> str | None:
    """Why no headless browser can run here, or None when one can."""
    if _which(CHROMIUM_NAMES) is None:
        return f"no chromium on PATH; {INSTALL_HINT}"
    if _which(DRIVER_NAMES) is None:
        return f"no chromedriver on PATH; {INSTALL_HINT}"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "the selenium package is missing; run `pip install -e .`"
    return None


def chromium(width: int = 1400, height: int = 1000):
    """A headless Chromium WebDriver at `width` x `height` CSS pixels; quit() it when done."""
    reason = missing_reason()
    if reason:
        raise HarnessError(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = _which(CHROMIUM_NAMES)
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI containers run as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={width},{height}",
    ):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(executable_path=_which(DRIVER_NAMES)), options=options)


def screenshot(page_url: str, path: Path, *, wait_for: str = "#table-view tr.item") -> Path:
    """Open `page_url`, wait until `wait_for` (a CSS selector) shows, save a PNG to `path`."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    driver = chromium()
    try:
        driver.get(page_url)
        WebDriverWait(driver, 20).until(
            expected_conditions.presence_of_element_located((By.CSS_SELECTOR, wait_for))
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(path))
    finally:
        driver.quit()
    return path
