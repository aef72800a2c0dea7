#!/usr/bin/env python3
"""PyTorch reference for `make bench`: times one BFPO training step with Hugging Face GPT2LMHeadModel.

The step is the one the reference BFPO trainer (alignment-handbook / TRL DPO-style) runs, with reference
log-probs precomputed once under no_grad:

    one concatenated forward of [chosen_0 .. chosen_{P-1}, rejected_0 .. rejected_{P-1}]  (2P sequences,
    equal length, no padding) -> logits -> log_softmax -> gather the labels shifted by one, times the
    loss mask -> sum per sequence -> BFPO loss -> backward.

    z      = (logp_c - logp_r) - (ref_c - ref_r)
    target = (b1*b3*S_c - b3*S_r - alpha) / beta,  b3 = 1/(b1 - 1)        (b1 = 3, alpha = 0.5, beta = 0.01)
    loss   = mean over pairs of (z - target)^2

Step data (identical to bfpo-bench's StepData.swift, checked through `data_checksum`): a
xoshiro256** stream seeded by SplitMix64 from --seed; for each pair in order it draws `tokens // 2`
prompt ids (128 at 256 tokens), then the chosen response ids, then the rejected response ids
(`tokens - tokens // 2` each, 128 at 256 tokens), every id `next() % vocab`. Chosen and rejected share the prompt; the mask is 0 on the prompt and
1 on the response. Pair i has chosen safe / rejected unsafe when i is even, the reverse when odd, so the
BFPO targets alternate between +100 and -100.

Prints one JSON line with tokens/s (all tokens of both sequences of every pair, prompt included) from the
median time of the timed steps.
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time

MASK64 = (1 << 64) - 1


class Xoshiro256StarStar:
    """xoshiro256** (Blackman and Vigna) with its state filled by SplitMix64, as RandomGenerator.swift."""

    def __init__(self, seed):
        self._split = seed & MASK64
        self.s = [self._split_mix() for _ in range(4)]

    def _split_mix(self):
        self._split = (self._split + 0x9E3779B97F4A7C15) & MASK64
        z = self._split
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    @staticmethod
    def _rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & MASK64

    def next(self):
        s0, s1, s2, s3 = self.s
        result = (self._rotl((s1 * 5) & MASK64, 7) * 9) & MASK64
        t = (s1 << 17) & MASK64
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = self._rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return result


def step_data(pairs, tokens, vocab, seed):
    """(chosen ids, rejected ids, mask, chosen safe, rejected safe) as lists, and the data checksum."""
    rng = Xoshiro256StarStar(seed)
    prompt_len = tokens // 2
    response_len = tokens - prompt_len
    chosen, rejected = [], []
    for _ in range(pairs):
        prompt = [rng.next() % vocab for _ in range(prompt_len)]
        chosen.append(prompt + [rng.next() % vocab for _ in range(response_len)])
        rejected.append(prompt + [rng.next() % vocab for _ in range(response_len)])
    mask = [0] * prompt_len + [1] * response_len
    chosen_safe = [i % 2 == 0 for i in range(pairs)]
    rejected_safe = [i % 2 == 1 for i in range(pairs)]
    checksum = 0
    for c, r in zip(chosen, rejected):
        for token in c + r:
            checksum = (checksum * 31 + token) % (1 << 32)
    return chosen, rejected, mask, chosen_safe, rejected_safe, checksum


def machine_busy_seconds():
    """CPU seconds the whole machine spent busy (user, nice, system, irq, softirq, steal), or None."""
    try:
        with open("/proc/stat") as f:
            ticks = [float(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return (ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7]) / os.sysconf("SC_CLK_TCK")


def process_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--layers", type=int, required=True)
    parser.add_argument("--heads", type=int, required=True)
    parser.add_argument("--embd", type=int, required=True)
    parser.add_argument("--vocab", type=int, required=True)
    parser.add_argument("--tokens", type=int, required=True, help="tokens per sequence")
    parser.add_argument("--pairs", type=int, required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--steps", type=int, default=3, help="timed steps (default 3)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed steps first (default 1)")
    parser.add_argument("--seed", type=int, default=1234, help="step data seed (default 1234)")
    parser.add_argument("--config-name", default="", help="label copied into the JSON line")
    parser.add_argument("--profile", action="store_true",
                        help="also run the timed steps once more under torch.profiler and print the "
                             "operators by self CPU time to stderr")
    args = parser.parse_args()

    import torch
    import transformers
    from transformers import GPT2Config, GPT2LMHeadModel

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    config = GPT2Config(
        n_layer=args.layers, n_head=args.heads, n_embd=args.embd, vocab_size=args.vocab,
        n_positions=max(1024, args.tokens), activation_function="gelu_new",
        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
        bos_token_id=args.vocab - 1, eos_token_id=args.vocab - 1)
    model = GPT2LMHeadModel(config).float()
    model.train()

    chosen, rejected, mask, chosen_safe, rejected_safe, checksum = step_data(
        args.pairs, args.tokens, args.vocab, args.seed)
    input_ids = torch.tensor(chosen + rejected, dtype=torch.long)          # (2P, T)
    loss_mask = torch.tensor([mask] * (2 * args.pairs), dtype=torch.float32)  # (2P, T)
    s_c = torch.tensor(chosen_safe, dtype=torch.float64)
    s_r = torch.tensor(rejected_safe, dtype=torch.float64)
    b1, alpha, beta = 3.0, 0.5, 0.01
    b3 = 1.0 / (b1 - 1.0)
    target = ((b1 * b3 * s_c - b3 * s_r - alpha) / beta).float()

    def sequence_logps():
        logits = model(input_ids=input_ids).logits                          # (2P, T, V)
        logits = logits[:, :-1, :]
        labels = input_ids[:, 1:]
        per_token = torch.gather(logits.log_softmax(-1), dim=2, index=labels.unsqueeze(2)).squeeze(2)
        sums = (per_token * loss_mask[:, 1:]).sum(-1)
        return sums[: args.pairs], sums[args.pairs:]

    with torch.no_grad():
        ref_chosen, ref_rejected = sequence_logps()

    def step():
        model.zero_grad(set_to_none=True)
        policy_chosen, policy_rejected = sequence_logps()
        z = (policy_chosen - policy_rejected) - (ref_chosen - ref_rejected)
        loss = ((z - target) ** 2).mean()
        loss.backward()
        return loss.item()

    for _ in range(args.warmup):
        step()
    # Each step is timed on its own; the median resists the odd slow step a shared VM produces.
    busy_before, own_before, wall_before = machine_busy_seconds(), process_cpu_seconds(), time.perf_counter()
    times = []
    for _ in range(args.steps):
        start = time.perf_counter()
        loss = step()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    busy_after = machine_busy_seconds()
    other_load = None
    if busy_before is not None and busy_after is not None:
        own = process_cpu_seconds() - own_before
        other_load = max(0.0, (busy_after - busy_before - own) / (time.perf_counter() - wall_before))

    if args.profile:
        from torch.profiler import ProfilerActivity, profile
        with profile(activities=[ProfilerActivity.CPU]) as profiler:
            for _ in range(args.steps):
                step()
        print(profiler.key_averages().table(sort_by="self_cpu_time_total", row_limit=30), file=sys.stderr)

    tokens = 2 * args.pairs * args.tokens
    print(json.dumps({
        "impl": "pytorch",
        "config": args.config_name,
        "layers": args.layers, "heads": args.heads, "embd": args.embd, "vocab": args.vocab,
        "tokens": args.tokens, "pairs": args.pairs, "threads": args.threads, "steps": args.steps,
        "seconds_per_step": median,
        "seconds_per_step_mean": sum(times) / len(times),
        "tokens_per_second": tokens / median,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "loss": loss,
        "data_checksum": checksum,
        "other_load_cpus": other_load,
        "attn_implementation": model.config._attn_implementation,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "torch_threads": torch.get_num_threads(),
    }))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
