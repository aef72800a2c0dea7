import Foundation

/// Finds and loads a tokenizer given on a command line: a `tokenizer.json`, or a directory holding
/// `tokenizer.json` or GPT-2's older pair `vocab.json` + `merges.txt`.
public enum TokenizerLoader {
    /// The special token GPT-2's vocabulary carries, recognised in text when loading vocab.json + merges.txt.
    public static let endOfText = "<|endoftext|>"

    /// Loads the tokenizer at `path` (file or directory, preferring `tokenizer.json`).
    /// - Throws: `TokenizerError` naming the file and what is wrong with it.
    public static func load(path: String) throws -> ByteLevelBPETokenizer {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw TokenizerError.unreadable(file: path, reason: "no such file or directory")
        }
        guard isDirectory.boolValue else { return try TokenizerFile.load(path: path) }
        let directory = path as NSString
        let json = directory.appendingPathComponent(TokenizerFile.fileName)
        if FileManager.default.fileExists(atPath: json) { return try TokenizerFile.load(path: json) }
        let vocabulary = directory.appendingPathComponent("vocab.json")
        let merges = directory.appendingPathComponent("merges.txt")
        guard FileManager.default.fileExists(atPath: vocabulary), FileManager.default.fileExists(atPath: merges) else {
            throw TokenizerError.noTokenizerFiles(directory: path)
        }
        return try load(vocabulary: vocabulary, merges: merges)
    }

    /// Loads GPT-2's `vocab.json` + `merges.txt` as `tokenizers` reads them for GPT-2: ByteLevel without
    /// prefix space, and `<|endoftext|>`, when in the vocabulary, recognised as a special token.
    public static func load(vocabulary vocabularyPath: String, merges mergesPath: String) throws -> ByteLevelBPETokenizer {
        let fields = TokenizerFile.Fields(file: vocabularyPath)
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: vocabularyPath)))
        } catch {
            throw TokenizerError.invalidJSON(file: vocabularyPath, reason: error.localizedDescription)
        }
        let vocabulary = try TokenizerFile.readVocabulary(object, fields, field: "vocab")
        let merges = try readMerges(path: mergesPath, vocabulary: vocabulary)
        let added = vocabulary[endOfText].map { [AddedToken(content: endOfText, id: $0, special: true)] } ?? []
        return try ByteLevelBPETokenizer(vocabulary: vocabulary, merges: merges, addedTokens: added, source: mergesPath)
    }

    /// Lines `left right`, after an optional `#version` line; errors give the line number.
    private static func readMerges(path: String, vocabulary: [String: Int]) throws -> [(String, String)] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw TokenizerError.unreadable(file: path, reason: error.localizedDescription)
        }
        // Split on scalars: as Characters, "\r\n" is one grapheme that never equals "\n".
        var lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        var merges: [(String, String)] = []
        merges.reserveCapacity(lines.count)
        for (index, rawLine) in lines.enumerated() {
            let line = String(Substring(rawLine.last == "\r" ? rawLine.dropLast() : rawLine))
            if line.hasPrefix("#version") { continue }
            let parts = line.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2 else {
                throw TokenizerError.invalidMerge(file: path, index: index + 1, reason: "expected two tokens separated by one space")
            }
            for part in parts where vocabulary[String(part)] == nil {
                throw TokenizerError.invalidMerge(file: path, index: index + 1, reason: "\"\(part)\" is not in the vocabulary")
            }
            merges.append((String(parts[0]), String(parts[1])))
        }
        return merges
    }
}
