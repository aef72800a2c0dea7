#!/usr/bin/env python3
"""Where the BFPO step's time goes, by layer type, from a `perf record --call-graph dwarf` profile.

Reads `perf script --inline -F ip,sym,srcline` output on standard input (see bench/profile.sh). Only
samples taken inside `GradientEngine.accumulateGradient` (the benchmarked step) are counted; setup,
parameter init and the reference log-probs are left out (but for the compute pool's helper threads,
whose stacks do not show which call they serve: their share of the one reference forward pass before
timing counts too). Each sample goes to the innermost layer
function on its stack (Linear, CausalAttention, LanguageModelHead, LayerNorm, GELU, Embedding;
forward or backward), Linear further split by which of the block's four products called it (read
from the GPT2.swift call line), and tagged by where the leaf is: OpenBLAS (sgemm), libm (tanhf, expf,
...) or the Swift code itself. Samples in OpenBLAS whose callers perf could not unwind (its AVX-512
kernels carry no unwind tables, so with them most sgemm samples end here) are counted on a line of their
own: then the layer shares describe the element-wise work, and the sgemm share is that line's.
"""
import collections
import os
import re
import sys

LAYERS = ("Linear", "CausalAttention", "LanguageModelHead", "LayerNorm", "GELU", "Embedding")
LINEAR_ROLE = (("qkvWeight", "qkv (c_attn)"), ("attnProjWeight", "attn proj (c_proj)"),
               ("fcProjWeight", "mlp proj (c_proj)"), ("fcWeight", "mlp fc (c_fc)"))


def samples(stream):
    """Yields each sample as a list of (symbol, srcline) from leaf to root."""
    frames = []
    pending = None
    for line in stream:
        line = line.rstrip("\n")
        if not line.strip():
            if pending:
                frames.append((pending, ""))
                pending = None
            if frames:
                yield frames
            frames = []
            continue
        if line.startswith("\t") or re.match(r"^\s+[0-9a-f]+ ", line):
            if pending:
                frames.append((pending, ""))
            parts = line.strip().split(None, 1)
            pending = parts[1] if len(parts) > 1 else "?"
        elif line.startswith("  ") and pending is not None:
            frames.append((pending, line.strip()))
            pending = None
    if pending:
        frames.append((pending, ""))
    if frames:
        yield frames


def source_line(srcline, sources, cache={}):
    """The text of `File.swift:N` and the line after it, from the Model sources."""
    match = re.match(r"(\w+\.swift):(\d+)", srcline)
    if not match:
        return ""
    name, number = match.group(1), int(match.group(2))
    if name not in cache:
        path = os.path.join(sources, name)
        cache[name] = open(path).read().split("\n") if os.path.exists(path) else []
    lines = cache[name]
    return " ".join(lines[number - 1:number + 1]) if 0 < number <= len(lines) else ""


def classify(frames, sources):
    leaf_symbol = frames[0][0]
    if "sgemm" in leaf_symbol or "openblas" in leaf_symbol.lower() or "blas_" in leaf_symbol:
        where = "sgemm"
    elif re.search(r"__(\w+f|exp\w*|log\w*|tanh\w*)$", leaf_symbol.split("@")[0]) or "@plt" in leaf_symbol:
        where = "libm"
    elif leaf_symbol.startswith("$s6Shared"):
        where = "swift"
    else:
        where = "other"
    for index, (symbol, srcline) in enumerate(frames):
        for layer in LAYERS:
            match = re.search(r"6Shared\d*%sO(\d+)(forward|backward)" % layer, symbol)
            if not match and re.match(r"%s\.swift:" % layer, srcline):
                # A frame inlined into its caller reports the callee's file; the symbol is the callee's.
                match = re.search(r"(forward|backward)", symbol)
            if match:
                direction = "backward" if "backward" in symbol else "forward"
                name = layer
                if layer == "Linear":
                    for caller_symbol, caller_line in frames[index + 1:]:
                        if caller_line.startswith("GPT2.swift"):
                            text = source_line(caller_line, sources)
                            name = next((f"Linear {role}" for key, role in LINEAR_ROLE if key in text), "Linear ?")
                            break
                return name, direction, where
    for symbol, srcline in frames:
        if srcline.startswith("GPT2.swift"):
            direction = "backward" if "backward" in symbol else "forward"
            return "GPT2 glue (residual adds, zeroing)", direction, where
        if "GradientEngine" in symbol or "PackedBatch" in symbol or "Objective" in symbol:
            return "engine (packing, objective)", "-", where
    return "other", "-", where


def main():
    sources = sys.argv[1] if len(sys.argv) > 1 else "Sources/Shared/Model"
    totals = collections.Counter()
    step = uncalled_sgemm = everything = 0
    for frames in samples(sys.stdin):
        everything += 1
        symbols = " ".join(symbol for symbol, _ in frames)
        # The compute pool's helper threads run the step's tasks with no engine frame above them.
        if ("GradientEngine" in symbols and "accumulate" in symbols) or "4Crew" in symbols and "serve" in symbols:
            step += 1
            totals[classify(frames, sources)] += 1
        elif "sgemm" in frames[0][0] and "Shared" not in symbols:
            uncalled_sgemm += 1
    if step == 0:
        sys.exit("no samples inside GradientEngine.accumulateGradient")
    by_layer = collections.Counter()
    for (name, direction, _), count in totals.items():
        by_layer[(name, direction)] += count
    print(f"{everything} samples, {step} in the step (the shares below), {uncalled_sgemm} in sgemm with no caller")
    print(f"{'layer':38} {'pass':9} {'share':>7}  {'sgemm':>6} {'libm':>6} {'swift':>6} {'other':>6}")
    for (name, direction), count in by_layer.most_common():
        parts = [100 * totals[(name, direction, w)] / step for w in ("sgemm", "libm", "swift", "other")]
        print(f"{name:38} {direction:9} {100 * count / step:6.1f}%  " + " ".join(f"{p:5.1f}%" for p in parts))
    for where in ("sgemm", "libm", "swift", "other"):
        share = sum(c for (_, _, w), c in totals.items() if w == where)
        print(f"  all layers, leaf in {where:6}: {100 * share / step:5.1f}%")


if __name__ == "__main__":
    main()
