"""bench/py/lifecycle.py: python3-kubernetes' side of the pod lifecycle benchmark
(bench/lifecycle_bench.lua): N pods created, watched (field_selector metadata.name) until
Ready and deleted, K at a time: the client is synchronous, so K threads, with a connection
pool of K. Prints the number of pods done.
Usage: python3 lifecycle.py N K KUBECONFIG"""
import sys
from concurrent.futures import ThreadPoolExecutor

from kubernetes import client, config, watch

n, k, kubeconfig = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
cfg = client.Configuration()
config.load_kube_config(config_file=kubeconfig, client_configuration=cfg)
cfg.connection_pool_maxsize = k
api = client.CoreV1Api(client.ApiClient(cfg))
ns = config.list_kube_config_contexts(config_file=kubeconfig)[1]["context"].get(
    "namespace", "default")
# The same annotations kwhisk's pods carry (bench/tools/lifecycle.lua).
ANNOTATIONS = {"sim.kwhisk.io/schedule-delay": "0", "sim.kwhisk.io/start-delay": "0",
               "sim.kwhisk.io/stop-delay": "0"}


def is_ready(pod):
    return any(c.type == "Ready" and c.status == "True"
               for c in (pod.status and pod.status.conditions) or [])


def lifecycle(i):
    name = "lifecycle-%d" % i
    api.create_namespaced_pod(ns, {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "annotations": ANNOTATIONS},
        "spec": {"containers": [{"name": "user-action", "image": "pause"}]}})
    w = watch.Watch()
    for event in w.stream(api.list_namespaced_pod, ns, field_selector="metadata.name=" + name,
                          timeout_seconds=60):
        if event["type"] != "DELETED" and is_ready(event["object"]):
            w.stop()
            break
    else:
        raise RuntimeError("watch of %s ended before Ready" % name)
    api.delete_namespaced_pod(name, ns)
    return 1


with ThreadPoolExecutor(max_workers=min(k, max(n, 1))) as pool:
    print(sum(pool.map(lifecycle, range(1, n + 1))))
