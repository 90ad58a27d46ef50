#!/usr/bin/python3
"""The PyTorch recipe people run today, as a peer for ModelGen's loader.

Every rank builds the same model on the meta device, materializes it with ``Module.to_empty`` (allocated, never
initialized), rank 0 reads the safetensors checkpoint memory-mapped and copies each tensor into its parameter,
and every tensor is broadcast from rank 0 over gloo. Prints one JSON line per rank with the benchmark's fields.

Run under ``mpirun`` (rank and size come from Open MPI's variables) or alone (one rank). Needs Debian's
python3-torch (PyTorch 1.13, which has gloo, the meta device and ``to_empty``); no safetensors package is used:
the header is read here.
"""
import argparse
import json
import mmap
import os
import struct
import time

import torch
import torch.distributed as dist
from torch import nn

DTYPES = {
    "BOOL": torch.bool, "U8": torch.uint8, "I8": torch.int8, "I16": torch.int16, "I32": torch.int32,
    "I64": torch.int64, "F16": torch.float16, "BF16": torch.bfloat16, "F32": torch.float32, "F64": torch.float64,
}


def status_bytes(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1]) * 1024
    return -1


def checkpoint_files(path):
    """The shard files of a single file, an index, or a folder holding either, in index order."""
    if os.path.isdir(path):
        index = os.path.join(path, "model.safetensors.index.json")
        path = index if os.path.exists(index) else os.path.join(path, "model.safetensors")
    if path.endswith(".json"):
        with open(path) as handle:
            weight_map = json.load(handle)["weight_map"]
        folder = os.path.dirname(path)
        return [os.path.join(folder, name) for name in sorted(set(weight_map.values()))]
    return [path]


def read_header(file):
    with open(file, "rb") as handle:
        (length,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(length))
    header.pop("__metadata__", None)
    entries = []
    for name, info in header.items():
        begin, end = info["data_offsets"]
        entries.append((name, info["dtype"], info["shape"], file, 8 + length + begin, end - begin))
    return sorted(entries, key=lambda e: e[4])


class Tree(nn.Module):
    """A module whose state_dict has exactly the checkpoint's names and shapes, built on the meta device."""


def build_on_meta(entries):
    root = Tree()
    for name, dtype, shape, _, _, _ in entries:
        *path, leaf = name.split(".")
        module = root
        for part in path:
            if not hasattr(module, part):
                module.add_module(part, Tree())
            module = getattr(module, part)
        module.register_parameter(leaf, nn.Parameter(torch.empty(shape, dtype=DTYPES[dtype], device="meta"), requires_grad=False))
    return root


def start_job(description):
    """Parses --checkpoint and --port, joins the gloo group (rank and size from Open MPI's or torchrun's variables)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--port", default=os.environ.get("MASTER_PORT", "29511"))
    args = parser.parse_args()

    rank = int(os.environ.get("OMPI_COMM_WORLD_RANK", os.environ.get("RANK", "0")))
    size = int(os.environ.get("OMPI_COMM_WORLD_SIZE", os.environ.get("WORLD_SIZE", "1")))
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{args.port}", rank=rank, world_size=size)
    torch.empty(1)
    dist.barrier()
    return args, rank, size


def share_catalog(rank, checkpoint):
    """Rank 0 reads every header; every rank receives the entries."""
    catalog = [None]
    if rank == 0:
        catalog[0] = [e for f in checkpoint_files(checkpoint) for e in read_header(f)]
    dist.broadcast_object_list(catalog, src=0)
    return catalog[0]


def main():
    args, rank, size = start_job(__doc__.splitlines()[0])
    rss_before = status_bytes("VmRSS:")
    start = time.perf_counter()
    entries = share_catalog(rank, args.checkpoint)

    model = build_on_meta(entries)
    model.to_empty(device="cpu")
    parameters = dict(model.named_parameters())
    maps = {}
    param_bytes = 0
    with torch.no_grad():
        for name, dtype, shape, file, offset, nbytes in entries:
            target = parameters[name]
            if rank == 0 and nbytes > 0:
                if file not in maps:
                    with open(file, "rb") as handle:
                        maps[file] = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
                source = torch.frombuffer(maps[file], dtype=torch.uint8, count=nbytes, offset=offset)
                target.view(-1).view(torch.uint8).copy_(source)
            if size > 1 and nbytes > 0:
                # Raw bytes: gloo in PyTorch 1.13 does not broadcast every dtype (bfloat16).
                dist.broadcast(target.view(-1).view(torch.uint8), src=0)
            param_bytes += nbytes
    dist.barrier()
    wall = time.perf_counter() - start
    print(json.dumps({
        "scenario": "pytorch", "rank": rank, "ranks": size, "param_bytes": param_bytes,
        "rss_before_load_bytes": rss_before, "peak_rss_bytes": status_bytes("VmHWM:"),
        "wall_seconds": wall, "init_calls_on_loaded": 0,
    }), flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
