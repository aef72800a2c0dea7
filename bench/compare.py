#!/usr/bin/env python3
"""Runs the PyTorch reference (bench/reference_step.py) on every row bfpo-bench measured, one fresh
process per row, with the row's exact shapes, thread count and step count, then prints both side by
side with the Swift/PyTorch tokens/s ratio.

    python3 bench/compare.py --swift SWIFT.jsonl [--out PYTORCH.jsonl]

SWIFT.jsonl is what `bfpo-bench --json` wrote. Rows whose data checksums differ (the two step-data
generators disagree) are flagged: their ratio would not compare the same step.
"""
import argparse
import json
import os
import subprocess
import sys

# Average CPUs of other work during a row's timed steps above which its figures are not trusted.
BUSY = 0.2
# Swift tokens/s ÷ PyTorch tokens/s that each row should reach.
TARGET = 1.3


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--swift", required=True, help="JSON lines written by bfpo-bench --json")
    parser.add_argument("--out", help="write the PyTorch rows' JSON lines here")
    args = parser.parse_args()

    with open(args.swift) as f:
        lines = [json.loads(line) for line in f if line.strip()]
    rows = [line for line in lines if line.get("impl") == "swift"]
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reference_step.py")
    results = []
    for row in rows:
        command = [sys.executable, script, "--config-name", row["config"]] + [
            f"--{key}={row[key]}" for key in ("layers", "heads", "embd", "vocab", "tokens", "pairs", "threads", "steps")]
        print("running " + " ".join(command[1:]), file=sys.stderr, flush=True)
        done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))

    if args.out:
        with open(args.out, "w") as f:
            for result in results:
                f.write(json.dumps(result) + "\n")
    if results:
        first = results[0]
        print(f"\nPyTorch {first['torch']}, transformers {first['transformers']}, "
              f"attention implementation: {first['attn_implementation']}")
    print(f"{'config':10}  {'Swift BLAS core':15}  {'threads':>7}  {'Swift tok/s':>11}  {'PyTorch tok/s':>13}  {'ratio':>6}  "
          f"{'Swift RSS MiB':>13}  {'PyTorch RSS MiB':>15}  target >= {TARGET}x")
    ratios = []
    for row, ref in zip(rows, results):
        ratio = row["tokens_per_second"] / ref["tokens_per_second"]
        verdict = "met" if ratio >= TARGET else "BELOW"
        if row["data_checksum"] != ref["data_checksum"]:
            verdict = "DATA MISMATCH"
        loads = [x.get("other_load_cpus") for x in (row, ref)]
        if any(load is not None and load > BUSY for load in loads):
            verdict += f"  (machine busy: other load {loads[0] or 0:.2f} / {loads[1] or 0:.2f} CPUs; rerun)"
        # The OpenBLAS kernels the Swift row ran; rows from before bfpo-bench reported them have none.
        print(f"{row['config']:10}  {row.get('blas_core', 'unknown'):15}  {row['threads']:7d}  {row['tokens_per_second']:11.1f}  "
              f"{ref['tokens_per_second']:13.1f}  {ratio:5.2f}x  {row['peak_rss_mib']:13.0f}  "
              f"{ref['peak_rss_mib']:15.0f}  {verdict}")
        ratios.append({"impl": "ratio", "config": row["config"], "threads": row["threads"],
                       "swift_tokens_per_second": row["tokens_per_second"],
                       "pytorch_tokens_per_second": ref["tokens_per_second"], "ratio": ratio})
    print()
    for result in results + ratios:
        print(json.dumps(result))


if __name__ == "__main__":
    main()
