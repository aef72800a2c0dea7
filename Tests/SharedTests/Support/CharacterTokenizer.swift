@testable import Shared

/// A test-only tokenizer whose ids can be read off the text: ASCII character c is id c.asciiValue, and
/// special token i (recognised anywhere in the text, longest first) is id 128 + i.
struct CharacterTokenizer: Tokenizer {
    let specials: [String]

    init(specials: [String] = ["<|endoftext|>"]) {
        self.specials = specials
    }

    var vocabularySize: Int { 128 + specials.count }

    func encode(_ text: String) -> [Int] {
        let byLength = specials.enumerated().sorted { $0.element.count > $1.element.count }
        var ids: [Int] = []
        var rest = Substring(text)
        outer: while let first = rest.unicodeScalars.first {
            for (index, special) in byLength where rest.hasPrefix(special) {
                ids.append(128 + index)
                rest = rest.dropFirst(special.count)
                continue outer
            }
            precondition(first.isASCII, "CharacterTokenizer reads ASCII only")
            ids.append(Int(first.value))
            rest = Substring(rest.unicodeScalars.dropFirst())
        }
        return ids
    }

    func decode(_ ids: [Int]) -> String {
        ids.map { $0 >= 128 ? specials[$0 - 128] : String(Unicode.Scalar(UInt8($0))) }.joined()
    }

    func id(ofToken token: String) -> Int? {
        if let index = specials.firstIndex(of: token) { return 128 + index }
        if token.unicodeScalars.count == 1, let scalar = token.unicodeScalars.first, scalar.isASCII { return Int(scalar.value) }
        return nil
    }

    /// The ids of plain ASCII text.
    static func ascii(_ text: String) -> [Int] { text.unicodeScalars.map { Int($0.value) } }
}
