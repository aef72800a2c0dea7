import ArgumentParser
import Foundation
import Shared

/// Reading `--data` for the worker's offline commands: any schema of `DatasetFormat`, text rows
/// tokenized with a model directory's tokenizer and the chat template, what was skipped logged.
enum DatasetInput {
    /// Why text rows could not be tokenized.
    enum Failure: Error, CustomStringConvertible {
        case noTokenizer(data: String, searched: String)

        var description: String {
            switch self {
            case .noTokenizer(let data, let searched):
                return "\(data) holds text pairs, which need a tokenizer, but \(searched) holds neither tokenizer.json nor vocab.json + merges.txt"
            }
        }
    }

    /// The pairs of `path` in file order, and the file they were read from.
    /// - Parameter tokenizerPath: where to load a tokenizer from if the rows are text (a model
    ///   directory, a directory with tokenizer files, or a `tokenizer.json`); nil refuses text rows.
    static func pairs(path: String, format: DatasetFormat?, skipInvalid: Bool, tokenizerPath: String?, log: Logger)
        throws -> (pairs: [TokenizedPair], file: DatasetFile)
    {
        let file = try DatasetFile.load(path: path, format: format, skipInvalid: skipInvalid)
        if let skipped = file.skipSummary { log.warning(skipped) }
        var tokenizer: PairTokenizer?
        if file.needsTokenizer {
            guard let tokenizerPath else { throw DatasetError.tokenizerRequired(file: path) }
            do {
                let (loaded, eos) = try PairTokenizer.load(path: tokenizerPath)
                tokenizer = loaded
                log.info("tokenizing \(file.rows.count) \(file.format?.rawValue ?? "") rows of \(path) with the tokenizer in "
                         + "\(tokenizerPath) and the chat template, eos \(eos.token) (id \(eos.id), from \(eos.origin))")
            } catch TokenizerError.noTokenizerFiles(let directory) {
                throw Failure.noTokenizer(data: path, searched: directory)
            }
        } else {
            log.info("read \(file.rows.count) tokenized pairs from \(path)")
        }
        return (try PairTokenizer.pairs(file.rows, tokenizer: tokenizer), file)
    }
}

extension DatasetFormat: ExpressibleByArgument {}
