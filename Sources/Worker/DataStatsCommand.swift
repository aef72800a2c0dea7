import ArgumentParser
import Foundation
import Shared

/// `bfpo-worker data-stats`: what a dataset file holds once read and tokenized as training would read
/// it — pairs, (S_c, S_r) label counts, token-length percentiles, truncated, dropped and skipped rows.
struct DataStatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data-stats",
        abstract: "Summarize a preference dataset: pairs, safety labels, token lengths, truncation.",
        discussion: """
            Reads --data in any supported schema (text is tokenized with --tokenizer, default --model, and the \
            chat template) and prints the summary on standard output, as lines or, with --json, one JSON object. \
            Percentiles are nearest-rank over the pairs before truncation; response lengths pool chosen and rejected.
            """
    )

    @Option(help: "The dataset: JSONL or a JSON array, tokenized or any supported text schema.")
    var data: String

    @Option(help: "Schema of --data (default: detected from the fields).")
    var format: DatasetFormat?

    @Option(help: "Model directory whose tokenizer and eos token tokenize text schemas.")
    var model: String?

    @Option(help: "Tokenizer to use instead of --model's: a tokenizer.json or a directory (default: --model).")
    var tokenizer: String?

    @Option(name: .customLong("max-length"), help: "Count pairs truncated and dropped at this many tokens per sequence (default: no truncation).")
    var maxLength: Int?

    @Option(name: .customLong("max-prompt-length"), help: "Prompt tokens kept when truncating (default: half of --max-length).")
    var maxPromptLength: Int?

    @Flag(name: .customLong("skip-invalid"), help: "Skip malformed rows, reporting how many and why, instead of failing on the first.")
    var skipInvalid = false

    @Flag(help: "Print one JSON object instead of lines.")
    var json = false

    func validate() throws {
        if maxPromptLength != nil, maxLength == nil { throw ValidationError("--max-prompt-length needs --max-length") }
    }

    func run() throws {
        let log = Logger(component: "data-stats")
        var truncation: Truncation?
        if let maxLength {
            truncation = Truncation(maxLength: maxLength, maxPromptLength: maxPromptLength ?? maxLength / 2)
            try truncation?.validate()
        }
        let (pairs, file) = try DatasetInput.pairs(
            path: data, format: format, skipInvalid: skipInvalid, tokenizerPath: tokenizer ?? model, log: log)
        let summary = try DatasetSummary(pairs: pairs, truncation: truncation, skipped: file.skipped.count)
        var output: Data
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            output = try encoder.encode(summary)
            output.append(UInt8(ascii: "\n"))
        } else {
            let header = "\(data) (\(file.format?.rawValue ?? "no rows"), \(file.totalRows) rows)"
            output = Data(([header] + summary.lines.map { "  " + $0 }).joined(separator: "\n").utf8 + [UInt8(ascii: "\n")])
        }
        FileHandle.standardOutput.write(output)
    }
}
