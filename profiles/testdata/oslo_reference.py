"""Reference for kbk's profiles package: what Python Kolla's oslo.config makes
of a list of conf files.

Reads a JSON request (or a list of them, answered by a list) on stdin:
  {"config_files": [...], "args": [...], "profiles": [...],
   "sections": [...], "regex": {"patterns": [...], "names": [...]}}
and prints a JSON answer with Kolla's release data ("kolla"), the effective
[DEFAULT] options ("default"), the requested [profiles] entries, source and
user sections, and re.search results for every pattern and name.
"""
import json
import os
import re
import sys

from oslo_config import cfg

from kolla.common import config as common_config


def release_data():
    opts = {o.dest: o for o in common_config._CLI_OPTS}
    return {
        "openstack_release": common_config.OPENSTACK_RELEASE,
        "openstack_release_codename": getattr(
            common_config, "OPENSTACK_RELEASE_CODENAME", ""),
        "tarballs_base": common_config.TARBALLS_BASE,
        "default_base": opts["base"].default,
        "base_images": common_config.DEFAULT_BASE_TAGS,
        "base_arches": common_config.BASE_ARCH,
        "debian_arches": getattr(common_config, "DEBIAN_ARCH", []),
        "host_arch": opts["base_arch"].default,
        "tag_default": opts["tag"].default,
        "profiles": {o.name: o.default for o in common_config._PROFILE_OPTS},
        "sources": common_config.SOURCES,
        "users": {name: {"uid": u.get("uid"), "gid": u.get("gid"),
                         "group": u.get("group", name[:-5])}
                  for name, u in common_config.USERS.items()},
    }


def group_values(conf, group, names):
    out = {}
    for name in names:
        try:
            # kolla-build reads [DEFAULT] options as attributes, which is
            # where parse() puts base_image's derived default
            out[name] = conf[group][name] if group else getattr(conf, name)
        except (Exception, SystemExit) as e:  # kolla-build would stop here
            out[name] = {"error": "%s: %s" % (type(e).__name__, e)}
    return out


def main():
    req = json.load(sys.stdin)
    if isinstance(req, list):
        # a batch: one answer per request, release data only in the first
        answers = [answer_for(r) for r in req]
        for a in answers[1:]:
            del a["kolla"]
        print(json.dumps(answers, indent=1, sort_keys=True))
        return
    print(json.dumps(answer_for(req), indent=1, sort_keys=True))


def answer_for(req):
    answer = {"kolla": release_data()}
    conf = cfg.ConfigOpts()
    args = []
    for f in req.get("config_files") or []:
        args += ["--config-file", f]
    args += req.get("args") or []
    try:
        common_config.parse(conf, args, default_config_files=[])
    except (Exception, SystemExit) as e:  # argparse exits on bad values
        answer["error"] = "%s: %s" % (type(e).__name__, e)
        return answer
    # kolla-build registers what it meets later: a profile when it is asked
    # for, source options for plugin and addition sections, user sections.
    for name in (req.get("profiles") or []):
        if name not in conf.profiles:
            conf.register_opt(cfg.ListOpt(name, default=[]), "profiles")
    for section in (req.get("sections") or []):
        if section in conf._groups:
            continue
        if section.endswith("-user"):
            conf.register_opts(common_config.get_user_opts(
                None, None, group=section[:-5]), group=section)
        else:
            conf.register_opts(common_config.get_source_opts(), section)

    names = [o.dest for o in common_config._CLI_OPTS + common_config._BASE_OPTS]
    answer["default"] = group_values(conf, None, names)
    answer["profiles"] = group_values(conf, "profiles", (req.get("profiles") or []))
    answer["sections"] = {}
    for section in (req.get("sections") or []):
        if section.endswith("-user"):
            keys = ["uid", "gid", "group"]
        else:
            keys = ["type", "location", "reference", "enabled", "version",
                    "sha256"]
        answer["sections"][section] = group_values(conf, section, keys)

    rx = req.get("regex") or {}
    matches = {}
    for p in (rx.get("patterns") or []):
        try:
            compiled = re.compile(p)
        except re.error as e:
            matches[p] = {"error": str(e)}
            continue
        matches[p] = {n: compiled.search(n) is not None
                      for n in (rx.get("names") or [])}
    answer["regex"] = matches
    return answer


if __name__ == "__main__":
    main()
