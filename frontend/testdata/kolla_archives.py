"""Prepare an image folder the way Python Kolla does before it builds.

Used by frontend/conformance_test.go as the reference for kbk's build context
layout. Reads a JSON request on stdin:

    {"name": "demo-git", "path": "/abs/image/folder",
     "source": {...} or null, "plugins": [...], "additions": [...]}

where each source is a Kolla source dict (type, source, name, reference,
sha256, enabled). It runs Kolla's own BuildTask.builder on the folder with the
engine step replaced by a no-op, so the folder ends up holding exactly the
archives Kolla would hand to the engine: <name>-archive, plugins-archive and
additions-archive. Exits non-zero when Kolla reports an error.
"""

import json
import sys
import types

from kolla.image import kolla_worker
from kolla.image import tasks
from kolla.image.utils import Status


def main():
    req = json.load(sys.stdin)
    conf = types.SimpleNamespace(
        engine="docker", buildkit=True, keep=True, timeout=60,
        debian_arch="amd64", build_args=None, pull=False, push=False,
        pip_index_url=None, pip_trusted_host=None, pip_extra_index_url=None,
        debug=False, quiet=True,
    )
    image = kolla_worker.Image(req["name"], "kbk/" + req["name"], req["path"])
    image.source = req.get("source") or {}
    image.plugins = req.get("plugins", [])
    image.additions = req.get("additions", [])

    # Stop right where Kolla would hand the folder to the engine.
    tasks.BuildTask._build_buildkit = lambda self, image, pull, args: None
    tasks.BuildTask(conf, image, None).builder(image)
    if image.status != Status.BUILDING:
        sys.exit("kolla left image %s in status %s" % (image.name, image.status))


if __name__ == "__main__":
    main()
