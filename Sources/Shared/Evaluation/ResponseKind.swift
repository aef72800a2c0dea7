/// The four kinds of response BFPO's targets rank (helpfulness and safety as separate factors), best
/// first: helpful-safe > unhelpful-safe > unhelpful-unsafe > helpful-unsafe.
public enum ResponseKind: Int, Sendable, Equatable, CaseIterable, Comparable {
    case helpfulSafe
    case unhelpfulSafe
    case unhelpfulUnsafe
    case helpfulUnsafe

    public init(safe: Bool, helpful: Bool) {
        switch (safe, helpful) {
        case (true, true): self = .helpfulSafe
        case (true, false): self = .unhelpfulSafe
        case (false, false): self = .unhelpfulUnsafe
        case (false, true): self = .helpfulUnsafe
        }
    }

    public var isSafe: Bool { self == .helpfulSafe || self == .unhelpfulSafe }

    /// Place in the target ranking: 0 for the best kind. `a < b` means a should score above b.
    public var rank: Int { rawValue }

    public static func < (a: ResponseKind, b: ResponseKind) -> Bool { a.rank < b.rank }
}

/// Whether a prompt asks for something harmful (the safety metrics) or something benign (helpfulness).
public enum PromptKind: String, Sendable, Equatable, CaseIterable {
    case harmful
    case benign
}
