"""The Kubernetes Python client's read_namespaced_pod_log(follow=True) against a pod: prints
each line as it arrives and "end" when the stream ends (the client sends follow=True, which
the API server reads as true). Usage: k8slog.py KUBECONFIG POD
"""
import sys
from kubernetes import client, config

kubeconfig, pod = sys.argv[1:3]
config.load_kube_config(config_file=kubeconfig)
resp = client.CoreV1Api().read_namespaced_pod_log(pod, "default", follow=True,
                                                  _preload_content=False)
for line in resp.stream():
    sys.stdout.write(line.decode())
    sys.stdout.flush()
print("end")
