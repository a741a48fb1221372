import io

import pytest
from bs4 import BeautifulSoup
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.images.models import Image

from fascia.website.models import ProfessionalPage


def make_image(tmp_path, width=800, height=800):
    buffer = io.BytesIO()
    PILImage.new("RGB", (width, height), (11, 95, 99)).save(buffer, format="PNG")
    return Image.objects.create(
        title="Portrait", file=ImageFile(buffer, name="portrait.png"), width=width, height=height
    )


@pytest.mark.django_db
def test_a_photo_is_served_as_responsive_renditions(client, site, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    page = ProfessionalPage.objects.get(slug="arjun-rao")
    page.photo = make_image(tmp_path)
    page.save_revision().publish()

    soup = BeautifulSoup(client.get(page.url).content, "html.parser")
    img = soup.select_one("img.profile__photo")
    candidates = [c.strip().split(" ") for c in img["srcset"].split(",")]
    assert [width for _, width in candidates] == ["160w", "320w"]
    assert img["sizes"] == "160px"
    assert img["alt"] == ""
    for url, _ in candidates:
        assert client.get(url).status_code == 200
