import ArgumentParser
import Foundation
import Shared

/// `bfpo-worker generate` (docs/evaluation.md): completions of prompts rendered with the chat template
/// exactly as training renders a pair's prompt, decoded incrementally with a key/value cache; one JSON
/// object per prompt on standard output, `{"prompt", "completion", "completion_ids", "stop"}`.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate completions of prompts with a model, one JSON object per prompt.",
        discussion: """
            Each prompt (--prompt, or the distinct prompts of --data in file order) is rendered with the chat \
            template and the model directory's tokenizer, and completed until the tokenizer's eos, --max-new-tokens \
            or the model's n_positions. Writes {"prompt", "completion", "completion_ids", "stop"} per prompt as JSON \
            lines; "stop" is eos, length or context, and the eos token itself is not part of the completion. \
            Greedy unless --temperature is above 0; prompt i of a run samples from the stream seeded with --seed + i.
            """
    )

    @Option(help: "Model directory (config.json, model.safetensors and its tokenizer).")
    var model: String

    @Option(help: "One prompt: the user's message.")
    var prompt: String?

    @Option(help: "A dataset in any supported schema whose distinct prompts to complete, in file order.")
    var data: String?

    @Option(help: "Schema of --data (default: detected from the fields).")
    var format: DatasetFormat?

    @Flag(name: .customLong("skip-invalid"), help: "Skip malformed rows of --data instead of failing on the first.")
    var skipInvalid = false

    @Option(name: .customLong("max-new-tokens"), help: "The most tokens to generate per prompt.")
    var maxNewTokens = 128

    @Option(help: "Softmax temperature; 0 is greedy decoding.")
    var temperature = 0.0

    @Option(name: .customLong("top-p"), help: "Nucleus mass in (0, 1]: sample only from the most probable tokens that sum to it.")
    var topP = 1.0

    @Option(help: "Seed of the sampling stream.")
    var seed: UInt64 = 0

    @Option(help: "Compute threads for the model; 1 suits generation, which computes one position at a time.")
    var threads = 1

    @Option(name: .customLong("blas-core"), help: ArgumentHelp(BLASCoreMode.help))
    var blasCore: BLASCoreMode = .auto

    func validate() throws {
        guard (prompt == nil) != (data == nil) else { throw ValidationError("give exactly one of --prompt and --data") }
        guard maxNewTokens >= 1 else { throw ValidationError("--max-new-tokens must be at least 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard temperature.isFinite, temperature >= 0 else { throw ValidationError("--temperature must be a finite number ≥ 0") }
        guard topP > 0, topP <= 1 else { throw ValidationError("--top-p must lie in (0, 1]") }
    }

    /// A prompt to complete: its text as the report shows it, its ids, and where it came from.
    struct Prompt {
        let text: String
        let ids: [Int]
        let source: String
    }

    func run() throws {
        try BLASCoreSetup.establish(mode: blasCore, log: Logger(component: "blas"))
        let log = Logger(component: "generate")
        let resolved = try ModelReference(resolving: model)
        if let note = resolved.note { log.info(note) }
        let model = resolved.directory
        let (config, parameters) = try ModelDirectory.load(directory: model)
        let tokenizer: PairTokenizer
        do {
            tokenizer = try PairTokenizer.load(path: model).tokenizer
        } catch TokenizerError.noTokenizerFiles(let directory) {
            throw DatasetInput.Failure.noTokenizer(data: prompt == nil ? data! : "--prompt", searched: directory)
        }
        let prompts = try self.prompts(tokenizer: tokenizer, log: log)
        for prompt in prompts where prompt.ids.count >= config.positions {
            throw GenerateFailure.promptTooLong(source: prompt.source, reason: DecoderError.promptTooLong(tokens: prompt.ids.count, positions: config.positions))
        }
        let generator = try Generator(config: config, parameters: parameters, threads: threads)
        let settings = GenerationSettings(maxNewTokens: maxNewTokens, temperature: temperature, topP: topP, seed: seed)
        var progress = ProgressLine(total: prompts.count, unit: "prompts", log: log)
        for (i, prompt) in prompts.enumerated() {
            var sampler = try settings.sampler(prompt: i, vocabulary: config.vocabulary)
            let generation = try generator.generate(prompt: prompt.ids, eos: tokenizer.eosID, maxNewTokens: maxNewTokens, sampler: &sampler)
            FileHandle.standardOutput.write(try CompletionLine.encode(prompt: prompt.text, generation: generation, tokenizer: tokenizer))
            progress.advance(to: i + 1)
        }
    }

    /// `--prompt` as a one-turn conversation, or the distinct prompt conversations of `--data` in file order.
    private func prompts(tokenizer: PairTokenizer, log: Logger) throws -> [Prompt] {
        if let prompt {
            return [Prompt(text: prompt, ids: tokenizer.promptIDs([.user(prompt)]), source: "--prompt")]
        }
        let file = try DatasetFile.load(path: data!, format: format, skipInvalid: skipInvalid)
        if let skipped = file.skipSummary { log.warning(skipped) }
        var seen: Set<[Int]> = []
        var prompts: [Prompt] = []
        for row in file.rows {
            let prompt: Prompt
            switch row {
            case .text(let text):
                prompt = Prompt(text: text.prompt.last?.content ?? "", ids: tokenizer.promptIDs(text.prompt), source: text.source.description)
            case .tokenized(let pair):
                let ids = Array(pair.chosenIDs[..<(pair.chosenMask.firstIndex(of: true) ?? pair.chosenIDs.count)])
                prompt = Prompt(text: tokenizer.tokenizer.decode(ids), ids: ids, source: pair.source.description)
            }
            if seen.insert(prompt.ids).inserted { prompts.append(prompt) }
        }
        log.info("\(prompts.count) distinct prompts in \(file.rows.count) rows of \(data!)")
        return prompts
    }
}

/// Why `generate` (or `eval --generate`) refused a prompt, naming the prompt's origin.
enum GenerateFailure: Error, CustomStringConvertible {
    case promptTooLong(source: String, reason: DecoderError)

    var description: String {
        switch self {
        case .promptTooLong(let source, let reason): return "\(source): \(reason)"
        }
    }
}
