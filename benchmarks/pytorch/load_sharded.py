#!/usr/bin/python3
"""The sharded-loading recipe FSDP2 users run today, as a peer for ModelGen's sharded loader.

What ``torch.distributed.checkpoint.state_dict.set_model_state_dict(model, full_state_dict,
options=StateDictOptions(full_state_dict=True, broadcast_from_rank0=True))`` does for a model sharded with
FSDP2 (per-parameter ``Shard(0)``): every rank builds the model on the meta device, rank 0 holds the full state
dict (here: the safetensors checkpoint memory-mapped), and tensor by tensor rank 0 broadcasts the full tensor
(receivers allocate all of it), every rank keeps a copy of its ``torch.chunk`` of dim 0 and frees the rest.
PyTorch 1.13 has no DTensor or ``fully_shard``; the kept chunk is the parameter's local data, as FSDP2's sharded
parameter would hold it. Prints one JSON line per rank with the benchmark's fields.

Run under ``mpirun`` (rank and size come from Open MPI's variables) or alone (one rank). Needs Debian's
python3-torch (PyTorch 1.13 with gloo and the meta device).
"""
import json
import mmap
import time

import torch
import torch.distributed as dist
from torch import nn

from load_broadcast import DTYPES, build_on_meta, share_catalog, start_job, status_bytes


def local_chunk(full, rank, size):
    """A copy of this rank's ``torch.chunk`` of dim 0 (empty when the chunks run out before this rank); 0-d tensors
    stay whole on every rank."""
    if full.dim() == 0:
        return full.clone()
    chunks = torch.chunk(full, size, dim=0) if full.shape[0] > 0 else ()
    if rank < len(chunks):
        return chunks[rank].clone()
    return full.new_empty((0, *full.shape[1:]))


def set_parameter(model, name, tensor):
    *path, leaf = name.split(".")
    module = model
    for part in path:
        module = getattr(module, part)
    setattr(module, leaf, nn.Parameter(tensor, requires_grad=False))


def main():
    args, rank, size = start_job(__doc__.splitlines()[0])
    rss_before = status_bytes("VmRSS:")
    start = time.perf_counter()
    entries = share_catalog(rank, args.checkpoint)

    model = build_on_meta(entries)
    maps = {}
    kept = model_bytes = received = 0
    with torch.no_grad():
        for name, dtype, shape, file, offset, nbytes in entries:
            if rank == 0:
                if file not in maps:
                    with open(file, "rb") as handle:
                        # Private and writable, so that torch.frombuffer gets a writable view without copying.
                        maps[file] = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_COPY)
                raw = torch.frombuffer(maps[file], dtype=torch.uint8, count=nbytes, offset=offset) if nbytes > 0 \
                    else torch.empty(0, dtype=torch.uint8)
            else:
                raw = torch.empty(nbytes, dtype=torch.uint8)
            if size > 1 and nbytes > 0:
                # Raw bytes: gloo in PyTorch 1.13 does not broadcast every dtype (bfloat16).
                dist.broadcast(raw, src=0)
                if rank != 0:
                    received += nbytes
            full = raw.view(DTYPES[dtype]).view(shape)
            shard = local_chunk(full, rank, size)
            set_parameter(model, name, shard)
            del full, raw
            kept += shard.numel() * shard.element_size()
            model_bytes += nbytes
    dist.barrier()
    wall = time.perf_counter() - start
    print(json.dumps({
        "scenario": "pytorch-sharded", "rank": rank, "ranks": size, "placement": "FullyShard",
        "param_bytes": kept, "model_bytes": model_bytes, "received_bytes": received,
        "rss_before_load_bytes": rss_before, "peak_rss_bytes": status_bytes("VmHWM:"),
        "wall_seconds": wall, "init_calls_on_loaded": 0,
    }), flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
