#!/usr/bin/env python3
"""Loads checkpoints a run wrote (or any model directory of ours) with Hugging Face's
`GPT2LMHeadModel.from_pretrained`, weights included, and checks that they are whole and mean what we
compute with:

- `transformers` reports no missing, unexpected or mismatched tensor and no loading error, so every
  shard of the flat parameter vector (docs/parameter-servers.md) reached the file under its GPT-2 name;
- every tensor it loaded equals the file's bit for bit, and the file holds the model's parameter count;
- HF's model in float64 gives the sequence log-probs that `bfpo-worker gradient` computes from the same
  directory for random pairs, to 1e-4 relative (the bound of scripts/check_gradient.py).

Prints what it compared per directory and exits non-zero on any mismatch.

Usage: scripts/check_checkpoint.py [--worker PATH] [--pairs N] DIR...   (needs torch and transformers)
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

import torch
from safetensors.torch import load_file
from transformers import GPT2LMHeadModel
from transformers.utils import logging as hf_logging

from check_gradient import random_pairs, sequence_logp


def check_directory(worker, directory, pair_count, workdir):
    model, info = GPT2LMHeadModel.from_pretrained(directory, output_loading_info=True)
    for kind in ("missing_keys", "unexpected_keys", "mismatched_keys", "error_msgs"):
        assert not info.get(kind), f"{directory}: transformers reports {kind} {info[kind]}"
    # Either naming: save_pretrained's `transformer.` prefix or the original `gpt2` repository's none.
    stored = {name.removeprefix("transformer."): t for name, t in load_file(os.path.join(directory, "model.safetensors")).items()}
    loaded = {name.removeprefix("transformer."): p for name, p in model.state_dict().items()}
    for name, tensor in stored.items():
        assert name in loaded, f"{directory}: {name} is not a tensor of GPT2LMHeadModel"
        assert torch.equal(loaded[name].float(), tensor.float()), f"{directory}: {name} differs once loaded"
    parameters = sum(p.numel() for p in model.parameters())
    assert sum(t.numel() for t in stored.values()) == parameters, f"{directory}: the file does not hold {parameters} parameters"

    config = model.config
    pairs = random_pairs(random.Random(len(directory)), config.vocab_size, min(config.n_positions, 96), pair_count)
    data = os.path.join(workdir, "pairs.jsonl")
    with open(data, "w") as f:
        f.writelines(json.dumps(p) + "\n" for p in pairs)
    result = subprocess.run(
        [worker, "gradient", "--model", directory, "--reference", directory, "--data", data, "--objective", "bfpo",
         "--batch-size", "2", "--out", os.path.join(workdir, "gradient.safetensors")],
        check=True, capture_output=True, text=True)
    report = json.loads(result.stdout)
    model = model.double().eval()
    worst = 0.0
    with torch.no_grad():
        for pair, row in zip(pairs, report["pairs"]):
            for response in ("chosen", "rejected"):
                theirs = sequence_logp(model, pair[f"{response}_ids"], pair[f"{response}_mask"]).item()
                mine = row[f"policy_{response}_logp"]
                error = abs(mine - theirs) / max(1.0, abs(theirs))
                worst = max(worst, error)
                assert error < 1e-4, f"{directory}: {response} log-prob {mine} against transformers' {theirs}"
    print(f"{directory}: {len(stored)} tensors, {parameters} parameters, loaded whole and bit-equal; "
          f"log-probs of {len(pairs)} pairs equal transformers' to {worst:.1e} (bound 1e-4)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker", default=".build/release/bfpo-worker", help="path to bfpo-worker")
    parser.add_argument("--pairs", type=int, default=4, help="random pairs to score per directory")
    parser.add_argument("directories", nargs="+", metavar="DIR", help="checkpoints or model directories")
    args = parser.parse_args()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    with tempfile.TemporaryDirectory() as workdir:
        for directory in args.directories:
            check_directory(args.worker, directory, args.pairs, workdir)
    print(f"all {len(args.directories)} directories passed")


if __name__ == "__main__":
    sys.exit(main())
