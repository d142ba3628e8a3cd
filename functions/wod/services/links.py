"""The URLs the product hands to participants (status page, workshop page, Start link, badge)."""

from __future__ import annotations

from dataclasses import dataclass
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
