import Foundation

/// The public keys allowed to connect: one Z85 key per line, optionally followed by a space and a name
/// (`bfpo-worker keygen` prints such a line), `#` comments. The coordinator's is
/// `RUN_DIR/keys/allowed_keys`; launchers append each worker's and server's public key to it.
public struct KeyAllowlist: Sendable, Equatable {
    /// Allowed keys and the names written beside them ("" when none).
    public private(set) var names: [CurveKey: String] = [:]

    /// Reads `path`; every malformed line is an error naming it.
    public init(contentsOf path: String) throws {
        for (number, text) in try KeyFiles.keyLines(path) {
            let parts = text.split(separator: " ", maxSplits: 1)
            guard let key = CurveKey(z85: String(parts[0])) else { throw SecurityError.malformedKey(path: path, line: number) }
            names[key] = parts.count > 1 ? String(parts[1]).trimmingCharacters(in: .whitespaces) : ""
        }
    }

    public func allows(_ key: CurveKey) -> Bool { names[key] != nil }
}
