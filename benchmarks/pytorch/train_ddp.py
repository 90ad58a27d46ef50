#!/usr/bin/python3
"""PyTorch DistributedDataParallel training, the peer of ModelGen's replicated training.

The Llama architecture of the Llama example (RMSNorm, rotary "rotate half" positions, grouped key/value heads, causal
attention, SwiGLU MLP, tied or untied head as config.json says), shaped by the checkpoint's config.json and loaded
from its safetensors files: every rank builds the model on the meta device, materializes it with ``to_empty`` and
copies its tensors from the memory-mapped files (DDP then checks that every rank holds the same). Each rank trains on
its share of the same fixed batch the example uses (rank r takes sequences r, r + N, ...): AdamW, the gradients
clipped by their global norm (``clip_grad_norm_``), gloo all-reduces in DDP's 25 MiB buckets, overlapped with
backward. Prints one JSON line per rank with the fields the example's ``--json`` prints for training.

Run under ``mpirun`` (rank and size come from Open MPI's variables) or alone (one rank). Needs Debian's
python3-torch (PyTorch 1.13); no safetensors package is used: the header is read here.
"""
import argparse
import json
import math
import mmap
import os
import time
import warnings

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from load_broadcast import DTYPES, checkpoint_files, read_header, status_bytes

# The example's training constants (examples/ModelGen.Examples.Common/Running/ExampleTraining.cs).
LEARNING_RATE = 1e-4
MAX_GRAD_NORM = 1.0
BATCH_SEED = 20240601


class RMSNorm(nn.Module):
    def __init__(self, size, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.empty(size, device="meta"))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate(x, cos, sin):
    half = x.shape[-1] // 2
    return x * cos + torch.cat([-x[..., half:], x[..., :half]], dim=-1) * sin


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.heads, self.kv_heads, self.head_dim = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
        hidden, bias = c["hidden_size"], c.get("attention_bias", False)
        self.q_proj = nn.Linear(hidden, self.heads * self.head_dim, bias=bias, device="meta")
        self.k_proj = nn.Linear(hidden, self.kv_heads * self.head_dim, bias=bias, device="meta")
        self.v_proj = nn.Linear(hidden, self.kv_heads * self.head_dim, bias=bias, device="meta")
        self.o_proj = nn.Linear(self.heads * self.head_dim, hidden, bias=bias, device="meta")

    def forward(self, x, cos, sin, mask):
        b, n, _ = x.shape
        q = rotate(self.q_proj(x).view(b, n, self.heads, self.head_dim).transpose(1, 2), cos, sin)
        k = rotate(self.k_proj(x).view(b, n, self.kv_heads, self.head_dim).transpose(1, 2), cos, sin)
        v = self.v_proj(x).view(b, n, self.kv_heads, self.head_dim).transpose(1, 2)
        groups = self.heads // self.kv_heads
        if groups > 1:
            k, v = k.repeat_interleave(groups, dim=1), v.repeat_interleave(groups, dim=1)
        # PyTorch 1.13 has no scaled_dot_product_attention: the same softmax(q k^T / sqrt(d) + causal mask) v by hand.
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(self.head_dim)
        attended = F.softmax(scores.masked_fill(mask, float("-inf")), dim=-1) @ v
        return self.o_proj(attended.transpose(1, 2).reshape(b, n, self.heads * self.head_dim))


class Mlp(nn.Module):
    def __init__(self, c):
        super().__init__()
        hidden, inner, bias = c["hidden_size"], c["intermediate_size"], c.get("mlp_bias", False)
        self.gate_proj = nn.Linear(hidden, inner, bias=bias, device="meta")
        self.up_proj = nn.Linear(hidden, inner, bias=bias, device="meta")
        self.down_proj = nn.Linear(inner, hidden, bias=bias, device="meta")

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self_attn = Attention(c)
        self.mlp = Mlp(c)
        self.input_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.post_attention_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])

    def forward(self, x, cos, sin, mask):
        h = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        return h + self.mlp(self.post_attention_layernorm(h))


