"""Creates a container in the Azure Blob emulator of the parquet tests (a Shared Key signed request; the
plugin reads and writes blobs but never creates containers).

    python3 azure_blob.py create-container NAME

The endpoint, account and key come from MAGEIO_TEST_AZURE_ENDPOINT / _ACCOUNT / _KEY
(tools/with-test-servers.sh); the key is never printed.
"""

import base64
import hashlib
import hmac
import os
import sys
import urllib.error
import urllib.request
from email.utils import formatdate


def create_container(name: str) -> None:
    endpoint = os.environ["MAGEIO_TEST_AZURE_ENDPOINT"].rstrip("/")
    account = os.environ["MAGEIO_TEST_AZURE_ACCOUNT"]
    key = base64.b64decode(os.environ["MAGEIO_TEST_AZURE_KEY"])
    url = f"{endpoint}/{name}?restype=container"
    headers = {"x-ms-date": formatdate(usegmt=True), "x-ms-version": "2021-08-06"}
    path = urllib.request.urlparse(url).path  # /ACCOUNT/NAME (path-style, as the emulator is addressed)
    canonical_headers = "".join(f"{k}:{headers[k]}\n" for k in sorted(headers))
    # VERB, Content-Encoding, -Language, -Length (empty for an empty body), -MD5, Content-Type, Date,
    # If-Modified-Since, If-Match, If-None-Match, If-Unmodified-Since, Range; then the canonical x-ms-
    # headers and the resource.
    content_type = "application/octet-stream"
    to_sign = "PUT\n\n\n\n\n" + content_type + "\n" + "\n" * 6 + canonical_headers
    to_sign += f"/{account}{path}\nrestype:container"
    signature = base64.b64encode(hmac.new(key, to_sign.encode(), hashlib.sha256).digest()).decode()
    headers["Authorization"] = f"SharedKey {account}:{signature}"
    headers["Content-Type"] = content_type
    request = urllib.request.Request(url, data=b"", method="PUT", headers=headers)
    try:
        urllib.request.urlopen(request, timeout=30)
    except urllib.error.HTTPError as e:
        if e.code != 409:  # already exists
            sys.exit(f"azure_blob.py: creating container {name}: HTTP {e.code}: {e.read()[:300]!r}")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "create-container":
        sys.exit(__doc__)
    create_container(sys.argv[2])
