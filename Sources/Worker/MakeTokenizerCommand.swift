import ArgumentParser
import Foundation
import Shared

/// `bfpo-worker make-tokenizer`: writes the byte tokenizer (`ByteTokenizer`) for models trained from
/// scratch, as a `tokenizer.json` that both this project and Hugging Face `tokenizers` load; with
/// `--train-on` its vocabulary first grows by BPE merges learned from the texts of datasets
/// (`BPETrainer`). Into a directory it also writes what `transformers` needs beside it
/// (`ModelDirectory.describeTokenizer`), so `init` then `make-tokenizer` give a complete model directory.
struct MakeTokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "make-tokenizer",
        abstract: "Write the byte tokenizer (ids 0-255 are bytes, then the chat template's special tokens) as tokenizer.json.",
        discussion: """
            With --train-on, BPE merges learned from the prompts and responses of the given datasets (any text schema) \
            follow as ids 260, 261, … up to --vocab-size, so that a model trained from scratch sees words rather than \
            bytes. Give `bfpo-worker init` a --vocab of at least the size printed.
            """
    )

    @Option(help: "Where to write: a file, or an existing directory to write tokenizer.json, tokenizer_config.json and special_tokens_map.json into (and generation_config.json when it holds config.json).")
    var out: String

    @Option(name: .customLong("train-on"), help: "A dataset whose prompts and responses to learn merges from (repeatable; JSONL or a JSON array in any text schema).")
    var trainOn: [String] = []

    @Option(help: "Schema of the --train-on files (default: detected from the fields).")
    var format: DatasetFormat?

    @Option(name: .customLong("vocab-size"), help: "With --train-on: the most ids, bytes and special tokens included, in 261...65536 (default: 1024).")
    var vocabSize: Int?

    @Option(name: .customLong("min-frequency"), help: "With --train-on: stop when no pair of tokens occurs this often (default: \(BPETrainer.defaultMinimumFrequency)).")
    var minFrequency: Int?

    func validate() throws {
        guard !trainOn.isEmpty else {
            if vocabSize != nil || minFrequency != nil { throw ValidationError("--vocab-size and --min-frequency need --train-on") }
            return
        }
        if let vocabSize, !(ByteTokenizer.baseVocabularySize + 1...BPETrainer.maximumVocabularySize).contains(vocabSize) {
            throw ValidationError("--vocab-size must be in \(ByteTokenizer.baseVocabularySize + 1)...\(BPETrainer.maximumVocabularySize), not \(vocabSize)")
        }
        if let minFrequency, minFrequency < 1 { throw ValidationError("--min-frequency must be at least 1, not \(minFrequency)") }
    }

    func run() throws {
        var isDirectory: ObjCBool = false
        var path = out
        if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory), isDirectory.boolValue {
            path = (out as NSString).appendingPathComponent(TokenizerFile.fileName)
        }
        let merges = try trainOn.isEmpty ? LearnedMerges.none : learnMerges()
        try ByteTokenizer.write(to: path, merges: merges)
        if isDirectory.boolValue {
            let hasConfig = FileManager.default.fileExists(atPath: (out as NSString).appendingPathComponent(ModelDirectory.configFileName))
            let config = hasConfig ? try ModelDirectory.loadConfig(directory: out) : nil
            try ModelDirectory.describeTokenizer(ByteTokenizer.roles, tokenizerClass: TokenizerFiles.fastTokenizerClass,
                                                 config: config, in: out)
        }
        let learned = merges.tokens.isEmpty ? "" : ", then \(merges.tokens.count) learned tokens"
        FileHandle.standardError.write(Data(
            ("wrote the byte tokenizer (\(ByteTokenizer.vocabularySize(merges: merges)) ids: 256 bytes, then "
                + "\(ByteTokenizer.specialTokens.joined(separator: " "))\(learned)) to \(path)\n").utf8))
    }

    /// The merges learned from every prompt message and response of the `--train-on` files.
    private func learnMerges() throws -> LearnedMerges {
        let log = Logger(component: "make-tokenizer")
        let start = Date()
        var texts: [String] = []
        for path in trainOn {
            let file = try DatasetFile.load(path: path, format: format)
            for row in file.rows {
                guard case .text(let pair) = row else {
                    throw ValidationError("\(path) holds tokenized pairs: merges are learned from text")
                }
                texts += pair.prompt.map(\.content) + [pair.chosen, pair.rejected]
            }
        }
        let (merges, pieces) = try BPETrainer.train(texts: texts, vocabularySize: vocabSize ?? 1024, minimumFrequency: minFrequency ?? BPETrainer.defaultMinimumFrequency)
        log.info("learned \(merges.rules.count) merges (\(merges.tokens.count) tokens) from \(texts.count) texts, "
                 + "\(pieces) distinct pieces, in \(String(format: "%.1f", Date().timeIntervalSince(start))) s")
        return merges
    }
}
