#!/usr/bin/env python3
"""Writes the tokenizer test fixtures in Tests/Fixtures/Tokenizers with Hugging Face
`tokenizers`: small byte-level BPE tokenizers trained on generated multilingual text, and the ids
`tokenizers` gives for a set of texts (`expected.json`), so that the Swift tests need no Python.

Fixtures (each a directory the loader accepts):
  pairs/           tokenizer.json, merges written as [left, right] pairs (the current format), GPT-2
                   settings, the chat template's special tokens and added tokens with lstrip, rstrip,
                   single_word and normalized variations;
  strings/         tokenizer.json, merges written as "left right" strings (the older format),
                   add_prefix_space = true;
  vocab-merges/    GPT-2's older pair vocab.json + merges.txt, <|endoftext|> in the vocabulary;
  byte/            the byte tokenizer (ids 0-255 are bytes, specials from 256), built here as
                   ByteTokenizer.swift describes it.
expected.json holds, per fixture, texts with their ids and decoding, and GPT-2 pre-tokenizer splits.

Usage: scripts/make_tokenizer_fixtures.py [--out DIR]   (needs tokenizers; rerunning rewrites everything)
"""
import argparse
import json
import os
import random

from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors, trainers

import tokenizer_texts as texts

SPECIALS = ["<|endoftext|>", "<|system|>", "<|user|>", "<|assistant|>"]
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
DEFAULT_OUT = os.path.join(ROOT, "Tests", "Fixtures", "Tokenizers")

HANDWRITTEN = [
    "", " ", "  ", "a", " a", "  a", "   a", "a ", "a  ", "a   ", "Hello world", "Hello  world", "Hello   world",
    "Hello\tworld", "Hello\t\tworld", "Hello\nworld", "Hello\r\nworld", "Hello \r\n world", "line1\n\nline2\n",
    "trailing spaces   ", "\t leading", "\n\n\n", " \t\n\r\x0b\x0c", "\u00a0nbsp\u00a0\u00a0x", "a\u3000b\u2028c\u0085d",
    "don't", "it's we're they've I'm we'll he'd", "IT'S DON'T", "'S 'T 'RE", "''s", "' s", "x'sy", "'", "'''",
    "rock'n'roll o'clock y'all", "12345", "3.14159", "1,000,000", "abc123def", "٣٤٥ १२३ １２３ ²³ ½ Ⅻ",
    "!!!???...", "Hello, world! How are you?", "(a+b)*c = d / e", "def f(x):\n    return x**2\n",
    "for (int i = 0; i < n; ++i) {\n\tsum += a[i];\n}", "日本語のテキスト", "中文文本，标点。", "한국어 텍스트",
    "مرحبا بالعالم", "שלום עולם", "नमस्ते दुनिया", "ภาษาไทย", "Привет, мир", "Ελληνικά",
    "e\u0301 a\u0300\u0316 n\u0303", "👍 👍🏽 👩🏿‍💻 👨‍👩‍👧‍👦", "🏳️‍🌈🇫🇷🇯🇵 1️⃣ #️⃣ ❤️", "emoji😀in😂words",
    "\x00\x01\x1f\x7f", "\u200b\u200d\u2060\ufeff", "\ue000\U000f0000", "\u088f\u0c5c\U00010940\U00011de0",
    "a" * 300, "ab" * 200, "x" + "y" * 150 + " " + "z" * 130,
]


def trainer(vocab_size, specials):
    return trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=2, special_tokens=specials,
                               initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)


def byte_level_bpe(add_prefix_space):
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=add_prefix_space, use_regex=True)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    return tokenizer


def byte_tokenizer():
    """Mirrors ByteTokenizer.swift: BPE without merges over the 256 byte-level scalars, specials after."""
    alphabet = {}
    n = 0
    for b in range(256):
        printable = 0x21 <= b <= 0x7E or 0xA1 <= b <= 0xAC or 0xAE <= b <= 0xFF
        alphabet[chr(b) if printable else chr(256 + n)] = b
        n += 0 if printable else 1
    tokenizer = Tokenizer(models.BPE(vocab=alphabet, merges=[]))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
    tokenizer.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in SPECIALS])
    return tokenizer


def cases(tokenizer, rng, added, count):
    """Handwritten texts, each added token alone and in context, and `count` random texts, with their ids
    and `tokenizers`' decoding of those ids (the text itself, except where lstrip/rstrip tokens took
    whitespace)."""
    items = list(HANDWRITTEN)
    for token in added:
        items += [token, "x" + token + "y", " " + token + " ", "  " + token + "\t\n", token + token,
                  "Hello" + token + "world", "a " + token + ", b", token[:-1]]
    items += [texts.text(rng, added) for _ in range(count)]
    result = []
    for text in items:
        ids = tokenizer.encode(text).ids
        result.append({"text": text, "ids": ids, "decoded": tokenizer.decode(ids, skip_special_tokens=False)})
    return result


