import Foundation

/// A bounded map from a pre-token's bytes to its BPE ids, shared by every thread that encodes with
/// one tokenizer. When it holds `capacity` entries it is emptied and refills with what comes next, so
/// memory stays bounded and the cache follows the text's current vocabulary.
///
/// `@unchecked Sendable`: `entries` is only read or written while holding `lock`.
final class PreTokenCache: @unchecked Sendable {
    /// A pre-token's bytes, hashed in one call rather than byte by byte.
    struct Key: Hashable {
        let bytes: [UInt8]

        func hash(into hasher: inout Hasher) {
            bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
        }

        static func == (a: Key, b: Key) -> Bool {
            a.bytes.count == b.bytes.count && a.bytes.withUnsafeBytes { x in
                b.bytes.withUnsafeBytes { y in x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 }
            }
        }
    }

    /// Pre-tokens longer than this many bytes are not cached (they are rare and costly to hash).
    static let longestKey = 128

    private let capacity: Int
    private let lock = NSLock()
    private var entries: [Key: [Int]] = [:]

    init(capacity: Int) {
        self.capacity = capacity
    }

    func ids(for key: Key) -> [Int]? {
        lock.lock()
        defer { lock.unlock() }
        return entries[key]
    }

    func store(_ ids: [Int], for key: Key) {
        lock.lock()
        defer { lock.unlock() }
        if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[key] = ids
    }
}
