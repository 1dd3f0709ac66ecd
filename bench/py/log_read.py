"""bench/py/log_read.py: python3-kubernetes reading a pod's log as bench/stream_bench.lua
measures it: read_namespaced_pod_log(timestamps=True, _preload_content=False), the body
read in chunks and only counted (the client does not parse timestamps). Prints the bytes.
Usage: python3 log_read.py SERVER_URL NAMESPACE POD CONTAINER"""
import sys

from kubernetes import client

server, namespace, pod, container = sys.argv[1:5]
config = client.Configuration()
config.host = server
api = client.CoreV1Api(client.ApiClient(config))
response = api.read_namespaced_pod_log(pod, namespace, container=container, timestamps=True,
                                       _preload_content=False)
total = 0
for chunk in response.stream(65536):
    total += len(chunk)
response.release_conn()
print(total)
