import Foundation

/// The files keys live in. A key pair named `NAME` is two files: `NAME.key` holds the secret key (mode
/// 0600, refused when others may read it) and `NAME.pub` the public key, each one Z85 line; the public
/// file may go anywhere, the secret one never leaves its machine. Lines starting with `#` are comments.
public enum KeyFiles {
    /// Writes a fresh pair to `NAME.key` and `NAME.pub` and returns it. An existing pair is kept and
    /// returned instead (its `NAME.pub` written again from the secret if it went missing), so launchers can
    /// run this every time and keys survive restarts.
    public static func makePair(named base: String) throws -> CurveKeyPair {
        let pair: CurveKeyPair
        if FileManager.default.fileExists(atPath: base + ".key") {
            pair = try readPair(secretKeyFile: base + ".key")
        } else {
            pair = try CurveKeyPair.generate()
            try write("# CURVE secret key: keep this file on this machine only\n\(pair.secretKey.z85)\n", to: base + ".key", mode: 0o600)
        }
        if !FileManager.default.fileExists(atPath: base + ".pub") {
            try write("\(pair.publicKey.z85)\n", to: base + ".pub", mode: 0o644)
        }
        return pair
    }

    /// The pair whose secret key is in `path`.
    public static func readPair(secretKeyFile path: String) throws -> CurveKeyPair {
        var info = stat()
        guard stat(path, &info) == 0 else { throw SecurityError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        let mode = UInt16(truncatingIfNeeded: info.st_mode) & 0o777
        guard mode & 0o077 == 0 else { throw SecurityError.secretKeyExposed(path: path, mode: mode) }
        return try CurveKeyPair(secretKey: readKey(path))
    }

    /// A public key given as the path of a file holding one or as Z85 text. The file comes first: a path of
    /// 40 characters can be valid Z85 too (`/`, `.` and letters are in its alphabet).
    public static func publicKey(_ pathOrText: String) throws -> CurveKey {
        if !FileManager.default.fileExists(atPath: pathOrText), let key = CurveKey(z85: pathOrText) { return key }
        return try readKey(pathOrText)
    }

    /// The one key in the file at `path`.
    static func readKey(_ path: String) throws -> CurveKey {
        let lines = try keyLines(path)
        guard lines.count == 1, let key = CurveKey(z85: String(lines[0].text.prefix { $0 != " " })) else {
            throw SecurityError.malformedKey(path: path, line: lines.count > 1 ? lines[1].number : lines.first?.number ?? 1)
        }
        return key
    }

    /// The numbered lines of `path` that are neither blank nor comments, trimmed.
    static func keyLines(_ path: String) throws -> [(number: Int, text: String)] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw SecurityError.unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            return trimmed.isEmpty || trimmed.hasPrefix("#") ? nil : (index + 1, trimmed)
        }
    }

    private static func write(_ text: String, to path: String, mode: mode_t) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw SecurityError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard fchmod(fd, mode) == 0, bytes.withUnsafeBytes({ Foundation.write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
            throw SecurityError.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
    }
}
