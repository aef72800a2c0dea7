/// Unicode character classes exactly as the regular expressions inside Hugging Face `tokenizers`
/// see them, over UTF-8 text.
///
/// - GPT-2's pre-tokenization regex runs on Oniguruma: `\p{L}` is general category L (Lu Ll Lt Lm Lo),
///   `\p{N}` is N (Nd Nl No) and `\s` is the White_Space property (25 scalars).
/// - Added-token matching (`single_word`, `lstrip`, `rstrip`) uses the Rust `regex` crate: `\w` is
///   Alphabetic, marks (M), Nd, Pc and Join_Control; `\s` is White_Space.
///
/// Both libraries carry Unicode 16.0 tables (checked against `tokenizers` 0.23 on every scalar), while
/// Swift's may be newer: scalars assigned after 16.0 are unassigned to them, so they count as
/// "other" here too.
enum ScalarClass: UInt8 {
    case letter, number, whitespace, other

    /// The newest Unicode version whose letters and numbers `tokenizers`' regex engines know.
    private static let knownUnicode = (major: 16, minor: 0)

    /// The class of a scalar value for GPT-2's pattern; `basicPlane` is `ScalarClass.basicPlane`, fetched
    /// once by the caller rather than through the lazy global on every scalar.
    @inline(__always)
    static func of(_ scalar: UInt32, basicPlane: UnsafePointer<UInt8>) -> ScalarClass {
        if scalar < 0x80 {
            if (scalar | 0x20) &- 0x61 < 26 { return .letter }              // A-Z, a-z
            if scalar &- 0x30 < 10 { return .number }                       // 0-9
            if scalar == 0x20 || scalar &- 0x09 < 5 { return .whitespace }  // space, \t \n \v \f \r
            return .other
        }
        if scalar < tableSize { return ScalarClass(rawValue: basicPlane[Int(scalar)] & classMask)! }
        return classify(scalar)
    }

    /// Scalars below this are looked up in `basicPlane`: the Basic and Supplementary Multilingual
    /// Planes, which hold nearly all text and every emoji; the rest is computed on each use.
    private static let tableSize: UInt32 = 0x20000
    private static let classMask: UInt8 = 0x3, wordFlag: UInt8 = 0x4

    /// For each scalar below `tableSize`: its class in the low two bits, and `wordFlag` if it is `\w`.
    /// Computed once and never freed; immutable afterwards.
    static let basicPlane: UnsafePointer<UInt8> = {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: Int(tableSize))
        for scalar in 0..<tableSize {
            table[Int(scalar)] = classify(scalar).rawValue | (computeIsWordCharacter(scalar) ? wordFlag : 0)
        }
        return UnsafePointer(table)
    }()

    private static func classify(_ value: UInt32) -> ScalarClass {
        guard let scalar = Unicode.Scalar(value) else { return .other }  // surrogates never occur in text
        let properties = scalar.properties
        if properties.isWhitespace { return .whitespace }
        guard isKnown(properties) else { return .other }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }

    private static func isKnown(_ properties: Unicode.Scalar.Properties) -> Bool {
        guard let age = properties.age else { return false }
        return (age.major, age.minor) <= knownUnicode
    }

    /// `\s` of both engines: the White_Space property.
    static func isWhitespace(_ value: UInt32) -> Bool {
        if value < tableSize { return basicPlane[Int(value)] & classMask == ScalarClass.whitespace.rawValue }
        return false  // no White_Space scalar lies above U+3000
    }

    /// `\w` of the Rust `regex` crate (Unicode mode), used for added tokens' `single_word`.
    static func isWordCharacter(_ value: UInt32) -> Bool {
        if value < tableSize { return basicPlane[Int(value)] & wordFlag != 0 }
        return computeIsWordCharacter(value)
    }

    private static func computeIsWordCharacter(_ value: UInt32) -> Bool {
        if value < 0x80 {
            let byte = UInt8(value)
            return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x5F
        }
        guard let scalar = Unicode.Scalar(value) else { return false }
        let properties = scalar.properties
        guard isKnown(properties) else { return false }
        if properties.isAlphabetic || properties.isJoinControl { return true }
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }
}
