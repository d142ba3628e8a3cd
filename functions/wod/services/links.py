"""The URLs the product hands to participants (status page, workshop page, Start link, badge)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

READ_ME_FIRST = "0-ReadMeFirst.ipynb"


@dataclass(frozen=True)
class Links:
    site_url: str

    def _site(self, path: str) -> str:
        return self.site_url.rstrip("/") + "/" + path.lstrip("/")

    def status(self, registration_id: str, token: str) -> str:
        return self._site("status/?" + urlencode({"id": registration_id, "token": token}))

    def workshop(self, workshop_id: str) -> str:
        return self._site(f"workshops/{quote(workshop_id)}/")

    def badge(self, registration_id: str, token: str) -> str:
        return self._site("badge/?" + urlencode({"id": registration_id, "token": token}))

    @staticmethod
    def linkedin_share(url: str) -> str:
        return "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url})

    @staticmethod
    def start(hub_url: str) -> str:
        """Logs in, then JupyterHub sends the user to their own server with ReadMeFirst open."""
        target = f"/hub/user-redirect/lab/tree/{READ_ME_FIRST}"
        return hub_url.rstrip("/") + "/hub/login?" + urlencode({"next": target})


@dataclass(frozen=True)
class Hubs:
    """The public JupyterHub URL of each backend, for the Start links in mails and pages."""

    urls: Mapping[str, str] = field(default_factory=dict)

    def knows(self, backend: str) -> bool:
        return backend in self.urls

    def start(self, backend: str) -> str:
        """The Start link of a backend's hub (a bare path if the backend has no hub URL)."""
        return Links.start(self.urls.get(backend, ""))
