"""podman on a CI machine without a registry (../shared/TOOLCHAIN.md, "Containers without a
registry"): storage in a scratch folder of its own (never the system's), ulimits this sandbox
allows, and the base image `debian:bookworm` made by mmdebstrap from Debian's archive and kept
in that storage, so later runs (and the image builds' cached layers) reuse it.

SG_PODMAN_DIR (default /tmp/socialgate-podman-<uid>) is the scratch folder; it persists between
runs on purpose: it is the cache. `python3 podman_env.py --clean` removes it (containers, images,
overlay mounts).
"""
import os
import resource
import shutil
import subprocess
import sys
import time

SKIP = 77
BASE_IMAGE = "localhost/debian:bookworm"


def scratch_dir():
    return os.environ.get("SG_PODMAN_DIR") or "/tmp/socialgate-podman-%d" % os.getuid()


def environment():
    """The environment every podman and docker-compose call runs with."""
    d = scratch_dir()
    os.makedirs(d, exist_ok=True)
    storage = os.path.join(d, "storage.conf")
    conf = os.path.join(d, "containers.conf")
    registries = os.path.join(d, "registries.conf")
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    hard = 1048576 if hard == resource.RLIM_INFINITY else hard
    with open(storage, "w") as f:
        f.write('[storage]\ndriver = "overlay"\nrunroot = "%s/run"\ngraphroot = "%s/storage"\n' % (d, d))
    with open(conf, "w") as f:
        f.write('[containers]\ndefault_ulimits = ["nofile=%d:%d", "nproc=32768:32768"]\n' % (hard, hard) +
                # crun refuses hybrid cgroup hierarchies (cgroup v1 with v2 mounted too); runc runs.
                '[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n')
    # No registry is reachable: short names resolve to local images only, and nothing is pulled.
    with open(registries, "w") as f:
        f.write('unqualified-search-registries = []\nshort-name-mode = "disabled"\n')
    env = dict(os.environ)
    env.update({"CONTAINERS_STORAGE_CONF": storage, "CONTAINERS_CONF": conf,
                "CONTAINERS_REGISTRIES_CONF": registries, "TMPDIR": os.path.join(d, "tmp")})
    os.makedirs(env["TMPDIR"], exist_ok=True)
    return env


def podman(*args, check=True, capture=True, timeout=1800, env=None):
    r = subprocess.run(["podman", *args], env=env or environment(), timeout=timeout,
                       stdout=subprocess.PIPE if capture else None, stderr=subprocess.STDOUT if capture else None,
                       text=True)
    if check and r.returncode != 0:
        raise AssertionError("podman %s failed (%d): %s" % (" ".join(args), r.returncode, r.stdout))
    return r


def why_podman_cannot_run():
    """None when podman can run containers here, else the reason (the test then skips)."""
    for tool in ("podman", "mmdebstrap"):
        if not shutil.which(tool):
            return "%s is not installed (deploy/install-deps.sh installs it)" % tool
    try:
        r = podman("info", check=False, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as e:
        return "podman info failed: %s" % e
    if r.returncode != 0:
        return "podman info failed: %s" % r.stdout.strip()[-500:]
    return None


def ensure_base_image(log=print):
    """Makes localhost/debian:bookworm with mmdebstrap unless the scratch storage has it."""
    if podman("image", "exists", BASE_IMAGE, check=False).returncode == 0:
        log("base image %s: cached" % BASE_IMAGE)
        return
    started = time.monotonic()
    d = scratch_dir()
    rootfs = os.path.join(d, "bookworm-rootfs.tar")
    # mmdebstrap reads the machine's apt sources, so the image's apt uses the same mirror.
    subprocess.run(["mmdebstrap", "--variant=minbase", "--quiet", "bookworm", rootfs], check=True,
                   env=environment(), timeout=1200)
    podman("import", "--change", 'CMD ["/bin/bash"]', rootfs, BASE_IMAGE, timeout=600)
    os.unlink(rootfs)
    log("base image %s: made with mmdebstrap in %.0f s" % (BASE_IMAGE, time.monotonic() - started))


def clean():
    d = scratch_dir()
    if not os.path.isdir(d):
        return
    podman("rm", "-af", "-t", "1", check=False)
    podman("rmi", "-af", check=False)
    subprocess.run(["umount", os.path.join(d, "storage", "overlay")], stderr=subprocess.DEVNULL)
    shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["--clean"]:
        clean()
    elif sys.argv[1:] == ["--base"]:
        reason = why_podman_cannot_run()
        if reason:
            print("cannot run podman: " + reason)
            sys.exit(SKIP)
        ensure_base_image()
    else:
        print(__doc__)
