#!/usr/bin/env python3
"""Checks model directories we write (checkpoints; `bfpo-worker init` + `make-tokenizer`) with Hugging Face
`transformers`, as a user of them would load them: `AutoTokenizer` has bos, eos, unk and pad tokens and the
model's `model_max_length`; `apply_chat_template` renders exactly our chat template (docs/contracts.md,
"Chat template") and tokenizes it to the ids `bfpo-worker tokenize` gives; `AutoConfig` and
`GenerationConfig` load, with eos and pad ids. It needs no torch, so it does not load the weights.

Prints what it compared per directory and exits non-zero on any mismatch.

Usage: scripts/check_model_directory.py --worker PATH DIR...   (needs transformers)
"""
import argparse
import json
import subprocess
import sys

from transformers import AutoConfig, AutoTokenizer, GenerationConfig

CONVERSATIONS = [
    [{"role": "user", "content": "Hello there"}],
    [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Why?  Two spaces.\n"}],
    [{"role": "user", "content": "First"}, {"role": "assistant", "content": "One"}, {"role": "user", "content": "Second"}],
]


def ours(messages, eos, generation_prompt):
    """The chat template as docs/contracts.md defines it."""
    text = "" if messages and messages[0]["role"] == "system" else f"<|system|>\n{eos}\n"
    text += "".join(f"<|{m['role']}|>\n{m['content']}{eos}\n" for m in messages)
    return text + ("<|assistant|>\n" if generation_prompt else "")


def worker_ids(worker, directory, text):
    result = subprocess.run([worker, "tokenize", "--tokenizer", directory], input=json.dumps(text) + "\n",
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def check(worker, directory):
    failures = []
    tokenizer = AutoTokenizer.from_pretrained(directory)
    config = AutoConfig.from_pretrained(directory)
    generation = GenerationConfig.from_pretrained(directory)
    eos = tokenizer.eos_token
    for name in ["bos_token", "eos_token", "unk_token", "pad_token"]:
        if getattr(tokenizer, name) is None:
            failures.append(f"{name} is not set")
    if tokenizer.model_max_length != config.n_positions:
        failures.append(f"model_max_length {tokenizer.model_max_length} is not n_positions {config.n_positions}")
    if generation.eos_token_id is None or generation.pad_token_id is None:
        failures.append("generation_config.json has no eos_token_id or pad_token_id")
    for messages in CONVERSATIONS:
        for generation_prompt in (True, False):
            text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=generation_prompt)
            if text != ours(messages, eos, generation_prompt):
                failures.append(f"apply_chat_template gives {text!r}")
            ids = tokenizer(text, add_special_tokens=False)["input_ids"]
            if ids != worker_ids(worker, directory, text):
                failures.append(f"ids of {text!r} differ from bfpo-worker tokenize's")
    print(f"{directory}: {type(tokenizer).__name__}, eos {eos!r}, {2 * len(CONVERSATIONS)} renders compared, "
          f"{len(failures)} failures")
    for failure in failures:
        print(f"  {failure}")
    return not failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", required=True, help="the bfpo-worker binary")
    parser.add_argument("directories", nargs="+")
    arguments = parser.parse_args()
    results = [check(arguments.worker, directory) for directory in arguments.directories]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