class Body(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"], device="meta")
        self.layers = nn.ModuleList(DecoderLayer(c) for _ in range(c["num_hidden_layers"]))
        self.norm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.head_dim = c["head_dim"]
        self.theta = c.get("rope_theta", 10000.0)

    def forward(self, ids):
        x = self.embed_tokens(ids)
        n = ids.shape[1]
        inverse = 1.0 / torch.pow(self.theta, torch.arange(0, self.head_dim, 2, dtype=torch.float32) / self.head_dim)
        angles = torch.outer(torch.arange(n, dtype=torch.float32), inverse)
        angles = torch.cat([angles, angles], dim=-1)
        cos, sin = angles.cos().to(x.dtype), angles.sin().to(x.dtype)
        mask = torch.ones(n, n, dtype=torch.bool).triu(1)
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        return self.norm(x)


class CausalLM(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.model = Body(c)
        self.tied = c.get("tie_word_embeddings", False)
        if not self.tied:
            self.lm_head = nn.Linear(c["hidden_size"], c["vocab_size"], bias=False, device="meta")

    def forward(self, ids):
        hidden = self.model(ids)
        return F.linear(hidden, self.model.embed_tokens.weight) if self.tied else self.lm_head(hidden)


def read_config(folder):
    with open(os.path.join(folder, "config.json")) as handle:
        c = json.load(handle)
    c.setdefault("head_dim", c["hidden_size"] // c["num_attention_heads"])
    c.setdefault("num_key_value_heads", c["num_attention_heads"])
    c.setdefault("rms_norm_eps", 1e-6)
    if c.get("hidden_act", "silu") != "silu" or c.get("rope_scaling") or c.get("sliding_window"):
        raise SystemExit(f"{folder}/config.json: only plain Llama configs (silu, no rope scaling, no sliding window) are supported here")
    return c


def load(model, folder, dtype):
    """Every tensor copied from the memory-mapped files into the materialized model, converted to dtype."""
    model.to_empty(device="cpu")
    parameters = dict(model.named_parameters())
    entries = [e for f in checkpoint_files(folder) for e in read_header(f)]
    maps = {}
    # The map is read-only and only read from: PyTorch's warning about non-writable buffers does not apply.
    warnings.filterwarnings("ignore", message="The given buffer is not writable")
    with torch.no_grad():
        for name, file_dtype, shape, file, offset, nbytes in entries:
            if name not in parameters:
                raise SystemExit(f"{file}: key '{name}' is not a parameter of the model")
            if file not in maps:
                with open(file, "rb") as handle:
                    maps[file] = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            source = torch.frombuffer(maps[file], dtype=DTYPES[file_dtype], count=nbytes // torch.empty(0, dtype=DTYPES[file_dtype]).element_size(), offset=offset)
            parameters.pop(name).copy_(source.view(shape).to(dtype))
    if parameters:
        raise SystemExit(f"{folder}: no tensor for {sorted(parameters)}")
    for handle in maps.values():
        handle.close()


def rank_batch(sequences, length, vocab, rank, size):
    """The example's batch: a fixed seed's random ids, rank r takes rows r, r + N, ..."""
    if sequences % size:
        raise SystemExit(f"--train-sequences {sequences} cannot be split evenly over {size} ranks")
    generator = torch.Generator().manual_seed(BATCH_SEED)
    ids = torch.randint(0, vocab, (sequences, length), dtype=torch.int64, generator=generator)
    return ids[rank::size].contiguous()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--port", default=os.environ.get("MASTER_PORT", "29611"))
    parser.add_argument("--train-steps", type=int, default=4)
    parser.add_argument("--train-sequences", type=int, default=3)
    parser.add_argument("--train-length", type=int, default=128)
    parser.add_argument("--threads", type=int, default=0, help="torch compute threads per rank (0: torch's choice)")
    parser.add_argument("--dtype", default="f32", choices=["f32", "bf16"])
    args = parser.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)

    rank = int(os.environ.get("OMPI_COMM_WORLD_RANK", os.environ.get("RANK", "0")))
    size = int(os.environ.get("OMPI_COMM_WORLD_SIZE", os.environ.get("WORLD_SIZE", "1")))
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{args.port}", rank=rank, world_size=size)
    torch.manual_seed(0)
    dtype = torch.float32 if args.dtype == "f32" else torch.bfloat16

    config = read_config(args.checkpoint)
    model = CausalLM(config)
    load(model, args.checkpoint, dtype)
    param_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    ddp = DistributedDataParallel(model)
    ids = rank_batch(args.train_sequences, args.train_length, config["vocab_size"], rank, size)
    # TorchSharp's AdamW, which the example uses, defaults to no weight decay; PyTorch's to 0.01.
    optimizer = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=0.0)
    dist.barrier()

    rss_before = status_bytes("VmRSS:")
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # VmHWM from here: training's own peak, as the example measures it
    start = time.perf_counter()
    losses, step_seconds = [], []
    for _ in range(args.train_steps):
        step_start = time.perf_counter()
        optimizer.zero_grad()
        logits = ddp(ids)
        loss = F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]).float(), ids[:, 1:].reshape(-1))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), MAX_GRAD_NORM)
        optimizer.step()
        step_seconds.append(time.perf_counter() - step_start)
        mean = loss.detach().double().reshape(1)
        dist.all_reduce(mean)
        losses.append(mean.item() / size)
    seconds = time.perf_counter() - start
    peak = status_bytes("VmHWM:")
    print(json.dumps({
        "scenario": "pytorch-ddp", "rank": rank, "ranks": size, "placement": "Replicated", "dtype": str(dtype).replace("torch.", ""),
        "threads": torch.get_num_threads(), "param_bytes": param_bytes, "model_bytes": param_bytes,
        "train_losses": losses, "train_seconds": seconds, "train_step_seconds": step_seconds,
        "train_rss_before_bytes": rss_before, "train_peak_rss_bytes": peak,
        # DDP all-reduces every gradient once per step (its buckets); not counted inside gloo, so the arithmetic.
        "train_step_allreduce_bytes": param_bytes, "train_step_allgather_bytes": 0, "train_step_reducescatter_bytes": 0,
        "train_step_least_sent_bytes": 2.0 * param_bytes * (size - 1) / size,
    }), flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