def save_strings_merges(tokenizer, path):
    """Writes tokenizer.json with merges as "left right" strings, the format before tokenizers 0.20."""
    data = json.loads(tokenizer.to_str())
    data["model"]["merges"] = [" ".join(pair) if isinstance(pair, list) else pair for pair in data["model"]["merges"]]
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
        f.write("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=DEFAULT_OUT)
    args = parser.parse_args()
    expected = {}

    # pairs/: GPT-2 settings, merges as pairs, added tokens of every kind.
    rng = random.Random(1001)
    pairs = byte_level_bpe(add_prefix_space=False)
    pairs.train_from_iterator(texts.corpus(rng, 3000), trainer(1000, SPECIALS))
    pairs.add_special_tokens([AddedToken("<mask>", lstrip=True, special=True, normalized=False)])
    pairs.add_tokens([
        AddedToken("<sep>", rstrip=True, normalized=False),
        AddedToken("<both>", lstrip=True, rstrip=True, single_word=True, normalized=False),
        AddedToken("foo", single_word=True, normalized=True),
        AddedToken("barbaz", normalized=False),
        AddedToken("<|user|>!", normalized=True),   # never matches: <|user|> is cut out first
        AddedToken("日本", normalized=True),
    ])
    # A word already in the vocabulary as it stands (no leading space): it keeps its vocabulary id.
    in_vocabulary = max(sorted(t for t in pairs.get_vocab() if t.isascii() and t.isalpha() and t.islower()), key=len)
    pairs.add_tokens([AddedToken(in_vocabulary, normalized=True)])
    os.makedirs(os.path.join(args.out, "pairs"), exist_ok=True)
    pairs.save(os.path.join(args.out, "pairs", "tokenizer.json"), pretty=True)
    added = [t.content for t in pairs.get_added_tokens_decoder().values()]
    expected["pairs"] = cases(pairs, rng, added, 60)

    # strings/: add_prefix_space, merges as "left right" strings.
    rng = random.Random(2002)
    strings = byte_level_bpe(add_prefix_space=True)
    strings.train_from_iterator(texts.corpus(rng, 2000), trainer(600, SPECIALS))
    strings.add_special_tokens([AddedToken("<mask>", lstrip=True, special=True, normalized=False)])
    os.makedirs(os.path.join(args.out, "strings"), exist_ok=True)
    save_strings_merges(strings, os.path.join(args.out, "strings", "tokenizer.json"))
    reloaded = Tokenizer.from_file(os.path.join(args.out, "strings", "tokenizer.json"))
    added = [t.content for t in reloaded.get_added_tokens_decoder().values()]
    expected["strings"] = cases(reloaded, rng, added, 40)

    # vocab-merges/: GPT-2's older files; <|endoftext|> is the only special token.
    rng = random.Random(3003)
    older = byte_level_bpe(add_prefix_space=False)
    older.train_from_iterator(texts.corpus(rng, 2000), trainer(800, ["<|endoftext|>"]))
    directory = os.path.join(args.out, "vocab-merges")
    os.makedirs(directory, exist_ok=True)
    older.model.save(directory)
    reference = Tokenizer(models.BPE.from_file(os.path.join(directory, "vocab.json"), os.path.join(directory, "merges.txt")))
    reference.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    reference.decoder = decoders.ByteLevel()
    reference.add_special_tokens([AddedToken("<|endoftext|>", special=True, normalized=False)])
    expected["vocab-merges"] = cases(reference, rng, ["<|endoftext|>"], 40)

    # byte/: the byte tokenizer.
    rng = random.Random(4004)
    byte = byte_tokenizer()
    os.makedirs(os.path.join(args.out, "byte"), exist_ok=True)
    byte.save(os.path.join(args.out, "byte", "tokenizer.json"), pretty=True)
    expected["byte"] = cases(byte, rng, SPECIALS, 20)

    # GPT-2 pre-tokenizer splits, as byte-level strings.
    rng = random.Random(5005)
    split = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    samples = HANDWRITTEN + [texts.text(rng) for _ in range(60)]
    expected["pretokenize"] = [{"text": t, "pieces": [p for p, _ in split.pre_tokenize_str(t)]} for t in samples]

    with open(os.path.join(args.out, "expected.json"), "w", encoding="utf-8") as f:
        json.dump(expected, f, ensure_ascii=True, separators=(",", ":"))
        f.write("\n")
    total = sum(len(v) for k, v in expected.items() if k != "pretokenize")
    print(f"wrote fixtures to {args.out}: {total} texts with ids, {len(expected['pretokenize'])} pre-tokenizer splits")


if __name__ == "__main__":
    main()
