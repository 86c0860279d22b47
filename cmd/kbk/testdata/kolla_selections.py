"""Ask Python Kolla which images it selects, for many selections at once.

Reads a JSON request on standard input:
  {"args": [kolla-build options shared by every selection, with --work-dir],
   "selections": [{"name": ..., "args": [selection options and regexes]}]}
renders the templates once, the way kolla-build --template-only does, then for
each selection repeats kolla-build's own steps (build the image list, find
parents, filter) over those rendered Dockerfiles and records what
--list-images, --list-dependencies and --save-dependency write. Prints
{"docker_dir": ..., "results": {name: {"list", "dependencies", "dot"}}}; "dot"
is null when the graphviz package is not importable.

Two stand-ins make this run without a container engine:
- a "docker" module whose client cannot connect, as with an absent daemon,
  which kolla-build tolerates for these listing options;
- os.walk listing directories by name, so Kolla finds images in a defined order
  (plain os.walk follows the file system's order, which Kolla leaves open).
"""
import contextlib
import io
import json
import os
import sys
import tempfile
import types


class NoEngine(Exception):
    """Raised where the docker library would fail to reach a daemon."""


def _no_client(*args, **kwargs):
    raise NoEngine("no container engine here")


def _install_docker_stand_in():
    docker = types.ModuleType("docker")
    docker.__version__ = "7.1.0"
    docker.errors = types.ModuleType("docker.errors")
    docker.errors.DockerException = NoEngine
    docker.utils = types.ModuleType("docker.utils")
    docker.utils.kwargs_from_env = lambda *a, **kw: {}
    docker.DockerClient = _no_client
    docker.APIClient = _no_client
    sys.modules.update({"docker": docker, "docker.errors": docker.errors,
                        "docker.utils": docker.utils})


_os_walk = os.walk


def _walk_by_name(top, *args, **kwargs):
    for root, dirs, files in _os_walk(top, *args, **kwargs):
        dirs.sort()
        files.sort()
        yield root, dirs, files


def _worker(args):
    from kolla.common import config as common_config
    from kolla.image.kolla_worker import KollaWorker
    from oslo_config import cfg
    conf = cfg.ConfigOpts()
    common_config.parse(conf, args, prog="kolla-build")
    return KollaWorker(conf)


def main():
    _install_docker_stand_in()
    os.walk = _walk_by_name
    request = json.load(sys.stdin)
    shared = request["args"]

    renderer = _worker(shared + ["--template-only", "--enable-unbuildable"])
    renderer.setup_working_dir()
    renderer.find_dockerfiles()
    renderer.create_dockerfiles()
    docker_dir = renderer.working_dir

    try:
        import graphviz  # noqa: F401
        have_graphviz = True
    except ImportError:
        have_graphviz = False

    results = {}
    for selection in request["selections"]:
        kolla = _worker(shared + ["--list-images"] + selection["args"])
        kolla.working_dir = docker_dir
        kolla.find_dockerfiles()
        kolla.build_image_list()
        kolla.find_parents()
        kolla.filter_images()
        result = {"dot": None}
        for key, method in (("list", kolla.list_images),
                            ("dependencies", kolla.list_dependencies)):
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                method()
            result[key] = out.getvalue()
        if have_graphviz:
            with tempfile.TemporaryDirectory() as tmp:
                dot = os.path.join(tmp, "deps.dot")
                kolla.save_dependency(dot)
                with open(dot) as f:
                    result["dot"] = f.read()
        results[selection["name"]] = result
    json.dump({"docker_dir": docker_dir, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
