import pytest

from tests.browser import SCREENS, chromium_page


@pytest.fixture
def page(monkeypatch, settings, tmp_path):
    """A headless Chromium page on the live server, with uploads and report files in a temporary folder."""
    settings.MEDIA_ROOT = tmp_path
    SCREENS.mkdir(parents=True, exist_ok=True)
    with chromium_page(monkeypatch) as page:
        yield page
