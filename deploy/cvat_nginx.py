#!/usr/bin/python3
"""Writes a runnable nginx configuration for deploy/nginx/socialgate-cvat.conf on one machine:
its three upstream host names replaced by loopback ports, `listen 80` by the given address, and
a minimal nginx.conf that keeps every file (pid, logs, temp) in one directory, so nginx runs
without root and without touching the system's nginx. Used by deploy/run-local.sh and by the
CVAT tests (tests/cvat/harness.py), so both run the very routing an operator deploys.

    python3 deploy/cvat_nginx.py --dir DIR --listen 127.0.0.1:8088 \\
        --socialgate 8080,8081 --cvat-server 8090,8091 --cvat-ui 8090,8091
Then: nginx -p DIR -c DIR/nginx.conf -g 'daemon off;'
"""
import argparse
import os

SITE_CONF = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nginx", "socialgate-cvat.conf")


def write_config(directory, listen, socialgate_ports, cvat_server_ports, cvat_ui_ports):
    """Writes DIR/site.conf and DIR/nginx.conf; returns the nginx.conf path."""
    with open(SITE_CONF) as f:
        site_conf = f.read()
    for host, ports in (("socialgate:8080", socialgate_ports), ("cvat_server:8080", cvat_server_ports),
                        ("cvat_ui:80", cvat_ui_ports)):
        if "server %s;" % host not in site_conf:
            raise ValueError("%s has no upstream 'server %s;'" % (SITE_CONF, host))
        site_conf = site_conf.replace("server %s;" % host, " ".join("server 127.0.0.1:%d;" % int(p) for p in ports))
    if "listen 80;" not in site_conf:
        raise ValueError("%s has no 'listen 80;'" % SITE_CONF)
    site_conf = site_conf.replace("listen 80;", "listen %s;" % listen)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "site.conf"), "w") as f:
        f.write(site_conf)
    path = os.path.join(directory, "nginx.conf")
    with open(path, "w") as f:
        # As root, nginx's workers would switch to "nobody", who cannot write this directory.
        f.write(("user root;\n" if os.getuid() == 0 else "") +
                "worker_processes 1;\npid %(d)s/nginx.pid;\nerror_log %(d)s/nginx-error.log;\n"
                "events {}\nhttp {\n  access_log %(d)s/nginx-access.log;\n"
                "  client_body_temp_path %(d)s/body;\n  proxy_temp_path %(d)s/proxy;\n"
                "  fastcgi_temp_path %(d)s/fastcgi;\n  uwsgi_temp_path %(d)s/uwsgi;\n"
                "  scgi_temp_path %(d)s/scgi;\n  include %(d)s/site.conf;\n}\n" % {"d": directory})
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--listen", required=True)
    for name in ("socialgate", "cvat-server", "cvat-ui"):
        parser.add_argument("--" + name, required=True, help="comma-separated loopback ports")
    args = parser.parse_args()
    ports = lambda text: [int(p) for p in text.split(",") if p]
    print(write_config(os.path.abspath(args.dir), args.listen, ports(args.socialgate), ports(args.cvat_server),
                       ports(args.cvat_ui)))


if __name__ == "__main__":
    main()
