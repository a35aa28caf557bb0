"""The badge image: a PNG that shows the programme and carries the signed credential.

Baked as Open Badges 3.0 asks: one ``iTXt`` chunk with the keyword ``openbadgecredential``
whose text is the credential (here the compact JWS), uncompressed. A wallet or portfolio
that receives the image reads the credential from it and verifies it like the ``.jwt``.
The drawing uses Pillow's own font, so it looks the same on every server.
"""

from __future__ import annotations

import io
import textwrap

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from PIL import Image, ImageDraw, ImageFont, PngImagePlugin

from lms.certificates.facts import Certified
from lms.i18n import fmt_number

KEYWORD = "openbadgecredential"
SIZE = 512
GREEN = (0, 104, 74, 255)  # the platform's colour (static/favicon.svg)
LIGHT = (230, 239, 236, 255)
WHITE = (255, 255, 255, 255)


def _font(size: int):
    return ImageFont.load_default(size=size)


def _centred(draw: ImageDraw.ImageDraw, y: int, text: str, size: int, fill) -> int:
    font = _font(size)
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    draw.text(((SIZE - (right - left)) / 2 - left, y - top), text, font=font, fill=fill)
    return y + (bottom - top)


def badge_image(facts: Certified, kicker: str, hours: str) -> Image.Image:
    """A round badge: the kicker (e.g. "Certificate"), the programme's title, the hours."""
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, SIZE - 8, SIZE - 8), fill=GREEN)
    draw.ellipse((36, 36, SIZE - 36, SIZE - 36), outline=LIGHT, width=4)
    # A tick at the top, as in the platform's icon.
    draw.line([(216, 112), (246, 142), (300, 84)], fill=WHITE, width=14, joint="curve")
    y = _centred(draw, 168, kicker.upper(), 26, LIGHT) + 18
    lines = textwrap.wrap(facts.programme_title, width=18, max_lines=3, placeholder=" …") or [""]
    for line in lines:
        y = _centred(draw, y, line, 40, WHITE) + 10
    _centred(draw, max(y + 16, 372), hours, 24, LIGHT)
    return image


def badge_png(facts: Certified, credential: str) -> bytes:
    """The badge of a certificate, in the platform's language like its credential, with the credential baked in."""
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        hours = _("%(hours)s hours", hours=fmt_number(facts.net_hours)) if facts.net_hours is not None else ""
        image = badge_image(facts, _("Certificate"), hours)
    return baked_png(image, credential)


def baked_png(image: Image.Image, credential: str) -> bytes:
    """The image as PNG with the credential in an uncompressed ``iTXt`` chunk."""
    info = PngImagePlugin.PngInfo()
    info.add_itxt(KEYWORD, credential, zip=False)
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info, optimize=True)
    return out.getvalue()


def baked_credential(png: bytes) -> str | None:
    """The credential baked into a PNG, or None."""
    with Image.open(io.BytesIO(png)) as image:
        return image.text.get(KEYWORD)
