#!/usr/bin/env python3
"""Writes Tests/Fixtures/Models/transformers-gpt2-tiny with Hugging Face `transformers`: the files its
`save_pretrained` writes for a tiny GPT-2 with the `vocab-merges` tokenizer fixture and our chat
template, and what `apply_chat_template` gives for a few conversations (`expected.json`), so that the
Swift tests compare what we write and render with what `transformers` writes and renders, without Python.

Usage: scripts/make_model_fixture.py [--out DIR]   (needs transformers and jinja2, not torch;
rerunning rewrites everything)
"""
import argparse
import json
import os
import re

import transformers
from transformers import GenerationConfig, GPT2Config, GPT2Tokenizer

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DEFAULT_OUT = os.path.join(ROOT, "Tests", "Fixtures", "Models", "transformers-gpt2-tiny")
TOKENIZER = os.path.join(ROOT, "Tests", "Fixtures", "Tokenizers", "vocab-merges")
EOS = "<|endoftext|>"

CONVERSATIONS = [
    ([{"role": "user", "content": "Hello there"}], True),
    ([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Why?"}], True),
    ([{"role": "user", "content": "First"}, {"role": "assistant", "content": "Answer one"},
      {"role": "user", "content": "Second, with  two spaces\nand a line"}], True),
    ([{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}], False),
]


def chat_template():
    """ChatTemplate.jinja, as docs/contracts.md shows it (a test checks that the two agree)."""
    with open(os.path.join(ROOT, "docs", "contracts.md"), encoding="utf-8") as f:
        match = re.search(r"^  (\{% if not messages.*)$", f.read(), re.MULTILINE)
    return match.group(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=DEFAULT_OUT)
    out = parser.parse_args().out
    os.makedirs(out, exist_ok=True)

    tokenizer = GPT2Tokenizer(os.path.join(TOKENIZER, "vocab.json"), os.path.join(TOKENIZER, "merges.txt"),
                              pad_token=EOS, model_max_length=32, clean_up_tokenization_spaces=False)
    tokenizer.chat_template = chat_template()
    tokenizer.save_pretrained(out)
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=32, n_embd=8, n_layer=1, n_head=2,
                        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id)
    config.architectures = ["GPT2LMHeadModel"]
    config.save_pretrained(out)
    GenerationConfig(bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                     pad_token_id=tokenizer.pad_token_id, max_length=32, do_sample=False).save_pretrained(out)

    cases = []
    for messages, generation_prompt in CONVERSATIONS:
        text = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=generation_prompt)
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        cases.append({"messages": messages, "add_generation_prompt": generation_prompt, "text": text, "ids": ids})
    with open(os.path.join(out, "expected.json"), "w", encoding="utf-8") as f:
        # One case a line, so a change to a case reads as one line of diff.
        lines = ",\n  ".join(json.dumps(case, ensure_ascii=False) for case in cases)
        f.write(f'{{\n "transformers_version": {json.dumps(transformers.__version__)},\n "cases": [\n  {lines}\n ]\n}}\n')
    print(f"wrote {sorted(os.listdir(out))} to {out} with transformers {transformers.__version__}")


if __name__ == "__main__":
    main()
