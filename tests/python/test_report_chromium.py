"""`erg report` end to end: render the committed fixture with the built erg, load report.html in
Debian's headless Chromium, and check the screenshot is not blank. Also checks the CLI's
--format and usage-error contract.

Reads tests/fixtures/reports/*; writes only under pytest's tmp_path.
"""

import shutil
import subprocess
import zlib
import struct

import numpy as np
import pytest

FIXTURES = ("asr_design_search", "profile_fake_powercap", "profile_no_rapl")


def chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def read_png(path):
    """Decodes an 8-bit RGB/RGBA non-interlaced PNG (what Chromium writes) with zlib + struct."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color in (2, 6) and interlace == 0, (depth, color, interlace)
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    out = np.zeros((height, stride), dtype=np.int32)
    prev = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = np.frombuffer(raw, dtype=np.uint8, count=stride, offset=y * (stride + 1) + 1)
        line = line.astype(np.int32)
        if f == 0:
            cur = line
        elif f == 2:
            cur = (line + prev) & 255
        else:
            cur = np.zeros(stride, dtype=np.int32)
            for x in range(stride):
                a = cur[x - channels] if x >= channels else 0
                b = prev[x]
                c = prev[x - channels] if x >= channels else 0
                if f == 1:
                    pred = a
                elif f == 3:
                    pred = (a + b) // 2
                else:  # Paeth
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                cur[x] = (line[x] + pred) & 255
        out[y] = cur
        prev = cur
    return out.reshape(height, width, channels)[:, :, :3]


def render(erg_bin, repo, out):
    dirs = [str(repo / "tests" / "fixtures" / "reports" / d) for d in FIXTURES]
    r = subprocess.run([erg_bin, "report", *dirs, "-o", str(out)], capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return out / "report.html"


def test_report_cli_formats_and_usage(erg_bin, repo, tmp_path):
    d = str(repo / "tests" / "fixtures" / "reports" / "llm_selfspec_grid")
    r = subprocess.run([erg_bin, "report", d, "-o", str(tmp_path / "csv"), "--format", "csv"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "csv" / "tables" / "variants.csv").exists()
    assert not (tmp_path / "csv" / "report.html").exists()
    r = subprocess.run([erg_bin, "report", d, "--format", "pdf"], capture_output=True, text=True)
    assert r.returncode == 2 and "unknown format 'pdf'" in r.stderr
    r = subprocess.run([erg_bin, "report", str(tmp_path)], capture_output=True, text=True)
    assert r.returncode == 1 and "erg: error:" in r.stderr


def test_chromium_screenshot_is_not_blank(erg_bin, repo, tmp_path):
    browser = chromium()
    if browser is None:
        pytest.skip("chromium is not installed (apt-get install chromium; scripts/setup does)")
    html = render(erg_bin, repo, tmp_path / "report")
    shot = tmp_path / "shot.png"
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
           "--window-size=1280,2000", html.as_uri()]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert shot.exists(), f"chromium wrote no screenshot (exit {r.returncode}): {r.stderr[-2000:]}"
    pixels = read_png(shot)
    assert pixels.shape[0] >= 1000 and pixels.shape[1] >= 1000
    # Not blank: many pixels differ from the page background, in more than a few colours.
    background = np.median(pixels.reshape(-1, 3), axis=0)
    differing = np.any(np.abs(pixels - background) > 30, axis=2).mean()
    colours = len(np.unique(pixels.reshape(-1, 3)[::7], axis=0))
    assert differing > 0.02, f"only {differing:.3%} of the pixels differ from the background"
    assert colours > 50, f"only {colours} distinct colours"


def test_tables_and_figures_fit_the_page_without_scrolling(erg_bin, repo, tmp_path):
    """The report's look at a laptop width (1280 px): no table needs horizontal scrolling (its
    .scroll wrapper is no wider than the page lets it be) and no figure is wider than the page.
    Chromium lays the page out and a script added to a copy writes the widths into the title."""
    browser = chromium()
    if browser is None:
        pytest.skip("chromium is not installed (apt-get install chromium; scripts/setup does)")
    html = render(erg_bin, repo, tmp_path / "report")
    probe = ("<script>document.title = JSON.stringify({"
             "page: [document.documentElement.scrollWidth, document.documentElement.clientWidth],"
             "tables: [...document.querySelectorAll('.scroll')].map("
             "d => [d.previousElementSibling ? d.previousElementSibling.textContent : '',"
             " d.scrollWidth, d.clientWidth]),"
             "images: [...document.querySelectorAll('img')].map("
             "i => [i.alt, i.getBoundingClientRect().right, i.naturalWidth > 0])});</script>")
    measured = tmp_path / "measured.html"
    measured.write_text(html.read_text().replace("</body>", probe + "</body>"))
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,2000", "--dump-dom",
           measured.as_uri()]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    start, end = r.stdout.find("<title>"), r.stdout.find("</title>")
    assert start >= 0 and end > start, r.stderr[-2000:]
    import html as html_lib
    import json
    m = json.loads(html_lib.unescape(r.stdout[start + len("<title>"):end]))
    page_width, view_width = m["page"]
    assert page_width <= view_width, f"the page scrolls sideways: {page_width} > {view_width} px"
    assert m["tables"], "no tables measured"
    for title, scroll_width, client_width in m["tables"]:
        assert scroll_width <= client_width + 1, \
            f"table '{title}' needs horizontal scrolling: {scroll_width} > {client_width} px"
    for alt, right, loaded in m["images"]:
        assert loaded, f"figure '{alt}' did not load"
        assert right <= view_width, f"figure '{alt}' is wider than the page"
