#!/usr/bin/python3
"""A small CRI client that plays kubelet (runtime.v1 over gRPC).

    cri.py GENDIR SOCKET COMMAND ARGS...

GENDIR holds api_pb2.py and api_pb2_grpc.py, made at test time by protoc
from ../shared/cri-api/api.proto.  Configs are JSON files in the protobuf
JSON mapping (camelCase or the proto names), e.g. {"metadata": {"name":
"p"}, "linux": {"securityContext": {"namespaceOptions": {"network":
"NODE"}}}}.  Commands:

    version
    runp POD.json [HANDLER]           prints the pod id
    pstatus POD                        PodSandboxStatus as JSON
    create POD CTR.json POD.json       prints the container id
    start CTR
    status CTR                         ContainerStatus as JSON
    exec CTR TIMEOUT CMD...            ExecSync: its stdout and stderr, and
                                       its exit code as ours
    stats CTR                          ContainerStats as JSON
    lstats                             ListContainerStats as JSON
    stop CTR TIMEOUT
    rm CTR
    stopp POD
    rmp POD
    pods, ctrs                         the ids, one a line
    podstart N POD.json CTR.json [HANDLER]
                                       N pods at once, each RunPodSandbox +
                                       CreateContainer + StartContainer until
                                       ContainerStatus says running; prints
                                       the pod ids
    bench OUT.json ROUNDS N POD.json CTR.json HANDLER...
                                       bench/cri.sh: ROUNDS times, for each
                                       HANDLER in turn (the order rotating),
                                       the wall time of podstart N, the pods
                                       then stopped and removed untimed;
                                       OUT.json as hyperfine's --export-json

A gRPC error prints its code and details on stderr and exits 2.
"""
import json
import statistics
import sys
import threading
import time

import grpc
from google.protobuf import json_format

sys.path.insert(0, sys.argv[1])
import api_pb2 as pb  # noqa: E402
import api_pb2_grpc as pbg  # noqa: E402


def load(path, msg):
    with open(path) as f:
        return json_format.ParseDict(json.load(f), msg)


def dump(msg):
    print(json_format.MessageToJson(msg, including_default_value_fields=True))


def run_pod(rt, pod, ctr, handler):
    """RunPodSandbox + CreateContainer + StartContainer, then poll
    ContainerStatus until RUNNING; returns the pod id."""
    pid = rt.RunPodSandbox(pb.RunPodSandboxRequest(config=pod, runtime_handler=handler)).pod_sandbox_id
    cid = rt.CreateContainer(pb.CreateContainerRequest(pod_sandbox_id=pid, config=ctr, sandbox_config=pod)).container_id
    rt.StartContainer(pb.StartContainerRequest(container_id=cid))
    for _ in range(600):
        st = rt.ContainerStatus(pb.ContainerStatusRequest(container_id=cid)).status
        if st.state == pb.CONTAINER_RUNNING:
            return pid
        time.sleep(0.01)
    raise RuntimeError("container %s did not run" % cid)


def start_pods(rt, n, pod_path, ctr_path, handler, tag):
    """n pods at once (one thread each); their ids, or the first error
    once every thread ended (the pods that started are returned with it)."""
    ids, errors = [None] * n, []

    def one(i):
        pod = load(pod_path, pb.PodSandboxConfig())
        pod.metadata.name += "-%s-%d" % (tag, i)
        pod.metadata.uid += "-%s-%d" % (tag, i)
        ctr = load(ctr_path, pb.ContainerConfig())
        try:
            ids[i] = run_pod(rt, pod, ctr, handler)
        except Exception as e:  # reported below, after every thread ended
            errors.append(e)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [i for i in ids if i], (errors[0] if errors else None)


