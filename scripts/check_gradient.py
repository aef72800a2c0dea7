#!/usr/bin/env python3
"""Independent check of `bfpo-worker gradient` against PyTorch autograd on Hugging Face's GPT-2.

For several random architectures this script writes policy and reference models with
`transformers.GPT2LMHeadModel.save_pretrained` (so the files are HF's own, not ours), writes random
tokenized pairs, runs `bfpo-worker gradient` for every objective, and recomputes the same loss with
HF's model in float64 autograd from the formulas of docs/objectives.md. It checks the loss to 1e-4 relative, every
per-pair log-prob, and every parameter tensor's gradient to 2e-3 relative in norm, printing the
worst error of each kind. Exit status 0 means every check passed.

Usage: scripts/check_gradient.py [--worker PATH] [--cases N]   (needs torch and transformers)
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

import torch
from safetensors.torch import load_file, save_file
from transformers import GPT2Config, GPT2LMHeadModel
from transformers.utils import logging as hf_logging

OBJECTIVES = ["bfpo", "dpo", "ipo", "sft"]
BETA, B1, ALPHA = 0.01, 3.0, 0.5


def random_model(config, seed, path):
    torch.manual_seed(seed)
    model = GPT2LMHeadModel(config)
    with torch.no_grad():
        # Larger than GPT-2's init so that attention and the MLP are far from linear.
        for name, p in model.named_parameters():
            if name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name.endswith("ln_f.weight"):
                p.copy_(1 + 0.2 * torch.randn_like(p))
            else:
                p.copy_(0.15 * torch.randn_like(p))
    model.save_pretrained(path, safe_serialization=True)
    return model


def rewrite_in_original_gpt2_naming(model, path):
    """Re-save as the original `gpt2` repository stores it: no `transformer.` prefix, the causal-mask
    buffers `h.N.attn.bias`, and an explicit (tied) `lm_head.weight`."""
    tensors = {name.removeprefix("transformer."): p.detach().float().contiguous() for name, p in model.named_parameters()}
    n = model.config.n_positions
    for layer in range(model.config.n_layer):
        tensors[f"h.{layer}.attn.bias"] = torch.tril(torch.ones(n, n)).view(1, 1, n, n)
    tensors["lm_head.weight"] = tensors["wte.weight"].clone()
    save_file(tensors, os.path.join(path, "model.safetensors"), metadata={"format": "pt"})


def random_pairs(rng, vocab, max_len, count):
    pairs = []
    for i in range(count):
        prompt = [rng.randrange(vocab) for _ in range(rng.randint(1, max_len // 3))]
        room = max_len - len(prompt)
        chosen = [rng.randrange(vocab) for _ in range(rng.randint(1, room))]
        rejected = [rng.randrange(vocab) for _ in range(rng.randint(1, room))]
        pairs.append({
            "chosen_ids": prompt + chosen, "chosen_mask": [0] * len(prompt) + [1] * len(chosen),
            "rejected_ids": prompt + rejected, "rejected_mask": [0] * len(prompt) + [1] * len(rejected),
            "is_chosen_safe": i % 2, "is_rejected_safe": (i // 2) % 2,
        })
    return pairs


def sequence_logp(model, ids, mask):
    """Σ_{t: mask[t]=1} log softmax(logits[t−1])[ids[t]] (docs/objectives.md, "Sequence log-probabilities")."""
    x = torch.tensor([ids])
    logits = model(input_ids=x).logits[0].double()
    logp = torch.log_softmax(logits[:-1], dim=-1).gather(1, x[0, 1:, None])[:, 0]
    return (logp * torch.tensor(mask[1:], dtype=torch.float64)).sum()


def pair_loss(objective, pc, pr, rc, rr, chosen_safe, rejected_safe, chosen_tokens):
    z = (pc - pr) - (rc - rr)
    if objective == "bfpo":
        b3 = 1 / (B1 - 1)
        target = (B1 * b3 * chosen_safe - b3 * rejected_safe - ALPHA) / BETA
        return (z - target) ** 2
    if objective == "dpo":
        return -torch.nn.functional.logsigmoid(BETA * z)
    if objective == "ipo":
        return (z - 1 / (2 * BETA)) ** 2
    return -pc / chosen_tokens


def check_case(worker, case, workdir):
    rng = random.Random(case)
    heads = rng.choice([1, 2, 4])
    vocab = rng.randint(20, 90)
    config = GPT2Config(
        n_layer=rng.randint(1, 3), n_head=heads, n_embd=heads * rng.choice([4, 8]),
        n_positions=rng.choice([24, 40, 150]),  # 150: sequences span several attention row blocks
        vocab_size=vocab, bos_token_id=vocab - 1, eos_token_id=vocab - 1, activation_function="gelu_new",
        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, layer_norm_epsilon=rng.choice([1e-5, 1e-6]))
    policy_dir, reference_dir = os.path.join(workdir, f"policy{case}"), os.path.join(workdir, f"reference{case}")
    policy = random_model(config, 1000 + case, policy_dir).double().eval()
    reference = random_model(config, 2000 + case, reference_dir).double().eval()
    original_naming = case % 2 == 1
    if original_naming:
        rewrite_in_original_gpt2_naming(policy, policy_dir)
    pairs = random_pairs(rng, config.vocab_size, config.n_positions, rng.randint(2, 5))
    data = os.path.join(workdir, f"pairs{case}.jsonl")
    with open(data, "w") as f:
        f.writelines(json.dumps(p) + "\n" for p in pairs)
    worst = {"loss": 0.0, "logp": 0.0, "grad": 0.0}
    for objective in OBJECTIVES:
        out = os.path.join(workdir, f"grad{case}-{objective}.safetensors")
        result = subprocess.run(
            [worker, "gradient", "--model", policy_dir, "--reference", reference_dir, "--data", data,
             "--objective", objective, "--batch-size", "2", "--out", out],
            check=True, capture_output=True, text=True)
        report = json.loads(result.stdout)
        ours = load_file(out)

        policy.zero_grad()
        losses = []
        for pair, row in zip(pairs, report["pairs"]):
            assert row["chosen_ids"] == pair["chosen_ids"] and row["rejected_mask"] == pair["rejected_mask"]
            pc = sequence_logp(policy, pair["chosen_ids"], pair["chosen_mask"])
            pr = sequence_logp(policy, pair["rejected_ids"], pair["rejected_mask"])
            with torch.no_grad():
                rc = sequence_logp(reference, pair["chosen_ids"], pair["chosen_mask"])
                rr = sequence_logp(reference, pair["rejected_ids"], pair["rejected_mask"])
            for name, mine, theirs in [("policy_chosen_logp", row["policy_chosen_logp"], pc),
                                       ("policy_rejected_logp", row["policy_rejected_logp"], pr),
                                       ("reference_chosen_logp", row["reference_chosen_logp"], rc),
                                       ("reference_rejected_logp", row["reference_rejected_logp"], rr)]:
                error = abs(mine - theirs.item()) / max(1.0, abs(theirs.item()))
                worst["logp"] = max(worst["logp"], error)
                assert error < 1e-4, f"case {case} {objective} {name}: {mine} vs {theirs.item()}"
            losses.append(pair_loss(objective, pc, pr, rc, rr, pair["is_chosen_safe"], pair["is_rejected_safe"],
                                    sum(pair["chosen_mask"])))
        loss = torch.stack(losses).mean()
        loss.backward()
        error = abs(report["loss"] - loss.item()) / max(1e-12, abs(loss.item()))
        worst["loss"] = max(worst["loss"], error)
        assert error < 1e-4, f"case {case} {objective}: loss {report['loss']} vs {loss.item()}"

        expected = {name.removeprefix("transformer.") if original_naming else name: p.grad
                    for name, p in policy.named_parameters()}
        assert set(ours) == set(expected), f"tensor names differ: {set(ours) ^ set(expected)}"
        for name, theirs in expected.items():
            mine = ours[name].double()
            assert mine.shape == theirs.shape, f"{name}: shape {tuple(mine.shape)} vs {tuple(theirs.shape)}"
            scale = theirs.norm().item()
            error = (mine - theirs).norm().item() / max(scale, 1e-12)
            if scale < 1e-9:
                error = (mine - theirs).norm().item()
            worst["grad"] = max(worst["grad"], error)
            assert error < 2e-3, f"case {case} {objective} {name}: relative gradient error {error:.2e}"
    naming = "original gpt2 naming" if original_naming else "save_pretrained naming"
    print(f"case {case} ({naming}): layers {config.n_layer} heads {config.n_head} embd {config.n_embd} vocab {config.vocab_size} "
          f"positions {config.n_positions} longest {max(len(p['chosen_ids']) for p in pairs)} "
          f"pairs {len(pairs)}: worst loss {worst['loss']:.1e}, logp {worst['logp']:.1e}, gradient {worst['grad']:.1e}")
    return worst


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker", default=".build/release/bfpo-worker", help="path to bfpo-worker")
    parser.add_argument("--cases", type=int, default=6, help="random architectures to check")
    args = parser.parse_args()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    worst = {"loss": 0.0, "logp": 0.0, "grad": 0.0}
    with tempfile.TemporaryDirectory() as workdir:
        for case in range(args.cases):
            for key, value in check_case(args.worker, case, workdir).items():
                worst[key] = max(worst[key], value)
    print(f"all {args.cases} cases x {len(OBJECTIVES)} objectives passed: worst relative loss error {worst['loss']:.1e} "
          f"(bound 1e-4), log-prob {worst['logp']:.1e} (1e-4), gradient norm {worst['grad']:.1e} (2e-3)")


if __name__ == "__main__":
    sys.exit(main())
