#!/usr/bin/python3
"""deploy/k8s rendered by `kubectl kustomize` (offline) and read back: the kustomization keeps to
what kustomize v2.0.3 (Debian's kubectl 1.20) knows; the Deployment has readiness and liveness
probes on /readyz and /healthz at the container's port, runs as non-root, has resource requests
and limits and mounts the generated Secret under its hashed name; the Service, the
PodDisruptionBudget and the pods agree on labels; the Ingress sends the social prefixes (and only
them) to the Service's port.
"""
import os
import shutil
import subprocess
import sys

import yaml

SOURCE_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
K8S = os.path.join(SOURCE_DIR, "deploy", "k8s")
ALLOWED_KEYS = {"resources", "patchesStrategicMerge", "secretGenerator", "commonLabels"}


def main():
    if not shutil.which("kubectl"):
        print("FAIL: kubectl is not installed (deploy/install-deps.sh installs it)")
        return 1
    with open(os.path.join(K8S, "kustomization.yaml")) as f:
        kustomization = yaml.safe_load(f)
    assert set(kustomization) <= ALLOWED_KEYS, "kustomize v2.0.3 knows only %s: %s" % (ALLOWED_KEYS, set(kustomization))
    r = subprocess.run(["kubectl", "kustomize", K8S], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert r.returncode == 0, "kubectl kustomize failed:\n" + r.stderr
    docs = [d for d in yaml.safe_load_all(r.stdout) if d]
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], []).append(d)
    print("rendered:", ", ".join("%s/%s" % (d["kind"], d["metadata"]["name"]) for d in docs))
    for kind in ("Deployment", "Service", "Secret", "PodDisruptionBudget", "Ingress"):
        assert len(by_kind.get(kind, [])) == 1, (kind, by_kind.get(kind))
    deployment, = by_kind["Deployment"]
    service, = by_kind["Service"]
    secret, = by_kind["Secret"]
    pdb, = by_kind["PodDisruptionBudget"]
    ingress, = by_kind["Ingress"]

    spec = deployment["spec"]
    pod = spec["template"]["spec"]
    assert spec["replicas"] >= 2, spec["replicas"]
    pod_labels = spec["template"]["metadata"]["labels"]
    assert spec["selector"]["matchLabels"].items() <= pod_labels.items(), (spec["selector"], pod_labels)
    assert pod["securityContext"]["runAsNonRoot"] is True, pod["securityContext"]
    assert pod["securityContext"]["runAsUser"] != 0
    assert pod["terminationGracePeriodSeconds"] >= 30
    container, = pod["containers"]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": 8080}, ports
    for probe, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz")):
        get = container[probe]["httpGet"]
        assert get["path"] == path, (probe, get)
        assert get["port"] in ("http", 8080), (probe, get)
    csc = container.get("securityContext", {})
    assert csc.get("allowPrivilegeEscalation") is False and csc.get("capabilities", {}).get("drop") == ["ALL"], csc
    res = container["resources"]
    for kind in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(res.get(kind, {})), (kind, res)
    env = {e["name"]: e.get("value") for e in container["env"]}
    # site.yaml (patchesStrategicMerge) merged into the container's env, nothing lost.
    assert env["CVAT_BASE_URL"].startswith("https://"), env
    assert env["SOCIAL_AUTH_FLOW"] == "cvat-ui" and env["USE_ALLAUTH_SOCIAL_ACCOUNTS"] == "True", env
    assert not any(k.endswith("_SECRET") or k == "REDIS_URL" for k in env), "secrets only through *_FILE: %s" % env
    # X-Forwarded-For is believed only from the operator's ingress controller (issue 19): the
    # shipped value is a placeholder socialgate refuses at start, never a whole private range.
    proxies = env["SOCIAL_AUTH_TRUSTED_PROXIES"]
    assert proxies == "<YOUR_INGRESS_CONTROLLER_POD_CIDR>", proxies
    # The secret files are mounted from the generated Secret, under its hashed name.
    volume, = [v for v in pod["volumes"] if "secret" in v]
    assert volume["secret"]["secretName"] == secret["metadata"]["name"], (volume, secret["metadata"]["name"])
    mount, = [m for m in container["volumeMounts"] if m["name"] == volume["name"]]
    for k, v in env.items():
        if k.endswith("_FILE"):
            assert v.startswith(mount["mountPath"] + "/"), (k, v)
            assert os.path.basename(v) in secret["data"], (k, sorted(secret["data"]))

    assert service["spec"]["selector"].items() <= pod_labels.items(), (service["spec"]["selector"], pod_labels)
    service_port, = service["spec"]["ports"]
    assert service_port["targetPort"] in ("http", 8080), service_port
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items(), pdb["spec"]
    assert pdb["spec"].get("minAvailable", 0) >= 1 or "maxUnavailable" in pdb["spec"], pdb["spec"]

    paths = {}
    for rule in ingress["spec"]["rules"]:
        for p in rule["http"]["paths"]:
            backend = p["backend"]["service"]
            assert backend["name"] == service["metadata"]["name"], backend
            assert backend["port"].get("name") == service_port["name"] or backend["port"].get("number") == service_port["port"], backend
            paths[p["path"]] = p["pathType"]
    expected = {"/api/auth/github": "Prefix", "/api/auth/google": "Prefix", "/api/auth/amazon-cognito": "Prefix",
                "/api/auth/oidc": "Prefix", "/api/auth/social": "Prefix", "/api/server/advanced-auth": "Exact"}
    assert paths == expected, paths
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
