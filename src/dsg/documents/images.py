"""Inspection photos: JPEG or PNG recognised by content, size-limited, GPS position removed.

Pillow is imported where a photo is read, not with the module: every process imports this one
at start-up (the documents' services), and most never read a photo (#14: `dsg audit verify`).
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from dsg.core.errors import RuleViolation

if TYPE_CHECKING:
    from PIL import Image

MAX_PIXELS = 50_000_000  # a 50-megapixel photo; more is refused before decoding
MAX_SIDE = 20_000
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png"}
GPS_IFD = 0x8825


@dataclass(frozen=True)
class ImageInfo:
    content_type: str
    width: int
    height: int
    data: bytes  # what is stored: the upload, without its GPS position


def _refuse(message: object, code: str) -> RuleViolation:
    return RuleViolation(message, code=code, status=422, field="file")


def inspect_image(data: bytes) -> ImageInfo:
    """Refuse anything that is not a sound JPEG or PNG of a sane size."""
    from PIL import Image, UnidentifiedImageError

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as probe:
                fmt, (width, height) = probe.format, probe.size
                if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
                    raise _refuse(
                        _("The image is too large (at most 50 megapixels)."), "image_too_large"
                    )
                probe.verify()
            with Image.open(io.BytesIO(data), formats=list(FORMATS)) as image:
                image.load()  # decodes every pixel: a truncated file fails here
                cleaned = _without_gps(image, data)
        except RuleViolation:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
            raise _refuse(
                _("The image is too large (at most 50 megapixels)."), "image_too_large"
            ) from error
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
            raise _refuse(
                _(
                    "Inspection photos must be JPEG or PNG images; this file is not one or is "
                    "damaged."
                ),
                "image_invalid",
            ) from error
    return ImageInfo(FORMATS[str(fmt)], width, height, cleaned)


def _without_gps(image: Image.Image, original: bytes) -> bytes:
    exif = image.getexif()
    if GPS_IFD not in exif:
        return original
    del exif[GPS_IFD]
    out = io.BytesIO()
    if image.format == "JPEG":
        image.save(
            out, "JPEG", exif=exif, quality="keep", icc_profile=image.info.get("icc_profile")
        )
    else:
        image.save(out, "PNG", exif=exif)
    return out.getvalue()