def remove_pods(rt, ids):
    def one(pid):
        rt.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=pid))
        rt.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=pid))

    threads = [threading.Thread(target=one, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def podstart(rt, n, pod_path, ctr_path, handler):
    ids, err = start_pods(rt, n, pod_path, ctr_path, handler, "p")
    for i in ids:
        print(i)
    if err:
        raise err


def bench(rt, out, rounds, n, pod_path, ctr_path, handlers):
    times = {h: [] for h in handlers}
    for r in range(rounds):
        k = r % len(handlers)
        for h in handlers[k:] + handlers[:k]:
            t0 = time.monotonic()
            ids, err = start_pods(rt, n, pod_path, ctr_path, h, "%s-%d" % (h, r))
            t = time.monotonic() - t0
            remove_pods(rt, ids)
            if err:
                raise err
            times[h].append(t)
    results = []
    for h, ts in times.items():
        results.append({"command": "%s x%d" % (h, n), "mean": statistics.mean(ts),
                        "stddev": statistics.stdev(ts) if len(ts) > 1 else 0.0,
                        "median": statistics.median(ts), "times": ts})
    with open(out, "w") as f:
        json.dump({"results": results}, f)


def main():
    sock, cmd, args = sys.argv[2], sys.argv[3], sys.argv[4:]
    ch = grpc.insecure_channel("unix://" + sock)
    rt = pbg.RuntimeServiceStub(ch)
    if cmd == "version":
        dump(rt.Version(pb.VersionRequest()))
    elif cmd == "runp":
        req = pb.RunPodSandboxRequest(config=load(args[0], pb.PodSandboxConfig()))
        if len(args) > 1:
            req.runtime_handler = args[1]
        print(rt.RunPodSandbox(req).pod_sandbox_id)
    elif cmd == "pstatus":
        dump(rt.PodSandboxStatus(pb.PodSandboxStatusRequest(pod_sandbox_id=args[0])))
    elif cmd == "create":
        print(rt.CreateContainer(pb.CreateContainerRequest(
            pod_sandbox_id=args[0], config=load(args[1], pb.ContainerConfig()),
            sandbox_config=load(args[2], pb.PodSandboxConfig()))).container_id)
    elif cmd == "start":
        rt.StartContainer(pb.StartContainerRequest(container_id=args[0]))
    elif cmd == "status":
        dump(rt.ContainerStatus(pb.ContainerStatusRequest(container_id=args[0])))
    elif cmd == "exec":
        r = rt.ExecSync(pb.ExecSyncRequest(container_id=args[0], timeout=int(args[1]), cmd=args[2:]))
        sys.stdout.write(r.stdout.decode(errors="replace"))
        sys.stderr.write(r.stderr.decode(errors="replace"))
        sys.exit(r.exit_code)
    elif cmd == "stats":
        dump(rt.ContainerStats(pb.ContainerStatsRequest(container_id=args[0])))
    elif cmd == "lstats":
        dump(rt.ListContainerStats(pb.ListContainerStatsRequest()))
    elif cmd == "stop":
        rt.StopContainer(pb.StopContainerRequest(container_id=args[0], timeout=int(args[1])))
    elif cmd == "rm":
        rt.RemoveContainer(pb.RemoveContainerRequest(container_id=args[0]))
    elif cmd == "stopp":
        rt.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=args[0]))
    elif cmd == "rmp":
        rt.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=args[0]))
    elif cmd == "pods":
        for p in rt.ListPodSandbox(pb.ListPodSandboxRequest()).items:
            print(p.id)
    elif cmd == "ctrs":
        for c in rt.ListContainers(pb.ListContainersRequest()).containers:
            print(c.id)
    elif cmd == "podstart":
        podstart(rt, int(args[0]), args[1], args[2], args[3] if len(args) > 3 else "")
    elif cmd == "bench":
        bench(rt, args[0], int(args[1]), int(args[2]), args[3], args[4], args[5:])
    else:
        sys.exit("cri.py: unknown command " + cmd)


if __name__ == "__main__":
    try:
        main()
    except grpc.RpcError as e:
        sys.stderr.write("grpc error %s: %s\n" % (e.code().name, e.details()))
        sys.exit(2)
