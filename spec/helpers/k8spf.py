"""The Kubernetes Python client (kubernetes.stream.portforward) against a pod's port 8080:
runs /init with a Lua action and then /run through the forward, one HTTP connection each
way over the forwarded socket. Usage: k8spf.py KUBECONFIG NAMESPACE POD; prints
"<init status> <run status> <run body>" or "error <message>".
"""
import http.client, json, sys
from kubernetes import client, config
from kubernetes.stream import portforward

kubeconfig, namespace, pod = sys.argv[1:4]
CODE = 'function main(args) return {greeting = "hello " .. args.name} end'

def post(pf, path, body):
    conn = http.client.HTTPConnection("localhost", 8080)
    conn.sock = pf.socket(8080)
    conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
    resp = conn.getresponse()
    return resp.status, resp.read().decode()

try:
    config.load_kube_config(config_file=kubeconfig)
    api = client.CoreV1Api()
    results = []
    for path, body in (("/init", {"value": {"main": "main", "code": CODE}}),
                       ("/run", {"value": {"name": "kwhisk"}})):
        pf = portforward(api.connect_get_namespaced_pod_portforward, pod, namespace,
                         ports="8080")
        status, text = post(pf, path, body)
        pf.close()
        results.append((status, text))
    print(results[0][0], results[1][0], results[1][1].strip())
except Exception as e:  # the spec prints what went wrong
    print("error", type(e).__name__, e)
