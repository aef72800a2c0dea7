import Shared

/// One benchmarked shape: a GPT-2 architecture and the batch of pairs one BFPO step runs.
///
/// These are the single source of truth for the shapes: the PyTorch reference is launched with the
/// shapes each Swift row reports (`bench/compare.py`), so both sides always time the same step.
struct BenchConfig: Sendable {
    var name: String
    var layers: Int
    var heads: Int
    var embedding: Int
    var vocabulary: Int
    /// Tokens per sequence (prompt and response); chosen and rejected have this length.
    var tokensPerSequence: Int
    var pairs: Int
    /// Timed steps when `--steps` is not given: enough for a few seconds of timing.
    var defaultSteps: Int

    /// The model's configuration; `n_positions` is at least 1024, as GPT-2's and the reference's.
    var model: GPT2Config {
        GPT2Config(layers: layers, heads: heads, embedding: embedding,
                   positions: max(1024, tokensPerSequence), vocabulary: vocabulary)
    }

    /// The two configurations BENCHMARKS.md reports: a small model and GPT-2 124M's shape.
    static let all: [BenchConfig] = [
        BenchConfig(name: "small", layers: 4, heads: 4, embedding: 256, vocabulary: 512,
                    tokensPerSequence: 256, pairs: 4, defaultSteps: 10),
        BenchConfig(name: "gpt2-124m", layers: 12, heads: 12, embedding: 768, vocabulary: 50257,
                    tokensPerSequence: 256, pairs: 2, defaultSteps: 3),
    ]

    static func named(_ name: String) -> BenchConfig? { all.first { $0.name == name } }
}
