import ArgumentParser
import Foundation
import Shared

/// `bfpo-worker init`: writes a freshly initialized GPT-2 model directory, for tests, benchmarks and
/// training from scratch. The result is a model directory like any other (docs/contracts.md).
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a randomly initialized GPT-2 model directory (config.json, generation_config.json, model.safetensors)."
    )

    @Option(help: "Number of transformer blocks (n_layer).")
    var layers = 4

    @Option(help: "Attention heads per block (n_head); must divide --embd.")
    var heads = 4

    @Option(help: "Embedding width in channels (n_embd).")
    var embd = 256

    @Option(help: "Vocabulary size in tokens (vocab_size).")
    var vocab = 512

    @Option(help: "Maximum sequence length in tokens (n_positions).")
    var positions = 256

    @Option(help: "Seed of the initialization; the same seed gives bit-identical parameters.")
    var seed: UInt64 = 0

    @Option(name: .customLong("eos-token-id"), help: "End-of-sequence token id written to config.json (default: omitted).")
    var eosTokenID: Int?

    @Option(name: .customLong("bos-token-id"), help: "Beginning-of-sequence token id written to config.json (default: omitted).")
    var bosTokenID: Int?

    @Option(help: "Directory to write; created if missing.")
    var out: String

    @Flag(help: "Write into a non-empty directory, replacing its config.json, generation_config.json and model.safetensors.")
    var force = false

    /// Why `init` refused to run.
    enum Failure: Error, CustomStringConvertible {
        case directoryNotEmpty(String)

        var description: String {
            switch self {
            case .directoryNotEmpty(let path):
                return "\(path) is not empty; pass --force to write into it anyway"
            }
        }
    }

    func run() throws {
        let config = GPT2Config(
            layers: layers, heads: heads, embedding: embd, positions: positions, vocabulary: vocab,
            bosTokenID: bosTokenID, eosTokenID: eosTokenID)
        try config.validate()
        if !force, let contents = try? FileManager.default.contentsOfDirectory(atPath: out), !contents.isEmpty {
            throw Failure.directoryNotEmpty(out)
        }
        let parameters = ModelInitializer.parameters(for: config, seed: seed)
        try ModelDirectory.save(config: config, parameters: parameters, to: out)
        FileHandle.standardError.write(Data(
            "wrote \(parameters.count) parameters (\(layers) layers, \(heads) heads, \(embd) wide, vocabulary \(vocab), \(positions) positions, seed \(seed)) to \(out)\n".utf8))
    }
}
